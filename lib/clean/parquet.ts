import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import type { Column } from '../contract/columns';
import type { Compress } from './zstd';

/** Column values as the table builders hold them: NaN / null mean absent. */
export type ColumnValues = Array<string | number | boolean | bigint | string[] | null>;
/** What the writer takes: a numeric column without nulls may be a Float64Array (no boxed doubles, less GC). */
export type WriterColumn = ColumnValues | Float64Array;

export interface ParquetOptions {
  compress: Compress;
  rowGroupSize: number;
  /** Columns that get min/max statistics (the pruning keys); others skip them, which halves write time. */
  statisticsColumns?: ReadonlySet<string>;
  /** Bytes per data page; 0 = one page per column chunk (skips the writer's per-value page sizing). Default 1 MiB. */
  pageSize?: number;
}

/** ts (sorted within a vehicle) and seq are near-arithmetic: delta encoding is smaller and faster than a dictionary. */
function encodingOf(c: Column): { encoding?: 'DELTA_BINARY_PACKED' } {
  return c.type === 'timestamp' || c.type === 'bigint' ? { encoding: 'DELTA_BINARY_PACKED' } : {};
}

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

/**
 * Writes `rows` rows as one zstd Parquet file, one row group at a time: `chunk(start, end)` returns the
 * columns (same order as `columns`) of rows [start, end), so only one row group is held in writer form.
 * Deterministic for the same input.
 */
export function writeParquet(
  columns: readonly Column[],
  rows: number,
  chunk: (start: number, end: number) => readonly WriterColumn[],
  options: ParquetOptions,
): Uint8Array {
  const writer = new ByteWriter();
  const pq = new ParquetWriter({
    writer,
    schema: parquetSchema(columns),
    codec: 'ZSTD',
    compressors: { ZSTD: options.compress },
    createdBy: 'fleetlake clean (hyparquet-writer)',
  });
  for (let start = 0; start < rows; start += options.rowGroupSize) {
    const end = Math.min(rows, start + options.rowGroupSize);
    const data = chunk(start, end);
    void pq.write({
      columnData: columns.map((c, i) => ({
        name: c.name,
        data: data[i]!,
        statistics: options.statisticsColumns ? options.statisticsColumns.has(c.name) : true,
        ...encodingOf(c),
      })),
      rowGroupSize: end - start,
      ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
    });
  }
  void pq.finish();
  return writer.getBytes();
}
