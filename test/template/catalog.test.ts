import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { CATALOG_TABLES } from '../../lib/catalog/tables';
import { TABLES } from '../../lib/contract/tables';
import { loadTemplate, resource, resourcesOfType } from './template';

const t = loadTemplate('prod');
type TableInput = {
  Name: string;
  Parameters: Record<string, unknown>;
  PartitionKeys: Array<{ Name: string; Type: string }>;
  StorageDescriptor: { Columns: Array<{ Name: string; Type: string }>; SerdeInfo: { SerializationLibrary: string }; Location: unknown };
};
const tables = new Map(
  resourcesOfType(t, 'AWS::Glue::Table').map(([, r]) => {
    const input = (r.Properties as { TableInput: TableInput }).TableInput;
    return [input.Name, input];
  }),
);
const sqlFiles = readdirSync('athena-queries').filter((f) => f.endsWith('.sql'));

describe('Glue catalog (prod template)', () => {
  it('has the database fleetlake_prod', () => {
    const db = resource(t, 'GlueDatabase').Properties as { DatabaseInput: { Name: string } };
    expect(db.DatabaseInput.Name).toBe('fleetlake_prod');
  });

  it('has the contract tables plus bronze_telemetry', () => {
    expect([...tables.keys()].sort()).toEqual(
      ['bronze_telemetry', 'dtc_events', 'battery_events', 'quarantine', 'telemetry', 'trips', 'trips_public', 'vehicle_daily'].sort(),
    );
  });

  it.each(TABLES.map((x) => x.name))('%s: Parquet, dt projected as a date from the stage parameter to NOW', (name) => {
    const input = tables.get(name) as TableInput;
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    expect(input.PartitionKeys).toEqual([expect.objectContaining({ Name: 'dt', Type: 'date' })]);
    expect(input.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2026-01-01,NOW',
    });
    expect(JSON.stringify(input.Parameters['storage.location.template'])).toMatch(/dt=\$\{dt\}\/"/);
  });

  it('catalog columns are the contract columns (dt only as the partition key)', () => {
    for (const spec of TABLES) {
      const cols = (tables.get(spec.name) as TableInput).StorageDescriptor.Columns.map((c) => `${c.Name}:${c.Type}`);
      expect(cols).toEqual(spec.columns.filter((c) => c.name !== 'dt').map((c) => `${c.name}:${c.type}`));
    }
  });

  it('trips_public has its own prefix gold/trips_public/ and no exact coordinates', () => {
    const pub = tables.get('trips_public') as TableInput;
    const trips = tables.get('trips') as TableInput;
    expect(JSON.stringify(pub.StorageDescriptor.Location)).toContain('"/trips_public/"');
    expect(JSON.stringify(trips.StorageDescriptor.Location)).toContain('"/trips/"');
    const names = pub.StorageDescriptor.Columns.map((c) => c.Name);
    expect(names.filter((n) => /_(lat|lon)$/.test(n))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['vehicle_id', 'trip_id', 'start_ts', 'distance_km']));
    expect(trips.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(expect.arrayContaining(['start_lat', 'end_lon']));
  });

  it('bronze_telemetry: OpenX JSON SerDe, hourly projection matching the Firehose prefix', () => {
    const b = tables.get('bronze_telemetry') as TableInput;
    expect(b.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
    expect(b.PartitionKeys.map((k) => k.Name)).toEqual(['year', 'month', 'day', 'hour']);
    expect(b.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.month.digits': '2', 'projection.hour.range': '0,23' });
    expect(JSON.stringify(b.Parameters['storage.location.template'])).toContain('/telemetry/year=${year}/month=${month}/day=${day}/hour=${hour}/');
    expect(CATALOG_TABLES.find((x) => x.name === 'bronze_telemetry')?.bucket).toBe('bronze');
  });
});

describe('Athena (prod template)', () => {
  it('workgroup fleetlake-prod: engine v3, enforced, SSE-KMS results, the prod scan cut-off, metrics on', () => {
    const wg = resource(t, 'AthenaWorkGroup').Properties as Record<string, never>;
    expect(wg).toMatchObject({
      Name: 'fleetlake-prod',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 107374182400,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: { 'Fn::Sub': 's3://${AthenaResultsBucket}/results/' },
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': ['LakeKey', 'Arn'] } },
        },
      },
    });
  });

  it('dev has its own, smaller cut-off', () => {
    const wg = resource(loadTemplate('dev'), 'AthenaWorkGroup').Properties as { WorkGroupConfiguration: { BytesScannedCutoffPerQuery: number } };
    expect(wg.WorkGroupConfiguration.BytesScannedCutoffPerQuery).toBe(1073741824);
  });

  it('one named query per athena-queries/*.sql, in the workgroup and the database', () => {
    const named = resourcesOfType(t, 'AWS::Athena::NamedQuery').map(([, r]) => r.Properties as Record<string, unknown>);
    expect(named.map((q) => q.Name).sort()).toEqual(sqlFiles.map((f) => f.replace(/\.sql$/, '')).sort());
    for (const q of named) {
      expect(q.WorkGroup).toEqual({ Ref: 'AthenaWorkGroup' });
      expect(q.Database).toEqual({ Ref: 'GlueDatabase' });
      expect(String(q.QueryString)).toContain(`-- ${String(q.Name)}`);
    }
    expect(named.length).toBeGreaterThanOrEqual(7);
  });
});
