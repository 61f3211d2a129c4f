import { endianness } from 'node:os';
import type { ColumnChunk, CompressionCodec, Encoding, FileMetaData, RowGroup, SchemaElement, Statistics } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid, writeRleRun } from './rle';
import { deltaBinaryPack } from 'hyparquet-writer/src/delta.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import type { Column } from '../contract/columns';
import type { Compress } from './zstd';

/**
 * One column of a row group, typed so the encoder loops over flat arrays (no boxed values, no per-value
 * type tests). NaN in a number column and 2 in a boolean column mean absent (JSON has no NaN).
 */
export type WriterColumn =
  | { kind: 'number'; values: Float64Array }
  | { kind: 'boolean'; values: Uint8Array }
  | { kind: 'string'; values: ReadonlyArray<string | null> }
  | { kind: 'list'; values: ReadonlyArray<readonly string[] | null> };

export const BOOLEAN_ABSENT = 2;

export interface ParquetOptions {
  compress: Compress;
  rowGroupSize: number;
  /** Columns that get min/max statistics (the pruning keys); others skip them. */
  statisticsColumns?: ReadonlySet<string>;
}

const CODEC: CompressionCodec = 'ZSTD';
/** A dictionary is kept while its distinct values stay under this share of the non-null values. */
const DICTIONARY_MAX_SHARE = 0.5;
/** Above this many distinct values a dictionary stops paying for its page. */
const DICTIONARY_MAX_VALUES = 1 << 15;
/** Values sampled to decide whether to try a dictionary at all, and the sampled distinct share that rules it out (GPS positions). */
const DICTIONARY_SAMPLE = 1024;
const DICTIONARY_SAMPLE_MAX_SHARE = 0.9;
if (endianness() !== 'LE') throw new Error('lib/clean/parquet: PLAIN doubles are copied as little-endian memory');

/** The writer input each column type takes ('date' has none: no table written here has a date column). */
const KIND_OF: Partial<Record<Column['type'], WriterColumn['kind']>> = {
  string: 'string',
  double: 'number',
  bigint: 'number',
  timestamp: 'number',
  boolean: 'boolean',
  'array<string>': 'list',
};

/** The writer input a column type takes; throws for a type the writer has no path for. */
export function writerKind(type: Column['type']): WriterColumn['kind'] {
  const kind = KIND_OF[type];
  if (!kind) throw new Error(`lib/clean/parquet: no writer path for ${type} columns`);
  return kind;
}

/** ts (sorted within a vehicle), seq and the arrival time are near-arithmetic: delta encoding beats a dictionary. */
const isDelta = (c: Column) => c.type === 'timestamp' || c.type === 'bigint';

function leaf(c: Column): SchemaElement[] {
  const repetition_type: 'REQUIRED' | 'OPTIONAL' = c.required ? 'REQUIRED' : 'OPTIONAL';
  switch (c.type) {
    case 'string':
      return [{ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type }];
    case 'double':
      return [{ name: c.name, type: 'DOUBLE', repetition_type }];
    case 'bigint':
      return [{ name: c.name, type: 'INT64', repetition_type }];
    case 'boolean':
      return [{ name: c.name, type: 'BOOLEAN', repetition_type }];
    case 'timestamp':
      return [{ name: c.name, type: 'INT64', repetition_type, logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } }];
    case 'date':
      return [{ name: c.name, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' }, repetition_type }];
    case 'array<string>':
      return [
        { name: c.name, repetition_type, converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'REQUIRED' },
      ];
  }
}

/** The Parquet schema of a table, derived from its contract columns. */
export function parquetSchema(columns: readonly Column[]): SchemaElement[] {
  return [{ name: 'root', num_children: columns.length }, ...columns.flatMap(leaf)];
}

const NO_LEVELS = new Uint8Array(0);

/** Non-null values of one column chunk plus its levels, ready to encode. */
interface Leaf {
  /** Non-null values: a Float64Array (numbers), Uint8Array (booleans) or strings. */
  values: Float64Array | Uint8Array | string[];
  /** Definition levels, one per level slot (empty for a required flat column). */
  def: Uint8Array;
  /** Repetition levels (lists only). */
  rep: Uint8Array;
  maxDef: number;
  rows: number;
  /** Level slots below maxDef. */
  nulls: number;
}

function flatLeaf(c: Column, col: WriterColumn): Leaf {
  const maxDef = c.required ? 0 : 1;
  // One function per kind: a shared loop would see three array kinds and be re-optimised again and again.
  const leaf = col.kind === 'number' ? numberLeaf(col.values, maxDef) : col.kind === 'boolean' ? booleanLeaf(col.values, maxDef) : col.kind === 'string' ? stringLeaf(col.values, maxDef) : null;
  if (!leaf) throw new Error(`column ${c.name}: a list needs an array<string> column`);
  if (!maxDef && leaf.nulls) throw new Error(`column ${c.name} is required but has absent values`);
  return leaf;
}

function numberLeaf(v: Float64Array, maxDef: number): Leaf {
  const n = v.length;
  const def = new Uint8Array(maxDef ? n : 0);
  let present = 0;
  for (let i = 0; i < n; i++) if (v[i] === v[i]) present++;
  if (present === n) {
    if (maxDef) def.fill(1);
    return { values: v, def, rep: NO_LEVELS, maxDef, rows: n, nulls: 0 };
  }
  if (!maxDef) return { values: v, def, rep: NO_LEVELS, maxDef, rows: n, nulls: n - present };
  const out = new Float64Array(present);
  for (let i = 0, k = 0; i < n; i++) {
    if (v[i] !== v[i]) continue;
    def[i] = 1;
    out[k++] = v[i]!;
  }
  return { values: out, def, rep: NO_LEVELS, maxDef, rows: n, nulls: n - present };
}

function booleanLeaf(v: Uint8Array, maxDef: number): Leaf {
  const n = v.length;
  const def = new Uint8Array(maxDef ? n : 0);
  const out = new Uint8Array(n);
  let present = 0;
  for (let i = 0; i < n; i++) {
    if (v[i] === BOOLEAN_ABSENT) continue;
    if (maxDef) def[i] = 1;
    out[present++] = v[i]!;
  }
  return { values: out.subarray(0, present), def, rep: NO_LEVELS, maxDef, rows: n, nulls: n - present };
}

function stringLeaf(v: ReadonlyArray<string | null>, maxDef: number): Leaf {
  const n = v.length;
  const def = new Uint8Array(maxDef ? n : 0);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = v[i];
    if (s === null || s === undefined) continue;
    if (maxDef) def[i] = 1;
    out.push(s);
  }
  return { values: out, def, rep: NO_LEVELS, maxDef, rows: n, nulls: n - out.length };
}

/** LIST<string> (optional list, repeated, required element): null → def 0, [] → def 1, element → def 2. */
function listLeaf(c: Column, col: WriterColumn): Leaf {
  if (col.kind !== 'list') throw new Error(`column ${c.name}: array<string> needs list values`);
  const rows = col.values.length;
  const def: number[] = [];
  const rep: number[] = [];
  const out: string[] = [];
  let nulls = 0;
  for (const list of col.values) {
    if (list === null || list.length === 0) {
      def.push(list === null ? 0 : 1);
      rep.push(0);
      nulls++;
      continue;
    }
    list.forEach((s, k) => {
      def.push(2);
      rep.push(k === 0 ? 0 : 1);
      out.push(s);
    });
  }
  return { values: out, def: Uint8Array.from(def), rep: Uint8Array.from(rep), maxDef: 2, rows, nulls };
}

/** Distinct share of an evenly spread sample: a cheap test before building a dictionary that would be dropped. */
function sampledDistinctShare(values: Float64Array | string[]): number {
  const n = values.length;
  const size = Math.min(n, DICTIONARY_SAMPLE);
  const seen = new Set<number | string>();
  for (let i = 0; i < size; i++) seen.add(values[Math.floor((i * n) / size)]!);
  return seen.size / size;
}

/** Dictionary indexes when the column repeats enough, else null. */
function dictionaryOf(values: Float64Array | string[]): { dict: Float64Array | string[]; idx: Int32Array } | null {
  const n = values.length;
  if (n === 0 || sampledDistinctShare(values) > DICTIONARY_SAMPLE_MAX_SHARE) return null;
  const limit = Math.min(DICTIONARY_MAX_VALUES, Math.ceil(n * DICTIONARY_MAX_SHARE));
  return values instanceof Float64Array ? numberDictionary(values, limit) : stringDictionary(values, limit);
}

function stringDictionary(values: string[], limit: number): { dict: string[]; idx: Int32Array } | null {
  const index = new Map<string, number>();
  const dict: string[] = [];
  const idx = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let k = index.get(v);
    if (k === undefined) {
      if (dict.length >= limit) return null;
      k = dict.length;
      index.set(v, k);
      dict.push(v);
    }
    idx[i] = k;
  }
  return { dict, idx };
}

/** Open addressing on the value's 64 bits: several times faster than a Map of boxed doubles. Keeps -0 apart from 0. */
function numberDictionary(values: Float64Array, limit: number): { dict: Float64Array; idx: Int32Array } | null {
  const n = values.length;
  let size = 64;
  while (size < limit * 2) size <<= 1;
  const mask = size - 1;
  const keys = new Float64Array(size);
  const slots = new Int32Array(size).fill(-1);
  const bits = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const dict = new Float64Array(limit);
  const idx = new Int32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    let h = Math.imul(bits[2 * i]! ^ Math.imul(bits[2 * i + 1]!, 0x9e3779b1), 0x85ebca6b);
    h = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const slot = slots[h]!;
      if (slot === -1) {
        if (count === limit) return null;
        keys[h] = v;
        slots[h] = count;
        dict[count] = v;
        idx[i] = count++;
        break;
      }
      if (Object.is(keys[h], v)) {
        idx[i] = slot;
        break;
      }
      h = (h + 1) & mask;
    }
  }
  return { dict: dict.subarray(0, count), idx };
}

function writePlain(w: ByteWriter, type: string, values: Float64Array | string[]): void {
  if (type === 'DOUBLE') {
    const f = values as Float64Array;
    w.appendBytes(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
    return;
  }
  if (type === 'BYTE_ARRAY') {
    for (const s of values as string[]) {
      const bytes = Buffer.from(s, 'utf8');
      w.appendUint32(bytes.length);
      w.appendBytes(bytes);
    }
    return;
  }
  throw new Error(`PLAIN ${type} is not used by fleetlake tables`);
}

const DELTA_BLOCK = 128;
const DELTA_MINIBLOCKS = 4;
const DELTA_MINIBLOCK = DELTA_BLOCK / DELTA_MINIBLOCKS;

/** ULEB128 of a non-negative integer below 2^53 (arithmetic, not 32-bit shifts). */
function appendUleb(w: ByteWriter, v: number): void {
  while (v >= 0x80) {
    w.appendUint8((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  w.appendUint8(v);
}
const zigzag = (v: number) => (v >= 0 ? 2 * v : -2 * v - 1);
/** Values below 2^51 keep every delta below 2^52 and its zigzag below 2^53: exact as doubles. */
const DELTA_MAX_ABS = 2 ** 51;

/**
 * DELTA_BINARY_PACKED (Parquet spec) of integers held as doubles (epoch ms, counters) without BigInts.
 * Returns false, having written nothing, when a value is not an integer below 2^51 or a miniblock would need more
 * than 45 bits (the arithmetic packing stays exact below 2^53); the caller then takes the BigInt encoder.
 */
export function deltaPackNumbers(w: ByteWriter, v: Float64Array): boolean {
  const n = v.length;
  for (let i = 0; i < n; i++) if (!Number.isInteger(v[i]!) || Math.abs(v[i]!) >= DELTA_MAX_ABS) return false;
  const deltas = new Float64Array(DELTA_BLOCK);
  const widths = new Uint8Array(DELTA_MINIBLOCKS);
  const body = new ByteWriter();
  appendUleb(body, DELTA_BLOCK);
  appendUleb(body, DELTA_MINIBLOCKS);
  appendUleb(body, n);
  appendUleb(body, n ? zigzag(v[0]!) : 0);
  for (let start = 1; start < n; start += DELTA_BLOCK) {
    const size = Math.min(DELTA_BLOCK, n - start);
    let min = Infinity;
    for (let i = 0; i < size; i++) {
      const d = v[start + i]! - v[start + i - 1]!;
      deltas[i] = d;
      if (d < min) min = d;
    }
    for (let mb = 0; mb < DELTA_MINIBLOCKS; mb++) {
      let max = 0;
      for (let i = mb * DELTA_MINIBLOCK; i < Math.min(size, (mb + 1) * DELTA_MINIBLOCK); i++) if (deltas[i]! - min > max) max = deltas[i]! - min;
      let width = 0;
      while (max >= 2 ** width) width++;
      if (width > 45) return false;
      widths[mb] = width;
    }
    appendUleb(body, zigzag(min));
    body.appendBytes(widths);
    for (let mb = 0; mb < DELTA_MINIBLOCKS && mb * DELTA_MINIBLOCK < size; mb++) {
      const width = widths[mb]!;
      if (width === 0) continue;
      let buffer = 0;
      let bits = 0;
      for (let i = mb * DELTA_MINIBLOCK; i < (mb + 1) * DELTA_MINIBLOCK; i++) {
        const adjusted = i < size ? deltas[i]! - min : 0;
        if (width <= 24) buffer |= adjusted << bits;
        else buffer += adjusted * 2 ** bits;
        bits += width;
        while (bits >= 8) {
          body.appendUint8(width <= 24 ? buffer & 0xff : buffer % 0x100);
          buffer = width <= 24 ? buffer >>> 8 : Math.floor(buffer / 0x100);
          bits -= 8;
        }
      }
    }
  }
  w.appendBytes(body.getBytes());
  return true;
}

interface MinMax {
  min_value?: number | string | boolean;
  max_value?: number | string | boolean;
  null_count: bigint;
}

/** UTF-16 order equals UTF-8 byte order (Parquet's order for strings) unless a code unit is a surrogate or above. */
const BEYOND_UTF16_ORDER = /[\uD800-\uFFFF]/;

/** Min/max of the non-null values (or of the dictionary, the same set) and the null count. */
function statisticsOf(values: Float64Array | Uint8Array | string[], nulls: number, type: string): MinMax {
  let min: number | string | undefined;
  let max: number | string | undefined;
  if (values instanceof Float64Array || values instanceof Uint8Array) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (values.length) {
      min = lo;
      max = hi;
    }
  } else if (values.some((v) => BEYOND_UTF16_ORDER.test(v))) {
    const sorted = values.map((v) => Buffer.from(v, 'utf8')).sort(Buffer.compare);
    if (sorted.length) {
      min = sorted[0]!.toString('utf8');
      max = sorted[sorted.length - 1]!.toString('utf8');
    }
  } else {
    for (const v of values) {
      if (min === undefined || v < (min as string)) min = v;
      if (max === undefined || v > (max as string)) max = v;
    }
  }
  if (type === 'BOOLEAN' && min !== undefined) return { min_value: min === 1, max_value: max === 1, null_count: BigInt(nulls) };
  // parquet: a zero min is written -0, a zero max +0
  if (min === 0) min = -0;
  if (max === 0) max = 0;
  return { ...(min !== undefined ? { min_value: min, max_value: max } : {}), null_count: BigInt(nulls) };
}

/** One column chunk (optional dictionary page + one DATA_PAGE_V2) at the writer's offset. */
function writeColumnChunk(w: ByteWriter, path: SchemaElement[], c: Column, leaf: Leaf, options: ParquetOptions): ColumnChunk {
  const element = path[path.length - 1]!;
  const type = element.type!;
  const start = w.offset;
  let uncompressed = 0;
  const encodings: Encoding[] = [];
  const { nulls } = leaf;

  const page = new ByteWriter();
  let encoding: Encoding;
  let dictionaryOffset: bigint | undefined;
  const dictionary = type === 'DOUBLE' || type === 'BYTE_ARRAY' ? dictionaryOf(leaf.values as Float64Array | string[]) : null;
  if (dictionary) {
    const dictPage = new ByteWriter();
    writePlain(dictPage, type, dictionary.dict);
    const raw = dictPage.getBytes();
    const compressed = options.compress(raw);
    dictionaryOffset = BigInt(w.offset);
    const h = w.offset;
    writePageHeader(w, {
      type: 'DICTIONARY_PAGE',
      uncompressed_page_size: raw.length,
      compressed_page_size: compressed.length,
      dictionary_page_header: { num_values: dictionary.dict.length, encoding: 'PLAIN' },
    });
    uncompressed += w.offset - h + raw.length;
    w.appendBytes(compressed);
    encodings.push('PLAIN');
    const bitWidth = Math.max(1, Math.ceil(Math.log2(dictionary.dict.length)));
    page.appendUint8(bitWidth);
    writeRleBitPackedHybrid(page, dictionary.idx, bitWidth);
    encoding = 'RLE_DICTIONARY';
  } else if (type === 'BOOLEAN') {
    const rle = new ByteWriter();
    writeRleBitPackedHybrid(rle, leaf.values as Uint8Array, 1);
    page.appendUint32(rle.offset);
    page.appendBytes(rle.getBytes());
    encoding = 'RLE';
  } else if (type === 'INT64' && isDelta(c)) {
    if (!deltaPackNumbers(page, leaf.values as Float64Array)) deltaBinaryPack(page, Array.from(leaf.values as Float64Array, BigInt), 'INT64');
    encoding = 'DELTA_BINARY_PACKED';
  } else {
    writePlain(page, type, leaf.values as Float64Array | string[]);
    encoding = 'PLAIN';
  }
  encodings.push(encoding);

  const levels = new ByteWriter();
  const repBytes = leaf.rep.length ? writeRleBitPackedHybrid(levels, leaf.rep, 1) : 0;
  const defWidth = Math.ceil(Math.log2(leaf.maxDef + 1));
  const defBytes = !leaf.maxDef ? 0 : nulls === 0 ? writeRleRun(levels, leaf.maxDef, leaf.def.length, defWidth) : writeRleBitPackedHybrid(levels, leaf.def, defWidth);
  const body = page.getBytes();
  const compressed = options.compress(body);
  const dataOffset = BigInt(w.offset);
  const h = w.offset;
  const numValues = leaf.def.length || leaf.rows;
  writePageHeader(w, {
    type: 'DATA_PAGE_V2',
    uncompressed_page_size: levels.offset + body.length,
    compressed_page_size: levels.offset + compressed.length,
    data_page_header_v2: {
      num_values: numValues,
      num_nulls: nulls,
      num_rows: leaf.rows,
      encoding,
      definition_levels_byte_length: defBytes,
      repetition_levels_byte_length: repBytes,
      is_compressed: true,
    },
  });
  uncompressed += w.offset - h + levels.offset + body.length;
  w.appendBytes(levels.getBytes());
  w.appendBytes(compressed);

  const stats = options.statisticsColumns?.has(c.name) ?? true;
  return {
    file_offset: BigInt(start),
    meta_data: {
      type,
      encodings,
      path_in_schema: path.slice(1).map((e) => e.name),
      codec: CODEC,
      num_values: BigInt(numValues),
      total_uncompressed_size: BigInt(uncompressed),
      total_compressed_size: BigInt(w.offset - start),
      data_page_offset: dataOffset,
      ...(dictionaryOffset !== undefined ? { dictionary_page_offset: dictionaryOffset } : {}),
      ...(stats ? { statistics: statisticsOf(dictionary ? dictionary.dict : leaf.values, nulls, type) as Statistics } : {}),
    },
  };
}

/**
 * Writes `rows` rows as one zstd Parquet file, one row group at a time: `chunk(start, end)` returns the
 * columns (same order as `columns`) of rows [start, end), so only one row group is held in writer form.
 * Encodings: RLE_DICTIONARY for strings and doubles that repeat, else PLAIN; DELTA_BINARY_PACKED for
 * timestamps and integers; RLE for booleans; one DATA_PAGE_V2 per column chunk. Deterministic.
 * hyparquet-writer supplies the page header, level, delta and footer encoders.
 */
export function writeParquet(
  columns: readonly Column[],
  rows: number,
  chunk: (start: number, end: number) => readonly WriterColumn[],
  options: ParquetOptions,
): Uint8Array {
  const schema = parquetSchema(columns);
  const paths: SchemaElement[][] = [];
  for (let i = 1; i < schema.length; ) {
    const c = columns[paths.length]!;
    const len = c.type === 'array<string>' ? 3 : 1;
    paths.push([schema[0]!, ...schema.slice(i, i + len)]);
    i += len;
  }
  const w = new ByteWriter();
  w.appendUint32(0x31524150); // PAR1
  const rowGroups: RowGroup[] = [];
  for (let start = 0; start < rows; start += options.rowGroupSize) {
    const end = Math.min(rows, start + options.rowGroupSize);
    const data = chunk(start, end);
    const groupStart = w.offset;
    const chunks = columns.map((c, i) => {
      const col = data[i]!;
      const kind = writerKind(c.type);
      if (col.kind !== kind) throw new Error(`column ${c.name} (${c.type}) needs ${kind} values, got ${col.kind}`);
      if (col.values.length !== end - start) throw new Error(`column ${c.name}: ${col.values.length} values for ${end - start} rows`);
      const leafData = c.type === 'array<string>' ? listLeaf(c, col) : flatLeaf(c, col);
      return writeColumnChunk(w, paths[i]!, c, leafData, options);
    });
    rowGroups.push({
      columns: chunks,
      num_rows: BigInt(end - start),
      total_byte_size: chunks.reduce((s, ch) => s + (ch.meta_data?.total_uncompressed_size ?? 0n), 0n),
      total_compressed_size: BigInt(w.offset - groupStart),
    });
  }
  const metadata = { version: 2, created_by: 'fleetlake clean', schema, num_rows: BigInt(rows), row_groups: rowGroups };
  writeMetadata(w, metadata as FileMetaData); // metadata_length is the reader's, not serialised
  w.appendUint32(0x31524150);
  return w.getBytes();
}
