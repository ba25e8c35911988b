/**
 * Column values across the two drivers. better-sqlite3 reads booleans as 0/1; pg reads them as
 * booleans and BIGINTs as strings. `targetValue` turns a value read from SQLite into what PostgreSQL
 * stores; `canonicalValue` writes a value read from either side the same way, for the digest.
 */

import { CopyError } from './copy-errors.js';
import type { ColumnKind, CopyColumn } from './copy-plan.js';

function unexpected(column: CopyColumn, value: unknown): CopyError {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value);
  return new CopyError(
    `column ${column.name} (${column.kind}) holds ${typeof value} ${shown}, which copy cannot convert`,
  );
}

function readBoolean(column: CopyColumn, value: unknown): boolean {
  if (value === true || value === 1) return true;
  if (value === false || value === 0) return false;
  throw unexpected(column, value);
}

function readInteger(column: CopyColumn, value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if ((typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value))) {
    return BigInt(value);
  }
  throw unexpected(column, value);
}

function readFloat(column: CopyColumn, value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  throw unexpected(column, value);
}

function readText(column: CopyColumn, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw unexpected(column, value);
}

const writers: Record<ColumnKind, (column: CopyColumn, value: unknown) => unknown> = {
  boolean: readBoolean,
  // Integers beyond 2^53 stay exact as decimal text (PostgreSQL parses it into the column's type).
  integer: (column, value) => {
    const integer = readInteger(column, value);
    return Number.isSafeInteger(Number(integer)) ? Number(integer) : integer.toString();
  },
  float: readFloat,
  text: readText,
};

/** A value read from the SQLite source as the PostgreSQL target stores it (NULL stays NULL). */
export function targetValue(column: CopyColumn, value: unknown): unknown {
  return value === null || value === undefined ? null : writers[column.kind](column, value);
}

const canonicalizers: Record<ColumnKind, (column: CopyColumn, value: unknown) => string | number> = {
  boolean: (column, value) => (readBoolean(column, value) ? 1 : 0),
  integer: (column, value) => readInteger(column, value).toString(),
  // String(): `Infinity` and `NaN` survive (JSON would turn them into null); -0 and 0 are equal.
  float: (column, value) => String(readFloat(column, value)),
  text: readText,
};

/** A value read from either side in one representation, so equal data digests equally. */
export function canonicalValue(column: CopyColumn, value: unknown): string | number | null {
  return value === null || value === undefined ? null : canonicalizers[column.kind](column, value);
}
