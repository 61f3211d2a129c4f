import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ByteWriter } from 'hyparquet-writer';
import { openDuckDb, type LocalDb } from '../../local/engine/duckdb';
import type { Column } from '../contract/columns';
import { BOOLEAN_ABSENT, deltaPackNumbers, writeParquet, type WriterColumn } from './parquet';
import { zstdCompressor } from './zstd';

const COLUMNS: Column[] = [
  { name: 'id', type: 'string', description: '', required: true },
  { name: 'ts', type: 'timestamp', description: '', required: true },
  { name: 'seq', type: 'bigint', description: '', required: false },
  { name: 'flag', type: 'boolean', description: '', required: false },
  { name: 'level', type: 'double', description: '', required: false },
  { name: 'noise', type: 'double', description: '', required: true },
  { name: 'note', type: 'string', description: '', required: false },
  { name: 'codes', type: 'array<string>', description: '', required: false },
];
const N = 1000;

/** Every kind and encoding: dictionary and plain strings and doubles, deltas from 0 to 45 bits and past them, nulls, lists. */
function table(): WriterColumn[] {
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
  const ts = new Float64Array(N);
  for (let i = 0; i < N; i++) ts[i] = i === 0 ? 1_772_359_200_000 : ts[i - 1]! + (i % 300 === 0 ? -Math.floor(rnd() * 2 ** 40) : i % 7 === 0 ? 100 : Math.floor(rnd() * 1000));
  return [
    { kind: 'string', values: Array.from({ length: N }, (_, i) => `V${String(i % 7).padStart(3, '0')}`) },
    { kind: 'number', values: ts },
    { kind: 'number', values: Float64Array.from({ length: N }, (_, i) => (i % 10 === 3 ? NaN : i < 500 ? i : 2 ** 52 + i)) },
    { kind: 'boolean', values: Uint8Array.from({ length: N }, (_, i) => (i % 9 === 0 ? BOOLEAN_ABSENT : i % 3 === 0 ? 1 : 0)) },
    { kind: 'number', values: Float64Array.from({ length: N }, (_, i) => (i % 11 === 0 ? NaN : [12.6, 14.2, -0.5, 0][i % 4]!)) },
    { kind: 'number', values: Float64Array.from({ length: N }, () => rnd() * 100 - 50) },
    { kind: 'string', values: Array.from({ length: N }, (_, i) => (i % 5 === 0 ? null : `note ${i} ü ${'x'.repeat(i % 13)}`)) },
    { kind: 'list', values: Array.from({ length: N }, (_, i) => (i % 4 === 0 ? null : i % 4 === 1 ? [] : ['P0300', `P0${i % 50}`].slice(0, 1 + (i % 2)))) },
  ];
}

/** What DuckDB should read back: NaN and 2 become null, timestamps ISO, bigints as numbers. */
function expected(cols: WriterColumn[]): unknown[][] {
  return Array.from({ length: N }, (_, i) =>
    cols.map((c, k) => {
      const v = c.values[i];
      if (c.kind === 'boolean') return v === BOOLEAN_ABSENT ? null : v === 1;
      if (c.kind !== 'number') return v ?? null;
      if (Number.isNaN(v)) return null;
      const type = COLUMNS[k]!.type;
      return type === 'timestamp' ? new Date(v as number).toISOString() : type === 'bigint' ? String(v) : v;
    }),
  );
}

let dir: string;
let db: LocalDb;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetlake-parquet-'));
  db = await openDuckDb();
});
afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function write(name: string, rowGroupSize: number): Promise<{ file: string; bytes: Uint8Array }> {
  const { compress } = await zstdCompressor(3);
  const cols = table();
  const bytes = writeParquet(COLUMNS, N, (s, e) => cols.map((c) => ({ kind: c.kind, values: c.values.slice(s, e) }) as WriterColumn), {
    compress,
    rowGroupSize,
    statisticsColumns: new Set(['id', 'ts']),
  });
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return { file, bytes };
}

test('every column kind reads back in DuckDB exactly as written, over several row groups', async () => {
  const { file } = await write('all.parquet', 300);
  const select = COLUMNS.map((c) => (c.type === 'timestamp' ? `strftime(${c.name}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${c.name}` : c.type === 'bigint' ? `${c.name}::VARCHAR AS ${c.name}` : c.type === 'double' ? `${c.name}::DOUBLE AS ${c.name}` : c.name));
  const reader = await db.conn.runAndReadAll(`SELECT ${select.join(', ')} FROM read_parquet('${file}')`);
  const got = reader.getRowsJS().map((r) => r.map((v) => (Array.isArray(v) ? [...v] : v)));
  const want = expected(table());
  expect(got.length).toBe(N);
  for (let i = 0; i < N; i++) expect([i, got[i]]).toEqual([i, want[i]]);
  const groups = await db.conn.runAndReadAll(`SELECT count(DISTINCT row_group_id)::INT FROM parquet_metadata('${file}')`);
  expect(groups.getRowsJS()[0]![0]).toBe(4);
});

test('encodings and statistics: dictionary where values repeat, delta for integers, min/max only on the pruning keys', async () => {
  const { file } = await write('meta.parquet', N);
  const meta = (await db.conn.runAndReadAll(`SELECT path_in_schema, encodings, stats_min_value, stats_max_value FROM parquet_metadata('${file}')`)).getRowObjectsJS();
  const by = Object.fromEntries(meta.map((m) => [String(m.path_in_schema), m]));
  expect(by.id!.encodings).toContain('RLE_DICTIONARY');
  expect(by.level!.encodings).toContain('RLE_DICTIONARY');
  expect(by.noise!.encodings).toBe('PLAIN');
  expect(by.ts!.encodings).toBe('DELTA_BINARY_PACKED');
  expect(by.seq!.encodings).toBe('DELTA_BINARY_PACKED');
  expect(by.flag!.encodings).toBe('RLE');
  expect([by.id!.stats_min_value, by.id!.stats_max_value]).toEqual(['V000', 'V006']);
  expect(by.noise!.stats_min_value).toBeNull();
});

test('deterministic: the same rows give the same bytes', async () => {
  const a = await write('a.parquet', 300);
  const b = await write('b.parquet', 300);
  expect(Buffer.compare(a.bytes, b.bytes)).toBe(0);
});

test('deltaPackNumbers declines what doubles cannot carry exactly, writing nothing', () => {
  const w = new ByteWriter();
  expect(deltaPackNumbers(w, Float64Array.of(1, 2 ** 51))).toBe(false);
  expect(deltaPackNumbers(w, Float64Array.of(1, 1.5))).toBe(false);
  expect(deltaPackNumbers(w, Float64Array.of(0, 2 ** 50 - 1, -(2 ** 50)))).toBe(false); // a 51-bit miniblock
  expect(w.offset).toBe(0);
  expect(deltaPackNumbers(w, Float64Array.of(5, 6, 7))).toBe(true);
});

test('string min/max follow UTF-8 byte order, as Parquet readers compare them', async () => {
  const { compress } = await zstdCompressor(3);
  // UTF-16 puts the astral character (a surrogate pair, 0xD83D…) before U+FF21; UTF-8 puts it after (F0 > EF).
  const values = ['\uFF21', '\u{1F600}', 'B'];
  const cols: Column[] = [{ name: 'id', type: 'string', description: '', required: true }];
  for (const repeat of [1, 40]) {
    // repeat 40: a dictionary column, whose statistics come from the dictionary
    const data = Array.from({ length: values.length * repeat }, (_, i) => values[i % values.length]!);
    const file = path.join(dir, `utf8-${repeat}.parquet`);
    writeFileSync(file, writeParquet(cols, data.length, () => [{ kind: 'string', values: data }], { compress, rowGroupSize: 1000, statisticsColumns: new Set(['id']) }));
    const [m] = (await db.conn.runAndReadAll(`SELECT encodings, stats_min_value, stats_max_value FROM parquet_metadata('${file}')`)).getRowObjectsJS();
    expect([m!.encodings, m!.stats_min_value, m!.stats_max_value]).toEqual([repeat === 1 ? 'PLAIN' : 'PLAIN, RLE_DICTIONARY', 'B', '\u{1F600}']);
  }
});

test('a column given the wrong kind of values is refused, not written', async () => {
  const { compress } = await zstdCompressor(3);
  const cols: Column[] = [{ name: 'flag', type: 'boolean', description: '', required: false }];
  expect(() => writeParquet(cols, 2, () => [{ kind: 'number', values: Float64Array.of(1, 0) }], { compress, rowGroupSize: 10 })).toThrow('column flag (boolean) needs boolean values, got number');
});
