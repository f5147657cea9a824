import { type Column, getColumns, Param, type SQL, sql, type Table } from 'drizzle-orm';

/**
 * The most bind parameters a statement built from a list may carry. The protocol allows about
 * 65,000 (postgres-js refuses more, PGlite's count wraps around), which one stats row per node
 * reaches at fewer than 10,000 nodes; statements whose size follows their input stay far below.
 */
export const MAX_STATEMENT_PARAMETERS = 5_000;

/** `column = any($1)`: a list of any length as one array parameter, instead of one parameter per item. */
export function anyOf(column: Column, values: readonly string[]): SQL {
  const type = column.getSQLType();
  // Through text[]: PGlite cannot encode an array of a type it does not know, such as an enum.
  return sql`${column} = any(${new Param([...values])}::text[]${sql.raw(type === 'text' ? '' : `::${type}[]`)})`;
}

/** Splits rows for a multi-row insert into `table` into runs that each stay within MAX_STATEMENT_PARAMETERS. */
export function insertBatches<T>(table: Table, rows: readonly T[]): T[][] {
  const size = Math.max(1, Math.floor(MAX_STATEMENT_PARAMETERS / Object.keys(getColumns(table)).length));
  const batches: T[][] = [];
  for (let start = 0; start < rows.length; start += size) batches.push(rows.slice(start, start + size));
  return batches;
}
