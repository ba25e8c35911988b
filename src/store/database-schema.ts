/**
 * Row types of the tables as Kysely sees them (snake_case, as stored). Only the store's query
 * modules use these; everything else sees the records of store.ts.
 *
 * Conventions: times are float epoch seconds (REAL / double precision); JSON columns are TEXT;
 * booleans are written as `boolean` (the SQLite dialect turns them into 0/1) and read back as
 * `boolean | number` (see column-codecs.ts).
 */
import type { ColumnType, Generated } from 'kysely';
import type { LatencyMetricWireName } from '../protocol/latency-metrics.js';

/** A boolean column: written as boolean, read back as boolean (PostgreSQL) or 0/1 (SQLite). */
export type BooleanColumn = ColumnType<boolean | number, boolean, boolean>;
/** A boolean column with a database default. */
export type DefaultedBooleanColumn = ColumnType<boolean | number, boolean | undefined, boolean>;
/** A JSON value serialised as TEXT. */
export type JsonColumn = string;
/** An optional JSON value serialised as TEXT (NULL when absent; may be left out of an insert). */
export type NullableJsonColumn = ColumnType<string | null, string | null | undefined, string | null>;

export interface UsersTable {
  id: string;
  /** Always stored lowercased. */
  email: string;
  name: string;
  password_hash: string;
  role: string;
  disabled: BooleanColumn;
  create_time: number;
  /** JSON array of model slugs; null = every model. */
  model_access: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SessionsTable {
  token_hash: string;
  /** The public id (listing, "sign out this device", the `sid` of access tokens). */
  id: string;
  user_id: string;
  create_time: number;
  expire_time: number;
  last_used_time: number | null;
  user_agent: string | null;
}

export interface PersonalAccessTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  create_time: number;
  expire_time: number | null;
  last_used_time: number | null;
}

export interface InvitesTable {
  id: string;
  token_hash: string;
  email: string | null;
  role: string;
  created_by: string | null;
  create_time: number;
  expire_time: number;
  used_time: number | null;
  used_by: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface ConversationsTable {
  id: string;
  owner_id: string;
  title: string | null;
  create_time: number;
  update_time: number;
  current_node: string;
  root_id: string;
  is_archived: BooleanColumn;
  is_visible: BooleanColumn;
  is_temporary: BooleanColumn;
  default_model: string | null;
  timezone_offset_min: number;
  conversation_mode: JsonColumn;
  suggestions: JsonColumn;
  /** Imported wire fields kept verbatim (migration 008); null for backchat's own. */
  extras: NullableJsonColumn;
}

export interface MessagesTable {
  /** Insertion order; BIGINT on PostgreSQL (read back as a string there — only used for ordering). */
  seq: Generated<number | string>;
  conversation_id: string;
  owner_id: string;
  id: string;
  parent_id: string | null;
  role: string;
  author_name: string | null;
  content_type: string;
  parts: JsonColumn;
  status: string;
  end_turn: ColumnType<boolean | number | null, boolean | null, boolean | null>;
  weight: number;
  metadata: JsonColumn;
  recipient: string;
  model_slug: string | null;
  create_time: number | null;
  update_time: number | null;
  /** Imported wire fields kept verbatim (migration 008); null for backchat's own. */
  extras: NullableJsonColumn;
}

/** An answer being written: which process owns it, until when (migration 004). */
export interface GenerationsTable {
  conversation_id: string;
  message_id: string;
  owner_id: string;
  instance_id: string;
  start_time: number;
  lease_expire_time: number;
}

export interface MessageFeedbackTable {
  id: string;
  user_id: string;
  conversation_id: string;
  message_id: string;
  rating: string;
  text: string | null;
  tags: JsonColumn;
  create_time: number;
}

export interface PromptsTable {
  id: string;
  title: string;
  description: string;
  prompt: string;
  category: string;
  enabled: DefaultedBooleanColumn;
}

/** One column per latency figure, named as on the wire (src/protocol/latency-metrics.ts). */
type LatencyMetricColumns = Record<LatencyMetricWireName, number | null>;

export interface LatencyReportsTable extends LatencyMetricColumns {
  id: string;
  user_id: string;
  source: string;
  model: string;
  server_request_id: string | null;
  conversation_id: string | null;
  message_id: string | null;
  create_time: number;
}

export interface AnalyticsEventsTable {
  id: string;
  user_id: string;
  claimed_user_id: string | null;
  anonymous_id: string | null;
  type: string;
  event: string | null;
  message_id: string | null;
  timestamp: string | null;
  properties: JsonColumn;
  context: JsonColumn;
  receive_time: number;
}

/** A running server process (migration 005): its heartbeat tells others it is alive. */
export interface InstancesTable {
  instance_id: string;
  label: string;
  /** `redis` when it shares limits and live answers through Redis, `none` otherwise. */
  shared_state: string;
  start_time: number;
  heartbeat_time: number;
}

/** A share link: a frozen snapshot of one branch of a conversation (migration 007). */
export interface SharesTable {
  id: string;
  owner_id: string;
  conversation_id: string;
  title: string;
  current_node: string;
  model: string | null;
  is_public: BooleanColumn;
  is_visible: BooleanColumn;
  is_anonymous: BooleanColumn;
  highlighted_message_id: string | null;
  /** JSON array of message records, root first. */
  snapshot: JsonColumn;
  create_time: number;
  update_time: number;
}

/** Which conversation of an owner an exported conversation id was imported as (migration 008). */
export interface ImportedConversationsTable {
  owner_id: string;
  source_id: string;
  conversation_id: string;
}

/**
 * How many conversations of an owner the list shows (visible, not temporary), archived and not; kept
 * by triggers on `conversations` (migration 009), never written by the store.
 */
export interface ConversationCountsTable {
  owner_id: string;
  is_archived: BooleanColumn;
  listed: number;
}

export interface SchemaMigrationsTable {
  name: string;
  apply_time: number;
}

/** Every table of the schema, by name. */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  personal_access_tokens: PersonalAccessTokensTable;
  invites: InvitesTable;
  settings: SettingsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  generations: GenerationsTable;
  instances: InstancesTable;
  message_feedback: MessageFeedbackTable;
  prompts: PromptsTable;
  latency_reports: LatencyReportsTable;
  analytics_events: AnalyticsEventsTable;
  shares: SharesTable;
  imported_conversations: ImportedConversationsTable;
  conversation_counts: ConversationCountsTable;
  schema_migrations: SchemaMigrationsTable;
}
