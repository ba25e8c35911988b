/**
 * The one place where stored column values become record values and back: booleans (0/1 on
 * SQLite), JSON text, and counts (BIGINT strings on PostgreSQL).
 */

/** A stored boolean (PostgreSQL `true`, SQLite `1`) as a JS boolean. */
export function readBoolean(value: boolean | number): boolean {
  return value === true || value === 1;
}

/** Like `readBoolean`, keeping SQL NULL as `null`. */
export function readNullableBoolean(value: boolean | number | null): boolean | null {
  return value === null ? null : readBoolean(value);
}

/** Serialises a JSON column. `JSON.stringify` escapes U+0000 and lone surrogates, so any string round-trips. */
export function writeJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Parses a JSON column written by `writeJson`. */
export function readJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** A COUNT(*) result (number on SQLite, BIGINT string on PostgreSQL) as a number. */
export function readCount(value: string | number | bigint | undefined): number {
  return Number(value ?? 0);
}
