import { CONTRACT_COLUMNS, type Column } from '../contract/columns';
import type { ColumnValues, WriterColumn } from './parquet';

/** A sample after validation; `ts` is normalised to epoch ms. */
export type Sample = Record<string, unknown>;

const CONTRACT = CONTRACT_COLUMNS.map((c) => ({ name: c.name, type: c.type }));

/** Epoch ms of a valid contract `ts` (ISO-8601 with a zone, or integer epoch ms). */
export function tsMillis(ts: unknown): number {
  return typeof ts === 'number' ? ts : Date.parse(ts as string);
}

/** dtc sorted and unique; null stays null. */
export function normaliseDtc(dtc: unknown): string[] | null {
  if (!Array.isArray(dtc)) return null;
  return [...new Set(dtc as string[])].sort();
}

/** Statement that appends one contract field of sample `s` to its column `c[i]`. */
function appendStatement(i: number, name: string, type: string): string {
  const v = `s[${JSON.stringify(name)}]`;
  switch (type) {
    case 'timestamp':
      return `c[${i}].push(ts);`;
    case 'double':
    case 'bigint':
      return `v = ${v}; c[${i}].push(typeof v === 'number' ? v : NaN);`;
    case 'array<string>':
      return `c[${i}].push(dtc(${v}));`;
    default:
      return `v = ${v}; c[${i}].push(v === undefined ? null : v);`;
  }
}

/**
 * Appends one sample to every contract column. Generated once from the column list (straight-line
 * code, no loop or switch per field): this is the hottest loop of clean after JSON.parse.
 */
const appendContract = new Function(
  'dtc',
  `return function appendContract(c, s, ts) { let v; ${CONTRACT.map((col, i) => appendStatement(i, col.name, col.type)).join(' ')} };`,
)(normaliseDtc) as (columns: ColumnValues[], s: Sample, tsMs: number) => void;

/**
 * The valid samples of one bronze object, column by column (contract columns, then received_at).
 * Numbers use NaN for absent so the arrays stay packed doubles; strings/lists use null.
 */
export class SilverRows {
  readonly columns: ColumnValues[] = CONTRACT.map(() => []);
  readonly receivedAt: number[] = [];
  readonly lineNo: number[] = [];
  length = 0;

  append(s: Sample, tsMs: number, receivedAt: number, lineNo: number): void {
    appendContract(this.columns, s, tsMs);
    this.receivedAt.push(receivedAt);
    this.lineNo.push(lineNo);
    this.length++;
  }

  /** True when rows i and j carry the same contract values (received_at and lineage aside). */
  sameValues(i: number, j: number): boolean {
    for (let c = 0; c < CONTRACT.length; c++) {
      const col = this.columns[c]!;
      const a = col[i];
      const b = col[j];
      if (a === b) continue;
      if (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b)) continue;
      if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, k) => x === b[k])) continue;
      return false;
    }
    return true;
  }

  /** Row i as a JSON-able sample (for quarantining a dropped conflict). */
  sampleAt(i: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    CONTRACT.forEach(({ name, type }, c) => {
      const v = this.columns[c]![i];
      if (v === null || (typeof v === 'number' && Number.isNaN(v))) return;
      out[name] = type === 'timestamp' ? new Date(v as number).toISOString() : v;
    });
    return out;
  }

  /** Columns for `rows` (indexes, in output order) in the order of `silverColumns`, ready for the writer. */
  select(rows: ArrayLike<number>, silverColumns: readonly Column[], sourceKey: string): WriterColumn[] {
    const n = rows.length;
    return silverColumns.map((col) => {
      if (col.name === 'source_key') return new Array<string>(n).fill(sourceKey);
      const src = col.name === 'received_at' ? this.receivedAt : this.columns[CONTRACT.findIndex((c) => c.name === col.name)];
      if (!src) throw new Error(`silver column ${col.name} has no source`);
      if (col.type === 'double' || col.type === 'timestamp' || col.type === 'bigint') {
        // A Float64Array when no value is absent (the common case): the writer reads it like an array,
        // without a boxed number per value. INT64 columns stay numbers (exact below 2^53); the writer converts.
        const num = new Float64Array(n);
        let absent = false;
        for (let k = 0; k < n; k++) {
          const v = src[rows[k]!] as number;
          num[k] = v;
          if (v !== v) absent = true;
        }
        if (!absent) return num;
        const out: ColumnValues = new Array(n);
        for (let k = 0; k < n; k++) out[k] = Number.isNaN(num[k]) ? null : num[k]!;
        return out;
      }
      const out: ColumnValues = new Array(n);
      for (let k = 0; k < n; k++) out[k] = src[rows[k]!] ?? null;
      return out;
    });
  }
}
