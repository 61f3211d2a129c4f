import type { Cell, QueryResult } from '../../lib/query/port';
import { REL_TOLERANCE } from './lake-diff';

/**
 * Compares one query's results from two engines (Trino and DuckDB): the same column names, types of the same family,
 * and the same rows; in order when the query ends with an ORDER BY, else as multisets. Doubles and decimals within a
 * relative tolerance, everything else exactly.
 */
const FAMILIES: Array<[RegExp, string]> = [
  [/^(tinyint|smallint|integer|int|bigint|hugeint|ubigint|uinteger)\b/i, 'integer'],
  [/^(double|real|float|decimal)\b/i, 'number'],
  [/^(varchar|char|string)\b/i, 'string'],
  [/^date$/i, 'date'],
  [/^timestamp\b/i, 'timestamp'],
  [/^boolean$/i, 'boolean'],
  [/^(array|.*\[\])/i, 'array'],
  [/^(row|struct)\b/i, 'struct'],
];

export function typeFamily(type: string): string {
  const t = type.trim();
  return FAMILIES.find(([re]) => re.test(t))?.[1] ?? t.toLowerCase();
}

/** True when the statement's last top-level clause is an ORDER BY (not one inside a CTE or a subquery). */
export function hasTopLevelOrderBy(sql: string): boolean {
  const code = sql.replace(/--[^\n]*/g, '').replace(/'(?:[^']|'')*'/g, "''");
  let depth = 0;
  let last = -1;
  const re = /[()]|\border\s+by\b/gi;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    if (m[0] === '(') depth++;
    else if (m[0] === ')') depth--;
    else if (depth === 0) last = m.index;
  }
  return last >= 0;
}

const close = (a: number, b: number) => a === b || Math.abs(a - b) <= REL_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));

function sameValue(a: Cell, b: Cell, numeric: boolean): boolean {
  if (numeric && typeof a === 'number' && typeof b === 'number') return close(a, b);
  return JSON.stringify(a) === JSON.stringify(b);
}

const key = (row: Record<string, Cell>, names: string[]) => JSON.stringify(names.map((n) => row[n] ?? null));

/** Every difference between `a` (e.g. Trino) and `b` (e.g. DuckDB); empty when they agree. */
export function diffResults(a: QueryResult, b: QueryResult, ordered: boolean, limit = 5): string[] {
  const out: string[] = [];
  const names = a.columns.map((c) => c.name);
  if (names.join() !== b.columns.map((c) => c.name).join()) return [`columns ${names.join(', ')} vs ${b.columns.map((c) => c.name).join(', ')}`];
  const numeric = new Set<string>();
  a.columns.forEach((c, i) => {
    const [fa, fb] = [typeFamily(c.type), typeFamily(b.columns[i]!.type)];
    if (fa !== fb) out.push(`column ${c.name}: type ${c.type} vs ${b.columns[i]!.type}`);
    if (fa === 'number' || fb === 'number') numeric.add(c.name);
  });
  if (a.rows.length !== b.rows.length) out.push(`${a.rows.length} rows vs ${b.rows.length}`);
  const sort = (rows: QueryResult['rows']) => (ordered ? rows : [...rows].sort((x, y) => (key(x, names) < key(y, names) ? -1 : key(x, names) > key(y, names) ? 1 : 0)));
  const [ra, rb] = [sort(a.rows), sort(b.rows)];
  for (let i = 0; i < Math.min(ra.length, rb.length) && out.length < limit; i++) {
    const bad = names.filter((n) => !sameValue(ra[i]![n] ?? null, rb[i]![n] ?? null, numeric.has(n)));
    if (bad.length) out.push(`row ${i}: ${bad.map((n) => `${n} ${JSON.stringify(ra[i]![n])} vs ${JSON.stringify(rb[i]![n])}`).join('; ')}`);
  }
  return out;
}
