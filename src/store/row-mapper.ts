/**
 * The one mapping between rows and records, used by every query module. A record field is its
 * column's name in camelCase (`create_time` ↔ `createTime`); a column whose stored form differs from
 * the field's (a boolean read back as 0/1, JSON kept as text) names a codec (column-codecs.ts). The
 * types insist on it: a field whose column does not read back as the field's type, or does not accept
 * it, must have a codec. Queries keep the on-disk (snake_case) names; see
 * docs/decisions/2026-12-02-row-mapping.md for why this is not Kysely's CamelCasePlugin.
 */
import type { Insertable, InsertType, Selectable, SelectType, Updateable } from 'kysely';

/** `create_time` → `createTime`: a column's field name, as a type. */
export type FieldName<Column extends string> = Column extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<FieldName<Tail>>}`
  : Column;

/** How a field is stored when its column holds another form: `read` turns the stored value into the field's. */
export interface ColumnCodec<Value, Stored, Written = Stored> {
  read(stored: Stored): Value;
  write(value: Value): Written;
}

/** Fields stored under another name than their own in snake_case: field → column. */
export type RenamedColumns<Table, Rec> = { readonly [Field in keyof Rec]?: keyof Table & string };

/** No renamed fields. */
type NoRenamedColumns = Record<never, never>;

/** The table's columns keyed by field name (renamed ones under their field). */
type ColumnsByField<Table, Renamed> = {
  [Column in Exclude<keyof Table & string, Renamed[keyof Renamed]> as FieldName<Column>]: Table[Column];
} & { [Field in keyof Renamed]: Table[Renamed[Field] & keyof Table] };

/** The codec a field may name. */
type CodecOf<Columns, Value> = ColumnCodec<Value, SelectType<Columns>, InsertType<Columns>>;

/** True when a value of the column is not already the field's value, or the field's value is not a writable one. */
type NeedsCodec<Column, Value> = [SelectType<Column>] extends [Value]
  ? [Value] extends [InsertType<Column>]
    ? false
    : true
  : true;

/** The fields that cannot be copied as they are. */
type CodecFields<Rec, Columns> = {
  [Field in keyof Rec]-?: Field extends keyof Columns
    ? NeedsCodec<Columns[Field], Rec[Field]> extends true
      ? Field
      : never
    : never;
}[keyof Rec];

/** Codecs by field: required where the stored form differs, allowed everywhere. */
export type Codecs<Rec, Columns> = { [Field in CodecFields<Rec, Columns>]: CodecOf<Columns[Field], Rec[Field]> } & {
  [Field in Exclude<keyof Rec & keyof Columns, CodecFields<Rec, Columns>>]?: CodecOf<Columns[Field], Rec[Field]>;
};

/** Columns the record has no field for (`owner_id` of a message, its `seq`). */
export type HiddenColumns<Table, Rec, Renamed = NoRenamedColumns> = {
  [Column in Exclude<keyof Table & string, Renamed[keyof Renamed]>]: FieldName<Column> extends keyof Rec
    ? never
    : Column;
}[Exclude<keyof Table & string, Renamed[keyof Renamed]>];

/**
 * `hidden` names every column the record leaves out (queries may select them; reading drops them), so a
 * column added to the table must be given a field or declared here. `columns` gives the renamed fields.
 */
type MapperOptions<Table, Rec, Renamed> = ([HiddenColumns<Table, Rec, Renamed>] extends [never]
  ? { hidden?: undefined }
  : { hidden: Record<HiddenColumns<Table, Rec, Renamed>, true> }) &
  (keyof Renamed extends never ? { columns?: undefined } : { columns: Renamed });

/** The options argument: required when there is something to say. */
type OptionsArgument<Options> = Record<never, never> extends Options ? [options?: Options] : [options: Options];

export interface RowMapper<Table, Rec, Renamed = NoRenamedColumns> {
  /** A selected row → the record. */
  fromRow(row: Selectable<Table>): Rec;
  /** A record → the row to insert; the caller adds the hidden columns (e.g. `owner_id`). */
  toRow(record: Rec): Insertable<Omit<Table, HiddenColumns<Table, Rec, Renamed>>>;
  /** The fields of a patch → the columns to set; fields left undefined are left out. */
  toColumns(patch: Partial<Rec>): Updateable<Table>;
  /** The record as reading it back after `toRow` returns it (JSON fields parsed afresh). */
  roundTrip(record: Rec): Rec;
}

/** `create_time` → `createTime`. */
function fieldName(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_, next: string) => next.toUpperCase());
}

/** `createTime` → `create_time`. */
function columnName(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

type AnyCodec = ColumnCodec<unknown, unknown, unknown>;

/** `names.get(name)`, computed by `convert` and remembered the first time (rows repeat their columns). */
function lookUp(names: Map<string, string>, name: string, convert: (name: string) => string): string {
  let converted = names.get(name);
  if (converted === undefined) {
    converted = convert(name);
    names.set(name, converted);
  }
  return converted;
}

/**
 * The mapper between rows of `Table` and `Rec` records. Fields are exactly the record's own keys:
 * pass records, not wider objects.
 */
export function rowMapper<Table, Rec, Renamed extends RenamedColumns<Table, Rec> = NoRenamedColumns>(
  codecs: Codecs<Rec, ColumnsByField<Table, Renamed>>,
  ...[options]: OptionsArgument<MapperOptions<Table, Rec, Renamed>>
): RowMapper<Table, Rec, Renamed> {
  const codecOf = codecs as Partial<Record<string, AnyCodec>>;
  const hidden = new Set(Object.keys(options?.hidden ?? {}));
  const renamed = Object.entries(options?.columns ?? {}) as [string, string][];
  const fieldOf = new Map(renamed.map(([field, column]) => [column, field]));
  const columnOf = new Map(renamed);

  function write(fields: object): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      const codec = codecOf[field];
      row[lookUp(columnOf, field, columnName)] = codec ? codec.write(value) : value;
    }
    return row;
  }

  function read(row: object): Rec {
    const record: Record<string, unknown> = {};
    for (const [column, stored] of Object.entries(row)) {
      if (hidden.has(column)) continue;
      const field = lookUp(fieldOf, column, fieldName);
      const codec = codecOf[field];
      const value = codec ? codec.read(stored) : stored;
      // A codec reads an optional field's NULL as undefined: the record then leaves the field out.
      if (value !== undefined) record[field] = value;
    }
    return record as Rec;
  }

  return {
    fromRow: (row) => read(row as object),
    toRow: (record) => write(record as object) as Insertable<Omit<Table, HiddenColumns<Table, Rec, Renamed>>>,
    toColumns: (patch) => write(patch) as Updateable<Table>,
    roundTrip: (record) => read(write(record as object)),
  };
}
