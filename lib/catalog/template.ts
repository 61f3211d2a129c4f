import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { SILVER_TELEMETRY_COLUMNS, type Column } from '../contract/columns';
import { stepOutputColumns, TABLES } from '../contract/tables';
import { CATALOG_TABLES, locationTemplate, type CatalogTable } from './tables';

/**
 * CloudFormation for the Glue catalog and the Athena named queries, generated from the table
 * contract and athena-queries/*.sql (serverless cannot import TypeScript). Written to
 * resources/catalog.yml and resources/named-queries.yml by `npm run generate:catalog`;
 * lib/catalog/template.test.ts fails when the committed files are stale.
 */
const BUCKET_LOGICAL_ID = { bronze: 'BronzeBucket', silver: 'SilverBucket', gold: 'GoldBucket' } as const;

export const pascal = (s: string): string => s.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
export const tableLogicalId = (name: string): string => `GlueTable${pascal(name)}`;
export const namedQueryLogicalId = (name: string): string => `NamedQuery${pascal(name)}`;

const location = (t: CatalogTable, suffix = ''): unknown => ({
  'Fn::Join': ['', ['s3://', { Ref: BUCKET_LOGICAL_ID[t.bucket] }, `/${t.prefix}/${suffix}`]],
});

const col = (c: { name: string; type: string; comment: string }) => ({ Name: c.name, Type: c.type, Comment: c.comment.slice(0, 255) });

/** Athena partition projection as Glue table parameters (`projection.<key>.*`). */
function projectionParameters(t: CatalogTable): Record<string, unknown> {
  const p: Record<string, unknown> = { 'projection.enabled': 'true' };
  for (const k of t.projection) {
    p[`projection.${k.name}.type`] = k.type;
    if (k.type === 'date') {
      p[`projection.${k.name}.format`] = k.format;
      p[`projection.${k.name}.range`] = k.range.join(',');
      p[`projection.${k.name}.interval`] = String(k.interval);
      p[`projection.${k.name}.interval.unit`] = k.unit;
    } else {
      p[`projection.${k.name}.range`] = k.range.join(',');
      p[`projection.${k.name}.digits`] = String(k.digits);
    }
  }
  p['storage.location.template'] = location(t, locationTemplate(t));
  return p;
}

function tableParameters(t: CatalogTable): Record<string, unknown> {
  const format = t.format === 'parquet' ? { classification: 'parquet', EXTERNAL: 'TRUE' } : { classification: 'json', EXTERNAL: 'TRUE', compressionType: 'gzip' };
  return { ...format, ...projectionParameters(t) };
}

function storageDescriptor(t: CatalogTable): Record<string, unknown> {
  const common = { Location: location(t), Columns: t.columns.map(col) };
  if (t.format === 'parquet') {
    return {
      ...common,
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', Parameters: { 'serialization.format': '1' } },
    };
  }
  return {
    ...common,
    InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    SerdeInfo: {
      SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
      // Forensics: a malformed line reads as nulls instead of failing the query.
      Parameters: { 'ignore.malformed.json': 'true', 'case.insensitive': 'false' },
    },
  };
}

export function catalogResources(tables: readonly CatalogTable[] = CATALOG_TABLES): Record<string, unknown> {
  const resources: Record<string, unknown> = {
    GlueDatabase: {
      Type: 'AWS::Glue::Database',
      Properties: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseInput: { Name: 'fleetlake_${sls:stage}', Description: 'fleetlake lake tables; partitions by projection (no crawlers, no MSCK REPAIR).' },
      },
    },
  };
  for (const t of tables) {
    resources[tableLogicalId(t.name)] = {
      Type: 'AWS::Glue::Table',
      Properties: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseName: { Ref: 'GlueDatabase' },
        TableInput: {
          Name: t.name,
          Description: t.description.slice(0, 2048),
          TableType: 'EXTERNAL_TABLE',
          Parameters: tableParameters(t),
          PartitionKeys: t.partitionKeys.map(col),
          StorageDescriptor: storageDescriptor(t),
        },
      },
    };
  }
  return resources;
}

export interface NamedQueryFile {
  name: string;
  sql: string;
  /** First line of the header's purpose. */
  description: string;
}

export const ATHENA_QUERIES_DIR = path.resolve(import.meta.dirname, '../../athena-queries');

export function readNamedQueries(dir = ATHENA_QUERIES_DIR): NamedQueryFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => {
      const sql = readFileSync(path.join(dir, f), 'utf8');
      const purpose = /^--\s*purpose:\s*(.+)$/im.exec(sql);
      if (!purpose?.[1]) throw new Error(`athena-queries/${f}: the header needs a "-- purpose: ..." line`);
      return { name: f.replace(/\.sql$/, ''), sql, description: purpose[1].trim().slice(0, 1024) };
    });
}

export function namedQueryResources(queries: readonly NamedQueryFile[] = readNamedQueries()): Record<string, unknown> {
  return Object.fromEntries(
    queries.map((q) => [
      namedQueryLogicalId(q.name),
      {
        Type: 'AWS::Athena::NamedQuery',
        Properties: {
          Name: q.name,
          Description: q.description,
          Database: { Ref: 'GlueDatabase' },
          WorkGroup: { Ref: 'AthenaWorkGroup' },
          QueryString: q.sql,
        },
      },
    ]),
  );
}

const HEADER = (what: string) =>
  `# GENERATED by \`npm run generate:catalog\` from ${what}. Do not edit:\n# lib/catalog/template.test.ts fails when this file is stale.\n`;

export function renderCatalogYaml(): string {
  return HEADER('lib/contract/tables.ts (via lib/catalog/tables.ts)') + stringify({ Resources: catalogResources() }, { lineWidth: 0 });
}

export function renderNamedQueriesYaml(): string {
  return HEADER('athena-queries/*.sql') + stringify({ Resources: namedQueryResources() }, { lineWidth: 0 });
}

/**
 * glue-jobs/tables.json: the column contract the Glue job reads (shipped with it as an --extra-file): the schema of
 * its input `telemetry_parts` and the exact columns every step must produce, as [name, Glue type] pairs (Glue's type
 * names are Spark's).
 */
export function renderFeaturesContract(): string {
  const pairs = (cols: readonly Column[]) => cols.map((col) => [col.name, col.type]);
  const tables = { telemetry_parts: pairs(SILVER_TELEMETRY_COLUMNS), ...Object.fromEntries(TABLES.map((t) => [t.name, pairs(stepOutputColumns(t.name))])) };
  const lines = Object.entries(tables).map(([name, cols]) => `    ${JSON.stringify(name)}: ${JSON.stringify(cols)}`);
  return `{\n  "$comment": "GENERATED by \`npm run generate:catalog\` from lib/contract/tables.ts. Do not edit.",\n  "tables": {\n${lines.join(',\n')}\n  }\n}\n`;
}

export const GENERATED_FILES = {
  'resources/catalog.yml': renderCatalogYaml,
  'resources/named-queries.yml': renderNamedQueriesYaml,
  'glue-jobs/tables.json': renderFeaturesContract,
} as const;
