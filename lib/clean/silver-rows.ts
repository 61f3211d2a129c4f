import { CONTRACT_COLUMNS, type Column } from '../contract/columns';
import { isoMillis } from '../contract/validator';
import { BOOLEAN_ABSENT, writerKind, type WriterColumn } from './parquet';

/** A sample after validation; `ts` is normalised to epoch ms. */
export type Sample = Record<string, unknown>;

const CONTRACT = CONTRACT_COLUMNS.map((c) => ({ name: c.name, type: c.type }));

/** Epoch ms of a valid contract `ts` (ISO-8601 with a zone, or integer epoch ms). */
export function tsMillis(ts: unknown): number {
  return typeof ts === 'number' ? ts : isoMillis(ts as string);
}

/** dtc sorted and unique; null stays null. */
export function normaliseDtc(dtc: unknown): string[] | null {
  if (!Array.isArray(dtc)) return null;
  return [...new Set(dtc as string[])].sort();
}

/** One contract column while rows are appended: numbers in a Float64Array (NaN = absent), booleans in a Uint8Array. */
type Store = Float64Array | Uint8Array | Array<string | string[] | null>;

/** Statement that stores one contract field of sample `s` at row `n` of its column `c[i]` and counts it when present. */
function storeStatement(i: number, name: string, type: string): string {
  const v = `v = s[${JSON.stringify(name)}]; if (v !== undefined) p++;`;
  switch (type) {
    case 'timestamp':
      return `${v} c[${i}][n] = ts;`;
    case 'double':
    case 'bigint':
      return `${v} c[${i}][n] = typeof v === 'number' ? v : NaN;`;
    case 'boolean':
      return `${v} c[${i}][n] = v === true ? 1 : v === false ? 0 : ${BOOLEAN_ABSENT};`;
    case 'array<string>':
      return `${v} c[${i}][n] = dtc(v);`;
    default:
      return `${v} c[${i}][n] = v === undefined ? null : v;`;
  }
}

/**
 * Stores one sample in every contract column and returns how many contract fields it has. Generated once from
 * the column list (straight-line code, no loop or switch per field): this is the hottest loop of clean after
 * JSON.parse.
 */
const storeContract = new Function(
  'dtc',
  `return function storeContract(c, s, ts, n) { let v; let p = 0; ${CONTRACT.map((col, i) => storeStatement(i, col.name, col.type)).join(' ')} return p; };`,
)(normaliseDtc) as (columns: Store[], s: Sample, tsMs: number, row: number) => number;

function grow<T extends Float64Array | Uint8Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/**
 * The valid samples of one bronze object, column by column (contract columns, then received_at and
 * the line number). Typed arrays grow by doubling, so appending a row allocates nothing per value.
 */
export class SilverRows {
  columns: Store[];
  receivedAt: Float64Array;
  lineNo: Float64Array;
  length = 0;
  private capacity: number;

  constructor(capacity = 1 << 14) {
    this.capacity = capacity;
    this.columns = CONTRACT.map((c) => {
      const kind = writerKind(c.type);
      return kind === 'number' ? new Float64Array(capacity) : kind === 'boolean' ? new Uint8Array(capacity) : new Array(capacity).fill(null);
    });
    this.receivedAt = new Float64Array(capacity);
    this.lineNo = new Float64Array(capacity);
  }

  /** Appends a valid sample; returns how many of its keys are contract fields. */
  append(s: Sample, tsMs: number, receivedAt: number, lineNo: number): number {
    const n = this.length;
    if (n === this.capacity) this.grow();
    const fields = storeContract(this.columns, s, tsMs, n);
    this.receivedAt[n] = receivedAt;
    this.lineNo[n] = lineNo;
    this.length = n + 1;
    return fields;
  }

  private grow(): void {
    const size = this.capacity * 2;
    this.columns = this.columns.map((c) => (Array.isArray(c) ? c.concat(new Array(size - c.length).fill(null)) : grow(c, size)));
    this.receivedAt = grow(this.receivedAt, size);
    this.lineNo = grow(this.lineNo, size);
    this.capacity = size;
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
      if (type === 'boolean') {
        if (v !== BOOLEAN_ABSENT) out[name] = v === 1;
        return;
      }
      out[name] = type === 'timestamp' ? new Date(v as number).toISOString() : v;
    });
    return out;
  }

  /** Columns for `rows` (indexes, in output order) in the order of `silverColumns`, ready for the writer. */
  select(rows: ArrayLike<number>, silverColumns: readonly Column[], sourceKey: string): WriterColumn[] {
    const n = rows.length;
    return silverColumns.map((col): WriterColumn => {
      if (col.name === 'source_key') return { kind: 'string', values: new Array<string>(n).fill(sourceKey) };
      const src = col.name === 'received_at' ? this.receivedAt : this.columns[CONTRACT.findIndex((c) => c.name === col.name)];
      if (!src) throw new Error(`silver column ${col.name} has no source`);
      const kind = writerKind(col.type);
      if (kind === 'number') return { kind, values: gatherNumbers(src as Float64Array, rows) };
      if (kind === 'boolean') return { kind, values: gatherBytes(src as Uint8Array, rows) };
      return { kind, values: gatherValues(src as Array<string | null>, rows) } as WriterColumn;
    });
  }
}

// One gather per store type: a shared loop would see three array kinds and be re-optimised again and again.
function gatherNumbers(src: Float64Array, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = src[rows[k]!]!;
  return out;
}

function gatherBytes(src: Uint8Array, rows: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = src[rows[k]!]!;
  return out;
}

function gatherValues<T>(src: ReadonlyArray<T | null>, rows: ArrayLike<number>): Array<T | null> {
  const out = new Array<T | null>(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = src[rows[k]!] ?? null;
  return out;
}
