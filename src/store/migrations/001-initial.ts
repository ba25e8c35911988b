/** Migration 001: every table of the first schema, its constraints and the indexes of the hot paths. */
import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../dialects/store-dialect.js';
import type { Migration } from './migration.js';

const float = 'double precision';

async function createUsers(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('email', 'text', (column) => column.notNull().unique())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('password_hash', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('disabled', dialect.booleanType, (column) => column.notNull().defaultTo(false))
    .addColumn('create_time', float, (column) => column.notNull())
    .execute();
}

async function createSessionsAndSettings(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('create_time', float, (column) => column.notNull())
    .addColumn('expire_time', float, (column) => column.notNull())
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();
  await db.schema.createIndex('sessions_expire_idx').on('sessions').column('expire_time').execute();
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (column) => column.primaryKey())
    .addColumn('value', 'text', (column) => column.notNull())
    .execute();
}

async function createConversations(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('conversations')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('owner_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text')
    .addColumn('create_time', float, (column) => column.notNull())
    .addColumn('update_time', float, (column) => column.notNull())
    .addColumn('current_node', 'text', (column) => column.notNull())
    .addColumn('root_id', 'text', (column) => column.notNull())
    .addColumn('is_archived', dialect.booleanType, (column) => column.notNull().defaultTo(false))
    .addColumn('is_visible', dialect.booleanType, (column) => column.notNull().defaultTo(true))
    .addColumn('is_temporary', dialect.booleanType, (column) => column.notNull().defaultTo(false))
    .addColumn('default_model', 'text')
    .addColumn('timezone_offset_min', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('conversation_mode', 'text', (column) => column.notNull())
    .addColumn('suggestions', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('conversations_listing_idx')
    .on('conversations')
    .columns(['owner_id', 'is_visible', 'is_temporary', 'is_archived', 'update_time desc', 'id'])
    .execute();
  await db.schema
    .createIndex('conversations_temporary_idx')
    .on('conversations')
    .columns(['is_temporary', 'update_time'])
    .execute();
}

/**
 * messages: the tree's invariants are constraints where SQL can say them — the parent is a message of
 * the same conversation (composite FK; deleting a message deletes its subtree), no self-parent, one root.
 */
async function createMessages(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const { type: keyType, build: keyBuild } = dialect.autoIncrementKey;
  await db.schema
    .createTable('messages')
    .addColumn('seq', keyType, keyBuild)
    .addColumn('conversation_id', 'text', (column) =>
      column.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('owner_id', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('parent_id', 'text')
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('author_name', 'text')
    .addColumn('content_type', 'text', (column) => column.notNull())
    .addColumn('parts', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('end_turn', dialect.booleanType)
    .addColumn('weight', float, (column) => column.notNull())
    .addColumn('metadata', 'text', (column) => column.notNull())
    .addColumn('recipient', 'text', (column) => column.notNull())
    .addColumn('model_slug', 'text')
    .addColumn('create_time', float)
    .addColumn('update_time', float)
    .addUniqueConstraint('messages_conversation_id_id_key', ['conversation_id', 'id'])
    .addForeignKeyConstraint(
      'messages_parent_fk',
      ['conversation_id', 'parent_id'],
      'messages',
      ['conversation_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addCheckConstraint('messages_not_own_parent', sql`parent_id is null or parent_id <> id`)
    .execute();
}

async function createMessageIndexes(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('messages_parent_idx').on('messages').columns(['conversation_id', 'parent_id']).execute();
  await db.schema
    .createIndex('messages_one_root_idx')
    .unique()
    .on('messages')
    .column('conversation_id')
    .where(sql.ref('parent_id'), 'is', null)
    .execute();
  await db.schema
    .createIndex('messages_in_progress_idx')
    .on('messages')
    .column('status')
    .where(sql.ref('status'), '=', 'in_progress')
    .execute();
}

async function createFeedbackAndPrompts(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('message_feedback')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('conversation_id', 'text', (column) => column.notNull())
    .addColumn('message_id', 'text', (column) => column.notNull())
    .addColumn('rating', 'text', (column) => column.notNull())
    .addColumn('text', 'text')
    .addColumn('tags', 'text', (column) => column.notNull())
    .addColumn('create_time', float, (column) => column.notNull())
    .addUniqueConstraint('message_feedback_target_key', ['user_id', 'conversation_id', 'message_id'])
    .execute();
  await db.schema
    .createTable('prompts')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('description', 'text', (column) => column.notNull())
    .addColumn('prompt', 'text', (column) => column.notNull())
    .addColumn('category', 'text', (column) => column.notNull())
    .addColumn('enabled', dialect.booleanType, (column) => column.notNull().defaultTo(true))
    .execute();
}

const latencyMetricColumns = [
  'preflight_time_ms',
  'ts_first_token_ms',
  'ts_max_token_time_ms',
  'ts_mean_token_without_first_ms',
  'ts_median_token_without_first_ms',
  'ts_min_token_time_ms',
  'ts_p95_token_without_first_ms',
  'ts_p99_token_without_first_ms',
  'ts_std_dev_token_ms',
  'ts_total_request_ms',
];

async function createLatencyReports(db: Kysely<unknown>): Promise<void> {
  let table = db.schema
    .createTable('latency_reports')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('model', 'text', (column) => column.notNull())
    .addColumn('server_request_id', 'text')
    .addColumn('conversation_id', 'text')
    .addColumn('message_id', 'text')
    .addColumn('count_tokens', 'integer');
  for (const name of latencyMetricColumns) table = table.addColumn(name, float);
  await table.addColumn('create_time', float, (column) => column.notNull()).execute();
  await db.schema
    .createIndex('latency_reports_user_idx')
    .on('latency_reports')
    .columns(['user_id', 'create_time'])
    .execute();
}

async function createAnalyticsEvents(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('analytics_events')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('claimed_user_id', 'text')
    .addColumn('anonymous_id', 'text')
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('event', 'text')
    .addColumn('message_id', 'text')
    .addColumn('timestamp', 'text')
    .addColumn('properties', 'text', (column) => column.notNull())
    .addColumn('context', 'text', (column) => column.notNull())
    .addColumn('receive_time', float, (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('analytics_events_user_idx')
    .on('analytics_events')
    .columns(['user_id', 'receive_time'])
    .execute();
}

/** Migration 001. */
export const initialMigration: Migration = {
  name: '001-initial',
  async up(db, dialect) {
    await createUsers(db, dialect);
    await createSessionsAndSettings(db);
    await createConversations(db, dialect);
    await createMessages(db, dialect);
    await createMessageIndexes(db);
    await createFeedbackAndPrompts(db, dialect);
    await createLatencyReports(db);
    await createAnalyticsEvents(db);
  },
};
