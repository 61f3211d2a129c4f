import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { duckdbType } from '../../lib/contract/columns';
import { stepOutputColumns, table as tableSpec } from '../../lib/contract/tables';
import type { Cell } from '../../lib/query/port';
import { openDuckDb } from '../../local/engine/duckdb';
import { toCell } from '../../local/engine/query';

/**
 * Compares two lakes table by table and partition by partition, as the engine-equality tests demand: the same `dt=`
 * partitions, the same rows in each (order-insensitive: sorted by every column), integers, strings, booleans, dates,
 * timestamps and lists exactly, doubles within a relative tolerance. Both lakes are read by one neutral reader
 * (DuckDB, every column cast to its contract type), so the comparison does not depend on either writer's reader.
 */
export interface Difference {
  table: string;
  dt?: string;
  message: string;
}

export const REL_TOLERANCE = 1e-9;

/** The `dt=` partitions of a table that hold Parquet files (staging and hidden folders are not partitions). */
export function partitions(lake: string, layer: string, prefix: string): string[] {
  const dir = path.join(lake, layer, prefix);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => /^dt=\d{4}-\d{2}-\d{2}$/.test(d) && readdirSync(path.join(dir, d)).some((f) => f.endsWith('.parquet') && !f.startsWith('.')))
    .map((d) => d.slice(3))
    .sort();
}

/** Doubles within `tolerance` relative; every other value (and a double against null) exactly. */
export function sameCell(a: Cell, b: Cell, isDouble: boolean, tolerance = REL_TOLERANCE): boolean {
  if (isDouble && typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
  return JSON.stringify(a) === JSON.stringify(b);
}

const q = (id: string) => `"${id.replaceAll('"', '""')}"`;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** One partition's rows, cast to the contract and sorted by every column. */
async function readPartition(db: Awaited<ReturnType<typeof openDuckDb>>, dir: string, name: string): Promise<Array<Record<string, Cell>>> {
  const cols = stepOutputColumns(name).filter((c) => c.name !== 'dt');
  const select = cols.map((c) => `CAST(${q(c.name)} AS ${duckdbType(c.type)}) AS ${q(c.name)}`).join(', ');
  const order = cols.map((c) => `${q(c.name)} NULLS FIRST`).join(', ');
  const r = await db.conn.runAndReadAll(`SELECT ${select} FROM read_parquet(${lit(path.join(dir, '[!._]*.parquet'))}, union_by_name = true) ORDER BY ${order}`);
  const names = r.columnNames();
  return r.getRows().map((row) => Object.fromEntries(row.map((v, i) => [names[i] as string, toCell(v)])));
}

/** Every difference between lakes `a` and `b` for the given tables (at most `limit` per partition). */
export async function diffLakes(a: string, b: string, tables: readonly string[], options: { tolerance?: number; limit?: number } = {}): Promise<Difference[]> {
  const out: Difference[] = [];
  const limit = options.limit ?? 3;
  const db = await openDuckDb({ threads: 2 });
  try {
    for (const name of tables) {
      const spec = tableSpec(name);
      const pa = partitions(a, spec.layer, spec.prefix);
      const pb = partitions(b, spec.layer, spec.prefix);
      if (pa.join() !== pb.join()) out.push({ table: name, message: `partitions differ: ${pa.join(', ') || '(none)'} vs ${pb.join(', ') || '(none)'}` });
      for (const dt of pa.filter((d) => pb.includes(d))) {
        const dir = (lake: string) => path.join(lake, spec.layer, spec.prefix, `dt=${dt}`);
        const [ra, rb] = [await readPartition(db, dir(a), name), await readPartition(db, dir(b), name)];
        if (ra.length !== rb.length) {
          out.push({ table: name, dt, message: `${ra.length} rows vs ${rb.length}` });
          continue;
        }
        const doubles = new Set(stepOutputColumns(name).filter((c) => c.type === 'double').map((c) => c.name));
        let found = 0;
        for (let i = 0; i < ra.length && found < limit; i++) {
          const [x, y] = [ra[i]!, rb[i]!];
          const cols = Object.keys(x).filter((k) => !sameCell(x[k] as Cell, y[k] as Cell, doubles.has(k), options.tolerance));
          if (cols.length) {
            found++;
            out.push({ table: name, dt, message: `row ${i}: ${cols.map((k) => `${k} ${JSON.stringify(x[k])} vs ${JSON.stringify(y[k])}`).join('; ')}` });
          }
        }
      }
    }
  } finally {
    db.close();
  }
  return out;
}
