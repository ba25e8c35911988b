/**
 * Full-text search (migration 006): SQLite FTS5 with bm25, PostgreSQL tsvector with ts_rank. Both
 * rank every matching document of the owner, keep each conversation's best, and page by keyset
 * (score, conversation id). Owner-scoped on the conversation and the message row alike.
 */
import { type RawBuilder, sql } from 'kysely';
import { foldWord } from '../protocol/search-types.js';
import type { Executor } from './executor.js';
import type { SearchHit, SearchPage, SearchQuery } from './search-store.js';

/** At most this many terms reach the database (the route caps the query's length too). */
const maxTerms = 32;

/**
 * The newest matching documents of the owner ranked for one search. A rare word ranks all its matches;
 * a word in more documents than this ranks only the newest of them (ranking costs per document: bm25
 * reads each document's size), which keeps a search of a very common word as fast as any other.
 */
export const maxRankedDocuments = 1_000;

/** Title hits count this many times a message hit in bm25 (ts_rank weighs them by `setweight` 'A'). */
export const titleWeight = 5.0;

interface HitRow {
  score: number | string;
  conversation_id: string;
  current_node: string;
  title: string | null;
  is_archived: boolean | number;
  create_time: number;
  update_time: number;
  message_id: string;
  parent_id: string | null;
  parts: string;
}

function parseParts(text: string): unknown[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}

function toPage(rows: HitRow[], limit: number): SearchPage {
  const hits: SearchHit[] = rows.slice(0, limit).map((row) => {
    const isTitle = row.parent_id === null;
    return {
      conversationId: row.conversation_id,
      currentNode: row.current_node,
      title: row.title,
      isArchived: Boolean(row.is_archived),
      createTime: Number(row.create_time),
      updateTime: Number(row.update_time),
      messageId: isTitle ? null : row.message_id,
      parts: isTitle ? [] : parseParts(row.parts),
      score: Number(row.score),
    };
  });
  const last = hits.at(-1);
  const next = rows.length > limit && last ? { score: last.score, conversationId: last.conversationId } : null;
  return { hits, next };
}

/**
 * FTS5 query: every term a quoted string (implicit AND; the tokenizer folds it like the documents), the
 * last one a prefix when asked.
 */
export function fts5Match(query: SearchQuery): string {
  const terms = query.terms.slice(0, maxTerms).map((term) => `"${term.replaceAll('"', '""')}"`);
  if (query.prefixLast && terms.length > 0) terms[terms.length - 1] += '*';
  return terms.join(' ');
}

/**
 * tsquery text: every term folded like the documents (migration 006), a quoted lexeme, joined by `&`;
 * the last one a prefix when asked.
 */
export function tsqueryText(query: SearchQuery): string {
  const terms = query.terms
    .slice(0, maxTerms)
    .map((term) => `'${foldWord(term).replaceAll('\\', '\\\\').replaceAll("'", "''")}'`);
  if (query.prefixLast && terms.length > 0) terms[terms.length - 1] += ':*';
  return terms.join(' & ');
}

function afterClause(query: SearchQuery, scoreType: 'real' | 'double precision'): RawBuilder<unknown> {
  if (!query.after) return sql`true`;
  const score = sql`cast(${query.after.score} as ${sql.raw(scoreType)})`;
  return sql`(score < ${score} or (score = ${score} and conversation_id > ${query.after.conversationId}))`;
}

const pageColumns = sql`page.score, c.id as conversation_id, c.current_node, c.title, c.is_archived,
  c.create_time, c.update_time, m.id as message_id, m.parent_id, m.parts`;

/**
 * The score of a match on SQLite: -bm25 (higher is better). When the words fill the ranking window
 * (`common`), bm25 is not used: it first counts the documents of every word over the whole index (a
 * pass over each word's whole list of documents — 20 ms for a word in half of a million messages, for an
 * inverse document frequency that is then about zero); title matches come first, then the newest.
 * PostgreSQL ranks the same way (searchPostgres).
 */
function sqliteScore(common: boolean): RawBuilder<number> {
  return common
    ? sql`(o.parent_id is null) * ${titleFirst} + search_index.rowid`
    : sql`-bm25(search_index, ${titleWeight}, 1.0)`;
}

/** Puts title matches above every message match when ranking by recency (seq stays far below it). */
const titleFirst = 1e15;

async function searchSqlite(db: Executor, ownerId: string, query: SearchQuery, common: boolean): Promise<SearchPage> {
  // The FTS step is materialized: bm25() cannot run once SQLite folds it into the aggregate. It walks
  // the matches newest first and stops at the cap; bm25 runs only on the owner's rows. Conversations are
  // checked (visible, not temporary) in rank order until the page is full, not all of them.
  const result = await sql<HitRow>`
    with s as materialized (
      select search_index.rowid as seq, o.conversation_id as conversation_id, ${sqliteScore(common)} as score
      from search_index cross join messages o on o.seq = search_index.rowid
      where search_index match ${fts5Match(query)} and o.owner_id = ${ownerId}
      order by search_index.rowid desc limit ${maxRankedDocuments}
    ), best as materialized (
      -- \`max(score)\` with bare columns: SQLite takes \`seq\` from the row holding the maximum (the best hit).
      select conversation_id, seq, max(score) as score from s group by conversation_id
    ), ranked as materialized (
      select * from best where ${afterClause(query, 'double precision')} order by score desc, conversation_id
    ), page as (
      select * from ranked
      where exists (select 1 from conversations c where c.id = ranked.conversation_id and c.owner_id = ${ownerId}
        and c.is_visible = 1 and c.is_temporary = 0)
      limit ${query.limit + 1}
    )
    select ${pageColumns} from page
    cross join conversations c on c.id = page.conversation_id and c.owner_id = ${ownerId}
    cross join messages m on m.seq = page.seq and m.owner_id = ${ownerId}
    order by page.score desc, page.conversation_id`.execute(db);
  return toPage(result.rows, query.limit);
}

/**
 * `common`: the owner has at least `maxRankedDocuments` matches. Then the owner's documents are read
 * newest first until that many matched (a few thousand rows at most for a word in a few percent of
 * them) instead of collecting every match from the GIN index only to keep the newest. Otherwise the
 * GIN index finds the matches (`seq + 0` keeps the planner from walking newest first: for a rare word
 * that reads every row).
 */
async function searchPostgres(db: Executor, ownerId: string, query: SearchQuery, common: boolean): Promise<SearchPage> {
  // The tsquery is written out where it is used (not taken from a CTE), so the planner sees a value it
  // can look up in the GIN index.
  const tsquery = sql`to_tsquery('simple', ${tsqueryText(query)})`;
  const newestFirst = common ? sql`d.seq desc` : sql`d.seq + 0 desc`;
  // Ranked like SQLite (sqliteScore): by relevance, or when the words are that common, titles first,
  // then the newest (a double: a real could not tell one seq from the next).
  const score = common
    ? sql`(case when (select m.parent_id is null from messages m where m.seq = d.seq)
        then cast(${titleFirst} as double precision) else 0 end) + d.seq`
    : sql`ts_rank(d.document, ${tsquery})`;
  const result = await sql<HitRow>`
    with matched as (
      select d.seq, d.conversation_id, d.document from search_documents d
      where d.document @@ ${tsquery} and d.owner_id = ${ownerId}
      order by ${newestFirst} limit ${maxRankedDocuments}
    ), best as (
      select distinct on (d.conversation_id) d.conversation_id, d.seq, ${score} as score
      from matched d
      order by d.conversation_id, score desc, d.seq
    ), page as (
      -- A per-row lookup (a scalar subquery, not a join the planner could turn into a scan of every
      -- conversation): which of these conversations are the owner's, visible and not temporary.
      select * from best
      where ${afterClause(query, common ? 'double precision' : 'real')} and coalesce((select c.is_visible and not c.is_temporary
        from conversations c where c.id = best.conversation_id and c.owner_id = ${ownerId}), false)
      order by score desc, conversation_id limit ${query.limit + 1}
    )
    select ${pageColumns} from page
    join conversations c on c.id = page.conversation_id and c.owner_id = ${ownerId}
    join messages m on m.seq = page.seq and m.owner_id = ${ownerId}
    order by page.score desc, page.conversation_id`.execute(db);
  return toPage(result.rows, query.limit);
}

/**
 * Whether the owner has at least `maxRankedDocuments` documents matching `query`: a cheap probe, as
 * the count stops at that many (the planner reads them newest first, or from the index for a rare word).
 */
async function fillsRankingWindow(
  db: Executor,
  kind: 'sqlite' | 'postgres',
  ownerId: string,
  query: SearchQuery,
): Promise<boolean> {
  const matches =
    kind === 'sqlite'
      ? sql`select 1 from search_index cross join messages o on o.seq = search_index.rowid
          where search_index match ${fts5Match(query)} and o.owner_id = ${ownerId} limit ${maxRankedDocuments}`
      : sql`select 1 from search_documents d
          where d.document @@ to_tsquery('simple', ${tsqueryText(query)}) and d.owner_id = ${ownerId}
          limit ${maxRankedDocuments}`;
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from (${matches}) m`.execute(db);
  return Number(rows[0]?.n ?? 0) >= maxRankedDocuments;
}

export async function searchConversations(
  db: Executor,
  kind: 'sqlite' | 'postgres',
  ownerId: string,
  query: SearchQuery,
): Promise<SearchPage> {
  if (query.terms.length === 0 || query.limit <= 0) return { hits: [], next: null };
  // A last word that fills the ranking window as typed is searched as typed: expanding it ("the" →
  // "them", "there", …) would merge the whole list of documents of every word it begins, only to keep
  // the newest `maxRankedDocuments` — the slowest search there is, for no better hits.
  const asTyped = { ...query, prefixLast: false };
  const common = query.prefixLast && (await fillsRankingWindow(db, kind, ownerId, asTyped));
  const effective = common ? asTyped : query;
  if (kind === 'sqlite') return searchSqlite(db, ownerId, effective, common);
  // PostgreSQL also picks how to find the matches by how many there are (searchPostgres).
  return searchPostgres(db, ownerId, effective, common || (await fillsRankingWindow(db, kind, ownerId, effective)));
}
