/** The schema's migrations, in the order they run. Append only. */
import { initialMigration } from './001-initial.js';
import { promptLibraryMigration } from './002-prompt-library.js';
import { accountsMigration } from './003-accounts.js';
import { generationsMigration } from './004-generations.js';
import { instancesMigration } from './005-instances.js';
import { searchMigration } from './006-search.js';
import { sharesMigration } from './007-shares.js';
import { historyMigration } from './008-history.js';
import { conversationCountsMigration } from './009-conversation-counts.js';
import { messageOrderMigration } from './010-message-order.js';
import { conversationRootsMigration } from './011-conversation-roots.js';
import type { Migration } from './migration.js';

/** Every migration, oldest first. */
export const migrations: readonly Migration[] = [
  initialMigration,
  promptLibraryMigration,
  accountsMigration,
  generationsMigration,
  instancesMigration,
  searchMigration,
  sharesMigration,
  historyMigration,
  conversationCountsMigration,
  messageOrderMigration,
  conversationRootsMigration,
];
