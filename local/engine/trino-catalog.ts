import { CATALOG_TABLES, locationTemplate, PROJECTION_START, type CatalogTable, type ProjectedKey } from '../../lib/catalog/tables';
import { renderHiveType } from '../../lib/catalog/hive-type';
import { loadServerlessConfig } from '../stepfunctions/serverless-config';

/**
 * The Glue catalog (lib/catalog) as Trino DDL for the Hive connector: the same tables, columns, types, partition keys
 * and partition projection properties that resources/catalog.yml gives Athena, over a local lake. Locations are
 * `local://` paths of Trino's local file system support.
 */

export const quote = (id: string): string => `"${id.replaceAll('"', '""')}"`;

/** Glue/Hive type → Trino type. Glue's timestamp is millisecond precision in Athena, as in Trino's Hive connector. */
export const trinoTypeOf = (hive: string): string =>
  renderHiveType(hive, {
    scalars: { string: 'varchar', timestamp: 'timestamp(3)', double: 'double', bigint: 'bigint', boolean: 'boolean', date: 'date', int: 'integer' },
    array: (inner) => `array(${inner})`,
    struct: (fields) => `row(${fields.map((f) => `${quote(f.name)} ${f.type}`).join(', ')})`,
  });

const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** The projection start date of the local stage (serverless.yml `params`, stage `local`), as Athena resolves it. */
export function projectionStart(): string {
  return String(loadServerlessConfig('local').params.projectionStartDate);
}

function projectionProperties(k: ProjectedKey, start: string): string {
  if (k.type === 'date') {
    const range = k.range.map((r) => (r === PROJECTION_START ? start : r));
    return [
      "partition_projection_type = 'DATE'",
      `partition_projection_format = ${lit(k.format)}`,
      `partition_projection_range = ARRAY[${range.map(lit).join(', ')}]`,
      `partition_projection_interval = ${k.interval}`,
      `partition_projection_interval_unit = ${lit(k.unit)}`,
    ].join(', ');
  }
  return [`partition_projection_type = 'INTEGER'`, `partition_projection_range = ARRAY[${k.range.map((n) => lit(String(n))).join(', ')}]`, `partition_projection_digits = ${k.digits}`].join(', ');
}

/** `local:///<abs lake>/<bucket>/<prefix>/`: a table's location under a lake, for a catalog rooted at `/`. */
export const tableLocation = (lake: string, t: CatalogTable): string => `local://${lake}/${t.bucket}/${t.prefix}/`;

/** CREATE TABLE for one catalog table over `lake` (absolute), in `schema`. */
export function createTableSql(t: CatalogTable, lake: string, schema: string, start = projectionStart()): string {
  const location = tableLocation(lake, t);
  const projected = new Map(t.projection.map((k) => [k.name, k]));
  const cols = [
    ...t.columns.map((c) => `${quote(c.name)} ${trinoTypeOf(c.type)}`),
    ...t.partitionKeys.map((k) => {
      const p = projected.get(k.name);
      return `${quote(k.name)} ${trinoTypeOf(k.type)}${p ? ` WITH (${projectionProperties(p, start)})` : ''}`;
    }),
  ];
  const props = [
    `external_location = ${lit(location)}`,
    `format = ${lit(t.format === 'parquet' ? 'PARQUET' : 'OPENX_JSON')}`,
    `partitioned_by = ARRAY[${t.partitionKeys.map((k) => lit(k.name)).join(', ')}]`,
    'partition_projection_enabled = true',
    `partition_projection_location_template = ${lit(`${location}${locationTemplate(t)}`)}`,
  ];
  return `CREATE TABLE ${quote(schema)}.${quote(t.name)} (\n  ${cols.join(',\n  ')}\n)\nWITH (\n  ${props.join(',\n  ')}\n)`;
}

/** Every catalog table's DDL. */
export const catalogDdl = (lake: string, schema: string): Array<{ table: string; sql: string }> => {
  const start = projectionStart();
  return CATALOG_TABLES.map((t) => ({ table: t.name, sql: createTableSql(t, lake, schema, start) }));
};
