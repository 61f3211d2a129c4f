import { CONTRACT_COLUMNS, type ColumnType } from '../contract/columns';
import { TABLES, type TableSpec } from '../contract/tables';

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
  /** For a view-like table (trips_public): the contract table it exposes a subset of. */
  subsetOf?: string;
}

/** Columns analysts do not get by default: exact positions (they identify homes and workplaces). */
export const SENSITIVE_COLUMNS: ReadonlySet<string> = new Set(['start_lat', 'start_lon', 'end_lat', 'end_lon', 'lat', 'lon']);

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
  };
}

const trips = parquetTable(TABLES.find((t) => t.name === 'trips') as TableSpec);

/** gold/trips without exact coordinates (start/end coarsened to geohash-6 columns): the analysts' default. */
const tripsPublic: CatalogTable = {
  ...trips,
  name: 'trips_public',
  description: `${trips.description}. Location-safe view: exact start/end coordinates omitted, geohash-6 only.`,
  columns: trips.columns.filter((c) => !SENSITIVE_COLUMNS.has(c.name)),
  subsetOf: 'trips',
};

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
};

export const CATALOG_TABLES: readonly CatalogTable[] = [
  ...TABLES.map(parquetTable).flatMap((t) => (t.name === 'trips' ? [t, tripsPublic] : [t])),
  bronze,
];

export function catalogTable(name: string): CatalogTable {
  const t = CATALOG_TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`unknown table ${name}; tables: ${CATALOG_TABLES.map((x) => x.name).join(', ')}`);
  return t;
}

/** Tables partitioned by `dt`: every query over them must constrain dt. */
export const DT_PARTITIONED: ReadonlySet<string> = new Set(
  CATALOG_TABLES.filter((t) => t.partitionKeys.some((k) => k.name === 'dt')).map((t) => t.name),
);
