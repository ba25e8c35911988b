/**
 * The one place where stored column values become record values and back: booleans (0/1 on
 * SQLite), JSON text, and counts (BIGINT strings on PostgreSQL). Query modules name these codecs
 * in their row mappers (row-mapper.ts).
 */
import type { ColumnCodec } from './row-mapper.js';

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

/** Booleans are written as they are (the SQLite dialect binds them as 0/1). */
const unchanged = <T>(value: T): T => value;

/** A boolean column. */
export const booleanColumn: ColumnCodec<boolean, boolean | number, boolean> = { read: readBoolean, write: unchanged };

/** A nullable boolean column. */
export const nullableBooleanColumn: ColumnCodec<boolean | null, boolean | number | null, boolean | null> = {
  read: readNullableBoolean,
  write: unchanged,
};

/** A JSON value kept as text (any JSON field type). */
export const jsonColumn = { read: readJson, write: writeJson };

/** An optional JSON value: SQL NULL reads as absent (the record leaves the field out), absent writes NULL. */
export const nullableJsonColumn = {
  read: <T>(stored: string | null): T | undefined => (stored === null ? undefined : (JSON.parse(stored) as T)),
  write: (value: unknown): string | null => (value === undefined || value === null ? null : JSON.stringify(value)),
};

/** A text column holding one of a few values (`role`, `status`…), as the store wrote it. */
export function textUnionColumn<T extends string>(): ColumnCodec<T, string> {
  return { read: (stored) => stored as T, write: unchanged };
}
