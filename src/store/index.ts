/** The store's public surface: the contract, how to open it, and the errors it throws. */

export { type DatabaseConfig, describeDatabase } from './open-database.js';
export { type OpenStoreOptions, openStore } from './open-store.js';
export { type PromptCategory, promptCategories, promptLibrary } from './prompt-library.js';
export type * from './store.js';
export {
  DatabaseConnectionError,
  DuplicateKeyError,
  MigrationError,
  MissingReferenceError,
  StoreError,
  UnsupportedTextError,
} from './store-errors.js';
