/**
 * Migration 006: full-text search over conversation titles and message text
 * (docs/decisions/2026-12-02-search.md).
 *
 * One search document per message row, keyed by `messages.seq` (stable, never reused). A message's
 * document is the strings of its `parts`, one per line; the root row (parent_id null), which has no
 * text of its own, holds the conversation's title instead, so titles and messages share one index and
 * one ranking. Not indexed: answers still being written (status `in_progress` — re-indexing at every
 * streaming checkpoint would cost each turn for nothing; the answer is indexed once, when it ends) and
 * messages hidden from the conversation (`metadata.is_visually_hidden_from_conversation`).
 *
 * The index is kept by triggers, so every statement that writes a message or a title updates it in the
 * same transaction: there is no indexer that can fall behind. Deleting a message (or its conversation)
 * deletes its document.
 *
 * - SQLite: an FTS5 table without stored content (`contentless_delete`, the text lives in `messages`),
 *   tokenizer `unicode61 remove_diacritics 2` (case and Latin accents folded: "Café" matches "cafe").
 * - PostgreSQL: `search_documents(seq, owner_id, conversation_id, document tsvector)` with a GIN index
 *   (and one on owner and seq, for the newest matches of a very common word), the
 *   `simple` configuration (no stemming, no stop words: users write in any language), the same folding
 *   done by `backchat_search_vector` (lowercase, accents removed, punctuation split like unicode61).
 */
import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../dialects/store-dialect.js';
import type { Migration, MigrationProgress } from './migration.js';

/** Rows indexed per statement while backfilling: bounded work and a progress line per batch. */
const backfillBatch = 50_000;

/** SQLite: the text of a message row `row` (strings of `parts`, one per line). */
const sqliteText = (row: string) =>
  `(select group_concat(value, char(10)) from json_each(${row}.parts) where type = 'text')`;

/** SQLite: whether message row `row` has a document (a message that is neither the root, hidden nor streaming). */
const sqliteIndexed = (row: string) =>
  `(${row}.parent_id is not null and ${row}.status <> 'in_progress' and not (instr(${row}.metadata, 'is_visually_hidden_from_conversation') > 0 and coalesce(json_extract(${row}.metadata, '$.is_visually_hidden_from_conversation'), 0) = 1))`;

async function createSqliteIndex(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `create virtual table search_index using fts5(title, body, content='', contentless_delete=1,
        tokenize='unicode61 remove_diacritics 2')`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger search_message_insert after insert on messages begin
        insert into search_index(rowid, title, body)
          select new.seq, null, ${sqliteText('new')} where ${sqliteIndexed('new')};
        insert into search_index(rowid, title, body)
          select new.seq, title, null from conversations
          where new.parent_id is null and id = new.conversation_id and title is not null;
      end`,
    )
    .execute(db);
  // Streaming checkpoints (in_progress → in_progress) do not touch the index.
  await sql
    .raw(
      `create trigger search_message_update after update of parts, status, metadata, parent_id on messages
      when new.parent_id is not null and (old.status <> 'in_progress' or new.status <> 'in_progress') begin
        delete from search_index where rowid = old.seq;
        insert into search_index(rowid, title, body)
          select new.seq, null, ${sqliteText('new')} where ${sqliteIndexed('new')};
      end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger search_message_delete after delete on messages begin
        delete from search_index where rowid = old.seq;
      end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger search_title_update after update of title on conversations
      when old.title is not new.title begin
        delete from search_index
          where rowid = (select seq from messages where conversation_id = new.id and parent_id is null);
        insert into search_index(rowid, title, body)
          select seq, new.title, null from messages
          where conversation_id = new.id and parent_id is null and new.title is not null;
      end`,
    )
    .execute(db);
}

async function backfillSqlite(db: Kysely<unknown>, onProgress: MigrationProgress): Promise<void> {
  const range = await sql<{ low: number | null; high: number | null }>`
    select min(seq) as low, max(seq) as high from messages`.execute(db);
  const { low, high } = range.rows[0] ?? { low: null, high: null };
  if (low === null || high === null) return;
  for (let from = low; from <= high; from += backfillBatch) {
    const to = from + backfillBatch;
    await sql
      .raw(
        `insert into search_index(rowid, title, body)
          select m.seq, null, ${sqliteText('m')} from messages m
          where m.seq >= ${from} and m.seq < ${to} and ${sqliteIndexed('m')}`,
      )
      .execute(db);
    await sql
      .raw(
        `insert into search_index(rowid, title, body)
          select m.seq, c.title, null from messages m join conversations c on c.id = m.conversation_id
          where m.seq >= ${from} and m.seq < ${to} and m.parent_id is null and c.title is not null`,
      )
      .execute(db);
    reportBackfill(onProgress, Math.min(to, high + 1) - low, high + 1 - low);
  }
}

function reportBackfill(onProgress: MigrationProgress, done: number, total: number): void {
  if (total > backfillBatch) onProgress(`indexing messages for search: ${done}/${total} rows`);
}

/**
 * PostgreSQL: the functions the triggers use. Folding needs `normalize`, which only exists in UTF-8
 * databases; elsewhere accents are left as they are.
 */
async function createPostgresFunctions(db: Kysely<unknown>): Promise<void> {
  const encoding = await sql<{ encoding: string }>`select current_setting('server_encoding') as encoding`.execute(db);
  const utf8 = encoding.rows[0]?.encoding.toUpperCase() === 'UTF8';
  // Split on punctuation like unicode61 ("bob@example.com" → bob example com), drop accents, cap the size
  // (a tsvector holds at most 1 MB; the text beyond the cap is not searchable).
  const split = `regexp_replace(lower(left(t, 250000)), '[[:punct:][:space:]]+', ' ', 'g')`;
  const folded = utf8
    ? `normalize(regexp_replace(normalize(${split}, NFD), '[\\u0300-\\u036f]', '', 'g'), NFC)`
    : split;
  await sql
    .raw(
      `create function backchat_search_vector(t text) returns tsvector
      language sql immutable parallel safe as $$ select to_tsvector('simple', ${folded}) $$`,
    )
    .execute(db);
  // The strings of a parts array. JSON text holding an escape `text` cannot convert (\\u0000, a lone
  // surrogate) is indexed as empty rather than failing the write.
  await sql
    .raw(
      `create function backchat_message_text(parts text) returns text
      language plpgsql immutable parallel safe as $$
      declare
        result text;
      begin
        if position('\\u' in parts) > 0 then
          begin
            select string_agg(value #>> '{}', E'\\n') into result
              from json_array_elements(parts::json) as e(value) where json_typeof(value) = 'string';
          exception when others then
            return '';
          end;
        else
          select string_agg(value #>> '{}', E'\\n') into result
            from json_array_elements(parts::json) as e(value) where json_typeof(value) = 'string';
        end if;
        return coalesce(result, '');
      end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create function backchat_search_hidden(metadata text) returns boolean
      language plpgsql immutable parallel safe as $$
      begin
        if position('is_visually_hidden_from_conversation' in metadata) = 0 then return false; end if;
        return coalesce((metadata::json ->> 'is_visually_hidden_from_conversation') = 'true', false);
      exception when others then
        return false;
      end $$`,
    )
    .execute(db);
}

async function createPostgresIndex(db: Kysely<unknown>): Promise<void> {
  await sql`create table search_documents (
      seq bigint primary key references messages (seq) on delete cascade,
      owner_id text not null,
      conversation_id text not null,
      document tsvector not null
    )`.execute(db);
  await createPostgresFunctions(db);
  await sql`create function backchat_search_message() returns trigger language plpgsql as $$
    begin
      if new.parent_id is null then
        if tg_op = 'INSERT' then
          insert into search_documents (seq, owner_id, conversation_id, document)
            select new.seq, new.owner_id, new.conversation_id, setweight(backchat_search_vector(title), 'A')
            from conversations where id = new.conversation_id and title is not null;
        end if;
        return null;
      end if;
      if new.status = 'in_progress' or backchat_search_hidden(new.metadata) then
        if tg_op = 'UPDATE' then delete from search_documents where seq = new.seq; end if;
        return null;
      end if;
      insert into search_documents (seq, owner_id, conversation_id, document)
        values (new.seq, new.owner_id, new.conversation_id, backchat_search_vector(backchat_message_text(new.parts)))
        on conflict (seq) do update set document = excluded.document;
      return null;
    end $$`.execute(db);
  await sql`create trigger search_message_insert after insert on messages
    for each row execute function backchat_search_message()`.execute(db);
  // Streaming checkpoints (in_progress → in_progress) do not fire it.
  await sql`create trigger search_message_update after update of parts, status, metadata on messages
    for each row when (old.status <> 'in_progress' or new.status <> 'in_progress')
    execute function backchat_search_message()`.execute(db);
  await sql`create function backchat_search_title() returns trigger language plpgsql as $$
    begin
      delete from search_documents
        where seq = (select seq from messages where conversation_id = new.id and parent_id is null);
      insert into search_documents (seq, owner_id, conversation_id, document)
        select seq, new.owner_id, new.id, setweight(backchat_search_vector(new.title), 'A') from messages
        where conversation_id = new.id and parent_id is null and new.title is not null;
      return null;
    end $$`.execute(db);
  await sql`create trigger search_title_update after update of title on conversations
    for each row when (old.title is distinct from new.title) execute function backchat_search_title()`.execute(db);
}

async function backfillPostgres(db: Kysely<unknown>, onProgress: MigrationProgress): Promise<void> {
  const range = await sql<{ low: string | null; high: string | null }>`
    select min(seq)::text as low, max(seq)::text as high from messages`.execute(db);
  const row = range.rows[0];
  if (!row || row.low === null || row.high === null) return;
  const low = Number(row.low);
  const high = Number(row.high);
  for (let from = low; from <= high; from += backfillBatch) {
    const to = from + backfillBatch;
    await sql`insert into search_documents (seq, owner_id, conversation_id, document)
      select m.seq, m.owner_id, m.conversation_id, backchat_search_vector(backchat_message_text(m.parts)) from messages m
      where m.seq >= ${from} and m.seq < ${to} and m.parent_id is not null and m.status <> 'in_progress'
        and not backchat_search_hidden(m.metadata)`.execute(db);
    await sql`insert into search_documents (seq, owner_id, conversation_id, document)
      select m.seq, m.owner_id, m.conversation_id, setweight(backchat_search_vector(c.title), 'A')
      from messages m join conversations c on c.id = m.conversation_id
      where m.seq >= ${from} and m.seq < ${to} and m.parent_id is null and c.title is not null`.execute(db);
    reportBackfill(onProgress, Math.min(to, high + 1) - low, high + 1 - low);
  }
}

/** Migration 006. */
export const searchMigration: Migration = {
  name: '006-search',
  async up(db: Kysely<unknown>, dialect: StoreDialect, onProgress: MigrationProgress = () => {}) {
    if (dialect.kind === 'sqlite') {
      await createSqliteIndex(db);
      await backfillSqlite(db, onProgress);
    } else {
      await createPostgresIndex(db);
      await backfillPostgres(db, onProgress);
      // Built after the backfill: faster than growing them row by row.
      await sql`create index search_documents_document_idx on search_documents using gin (document)`.execute(db);
      await sql`create index search_documents_owner_idx on search_documents (owner_id, seq)`.execute(db);
    }
  },
};
