/**
 * A deterministic SHA-256 of every user-visible row of a test database, to prove that a rejected
 * request changed nothing: `const before = await db.digest(); …; assert.equal(await db.digest(), before)`.
 */
import { createHash } from 'node:crypto';
import { type DatabaseConfig, openDatabase } from '../../src/store/open-database.js';

/** Every user-visible table and its primary key (the row order of the digest). */
const digestedTables = [
  ['users', 'id'],
  ['sessions', 'token_hash'],
  ['settings', 'key'],
  ['conversations', 'id'],
  ['messages', 'seq'],
  ['message_feedback', 'id'],
  ['prompts', 'id'],
  ['latency_reports', 'id'],
  ['analytics_events', 'id'],
] as const;

/** A row as canonical JSON: columns sorted by name, booleans as 0/1, BIGINTs as numbers. */
function canonicalRow(row: Record<string, unknown>): string {
  const columns = Object.keys(row).sort();
  const values = columns.map((column) => {
    const value = row[column];
    if (typeof value === 'boolean') return Number(value);
    if (column === 'seq') return Number(value);
    return value;
  });
  return JSON.stringify([columns, values]);
}

/** SHA-256 (hex) over the rows of every user-visible table, each ordered by primary key. */
export async function digestDatabase(target: DatabaseConfig | { config: DatabaseConfig }): Promise<string> {
  const config = 'config' in target ? target.config : target;
  const { db } = await openDatabase(config);
  const hash = createHash('sha256');
  try {
    for (const [table, key] of digestedTables) {
      const rows = await db.selectFrom(table).selectAll().orderBy(key).execute();
      hash.update(`${table}\n`);
      for (const row of rows) hash.update(`${canonicalRow(row)}\n`);
    }
  } finally {
    await db.destroy();
  }
  return hash.digest('hex');
}
