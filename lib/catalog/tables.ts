import { CONTRACT_COLUMNS, type ColumnType } from '../contract/columns';
import { TABLES, type TableSpec } from '../contract/tables';

export { SENSITIVE_COLUMNS } from '../contract/tables';

/**
 * The Glue Data Catalog as data: every table analysts see, derived from the table contract
 * (lib/contract/tables.ts) and the telemetry JSON Schema. resources/catalog.yml is generated from
 * this (npm run generate:catalog) and the local query engine builds its views from it too.
 */
export interface CatalogColumn {
  name: string;
  /** Glue/Hive type. */
  type: string;
  comment: string;
}

export interface CatalogTable {
  name: string;
  /** Bucket role holding the data. */
  bucket: 'bronze' | 'silver' | 'gold';
  /** Key prefix of the data inside the bucket (no trailing slash). */
  prefix: string;
  format: 'parquet' | 'json';
  description: string;
  columns: readonly CatalogColumn[];
  /** Partition keys in path order (Hive style `name=value/`). */
  partitionKeys: readonly CatalogColumn[];
  /** Partition projection (Athena; Trino's Hive connector reads the same settings): one entry per partition key. */
  projection: readonly ProjectedKey[];
}

/**
 * How a partition key's values are enumerated, as Athena partition projection describes it. `PROJECTION_START` is
 * the stage parameter `projectionStartDate`, resolved by each renderer (CloudFormation, the local Trino DDL).
 */
export type ProjectedKey =
  | { name: string; type: 'date'; format: 'yyyy-MM-dd'; range: readonly [typeof PROJECTION_START, 'NOW']; interval: 1; unit: 'DAYS' }
  | { name: string; type: 'integer'; range: readonly [number, number]; digits: number };

export const PROJECTION_START = '${param:projectionStartDate}';

/** `dt=${dt}/` or `year=${year}/month=${month}/…`: where a projected partition lives under the table prefix. */
export const locationTemplate = (t: CatalogTable): string => t.partitionKeys.map((k) => `${k.name}=\${${k.name}}/`).join('');

const comment = (description: string, unit?: string): string => (unit ? `${description} [${unit}]` : description);

function parquetTable(spec: TableSpec): CatalogTable {
  return {
    name: spec.name,
    bucket: spec.layer,
    prefix: spec.prefix,
    format: 'parquet',
    description: `${spec.layer} ${spec.name}: ${spec.grain}`,
    // A partition key cannot also be a data column in Glue; `dt` comes from the path.
    columns: spec.columns
      .filter((c) => c.name !== spec.partition.name)
      .map((c) => ({ name: c.name, type: c.type satisfies ColumnType, comment: comment(c.description, c.unit) })),
    partitionKeys: [{ name: 'dt', type: 'date', comment: spec.partition.description }],
    projection: [{ name: 'dt', type: 'date', format: 'yyyy-MM-dd', range: [PROJECTION_START, 'NOW'], interval: 1, unit: 'DAYS' }],
  };
}

// Raw NDJSON keeps ts as sent (ISO string or epoch ms), so it is a string here.
const bronzeType = (name: string, t: ColumnType): string => (name === 'ts' || t === 'timestamp' ? 'string' : t);
const sampleFields = CONTRACT_COLUMNS.filter((c) => c.name !== 'vehicle_id').map((c) => `${c.name}:${bronzeType(c.name, c.type)}`);

const bronze: CatalogTable = {
  name: 'bronze_telemetry',
  bucket: 'bronze',
  prefix: 'telemetry',
  format: 'json',
  description: 'bronze: raw MQTT messages as delivered by Firehose (gzip NDJSON), one row per message, for forensics.',
  columns: [
    ...CONTRACT_COLUMNS.map((c) => ({ name: c.name, type: bronzeType(c.name, c.type), comment: comment(c.description, c.unit) })),
    { name: 'samples', type: `array<struct<${sampleFields.join(',')}>>`, comment: 'Envelope samples (envelope messages only).' },
    { name: 'topic_vehicle_id', type: 'string', comment: 'The {vehicle_id} level of the MQTT topic.' },
    { name: 'received_at', type: 'bigint', comment: 'Arrival at IoT Core, epoch ms.' },
  ],
  partitionKeys: ['year', 'month', 'day', 'hour'].map((name) => ({ name, type: 'string', comment: `Arrival ${name} (UTC), Firehose prefix.` })),
  projection: [
    { name: 'year', type: 'integer', range: [2020, 2099], digits: 4 },
    { name: 'month', type: 'integer', range: [1, 12], digits: 2 },
    { name: 'day', type: 'integer', range: [1, 31], digits: 2 },
    { name: 'hour', type: 'integer', range: [0, 23], digits: 2 },
  ],
};

export const CATALOG_TABLES: readonly CatalogTable[] = [...TABLES.map(parquetTable), bronze];

export function catalogTable(name: string): CatalogTable {
  const t = CATALOG_TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`unknown table ${name}; tables: ${CATALOG_TABLES.map((x) => x.name).join(', ')}`);
  return t;
}

/** Tables partitioned by `dt`: every query over them must constrain dt. */
export const DT_PARTITIONED: ReadonlySet<string> = new Set(
  CATALOG_TABLES.filter((t) => t.partitionKeys.some((k) => k.name === 'dt')).map((t) => t.name),
);
