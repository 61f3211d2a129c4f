/** The query port: the local engine (DuckDB, local/engine/query.ts) and Athena (lib/query/athena.ts) both implement it. */
export interface QueryColumn {
  name: string;
  /** Engine type name, e.g. BIGINT (DuckDB) or bigint (Athena). */
  type: string;
}

/** JSON-ready cell: timestamps ISO-8601 (UTC, Z), dates YYYY-MM-DD, integers as numbers when safe (else strings). */
export type Cell = string | number | boolean | null | Cell[] | { [k: string]: Cell };

export interface QueryResult {
  columns: QueryColumn[];
  rows: Array<Record<string, Cell>>;
}

export interface QueryEngine {
  /**
   * Runs one SQL statement. `params` are Athena execution parameters: SQL literal texts
   * (42, 1.5, 'text', DATE '2026-03-01', TIMESTAMP '2026-03-01 10:00:00', true, NULL) bound to `?` in order.
   */
  query(sql: string, params?: readonly string[]): Promise<QueryResult>;
  close(): Promise<void> | void;
}

/** A SQL error the user can fix (syntax, unknown table or column, parameters): message is one line. */
export class QueryError extends Error {
  override name = 'QueryError';
}

/** Integer → number when it is a safe integer, else its decimal string (JSON cannot hold it exactly). */
export function integerCell(v: bigint | number | string): Cell {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString();
}
