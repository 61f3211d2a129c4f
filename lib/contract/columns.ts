import schema from './telemetry.v1.schema.json' with { type: 'json' };

/** Logical column types shared by Parquet (silver), DuckDB and the Glue catalog. */
export type ColumnType = 'string' | 'timestamp' | 'double' | 'bigint' | 'boolean' | 'array<string>' | 'date';

export interface Column {
  name: string;
  type: ColumnType;
  description: string;
  unit?: string;
  required: boolean;
}

type PropSchema = {
  type?: string | string[];
  items?: { type?: string };
  description?: string;
  'x-unit'?: string;
  'x-silver-type'?: ColumnType;
};

export const telemetrySchema = schema;
const sampleDef = schema.$defs.sample as unknown as { properties: Record<string, PropSchema>; required: string[] };

function columnType(name: string, p: PropSchema): ColumnType {
  if (p['x-silver-type']) return p['x-silver-type'];
  const types = (Array.isArray(p.type) ? p.type : [p.type]).filter((t) => t !== 'null');
  if (types.length !== 1) throw new Error(`contract field ${name}: cannot derive a column type from ${JSON.stringify(p.type)}`);
  switch (types[0]) {
    case 'string':
      return 'string';
    case 'number':
      return 'double';
    case 'integer':
      return 'bigint';
    case 'boolean':
      return 'boolean';
    case 'array':
      if (p.items?.type === 'string') return 'array<string>';
  }
  throw new Error(`contract field ${name}: unsupported type ${JSON.stringify(p.type)}`);
}

/** The sample fields of telemetry contract v1, in contract order. */
export const CONTRACT_COLUMNS: readonly Column[] = Object.entries(sampleDef.properties).map(([name, p]) => ({
  name,
  type: columnType(name, p),
  description: p.description ?? '',
  ...(p['x-unit'] ? { unit: p['x-unit'] } : {}),
  required: sampleDef.required.includes(name),
}));

/** Columns the pipeline adds to every silver telemetry row. */
export const LINEAGE_COLUMNS: readonly Column[] = [
  { name: 'received_at', type: 'timestamp', description: 'Arrival time at IoT Core (the rule\'s timestamp()), UTC, ms.', required: true },
  { name: 'source_key', type: 'string', description: 'Bronze object key the row came from.', required: true },
];

/** silver/telemetry_parts and silver/telemetry (partitioned by dt = UTC date of ts). */
export const SILVER_TELEMETRY_COLUMNS: readonly Column[] = [...CONTRACT_COLUMNS, ...LINEAGE_COLUMNS];

/** silver/quarantine (partitioned by dt = UTC arrival date). */
export const QUARANTINE_COLUMNS: readonly Column[] = [
  { name: 'source_key', type: 'string', description: 'Bronze object key.', required: true },
  { name: 'line_no', type: 'bigint', description: '1-based line number in the bronze object (for corrupt_object, the first line not decoded completely).', required: true },
  { name: 'received_at', type: 'timestamp', description: 'Arrival time, when known.', required: false },
  { name: 'vehicle_id', type: 'string', description: 'Vehicle id, when known.', required: false },
  { name: 'reason', type: 'string', description: 'Stable reason code, one of the contract\'s quarantine reasons (docs/schema.md).', required: true },
  { name: 'detail', type: 'string', description: 'All validation errors (field: message), or the rule that failed.', required: false },
  { name: 'raw', type: 'string', description: 'The offending sample or line as JSON text.', required: true },
];

/** DuckDB SQL type of a logical column type. */
export function duckdbType(t: ColumnType): string {
  return { string: 'VARCHAR', timestamp: 'TIMESTAMP', double: 'DOUBLE', bigint: 'BIGINT', boolean: 'BOOLEAN', 'array<string>': 'VARCHAR[]', date: 'DATE' }[t];
}

/** Glue/Hive (Athena) type of a logical column type. */
export function glueType(t: ColumnType): string {
  return t; // the logical names are the Hive names
}
