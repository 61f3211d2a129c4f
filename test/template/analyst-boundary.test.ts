import { SENSITIVE_COLUMNS, TABLES } from '../../lib/contract/tables';
import type { Request, Statement } from './iam-eval';
import { isAllowed, resolveValue } from './iam-eval';
import type { Template } from './template';
import { loadTemplate, resource } from './template';

// The location-privacy boundary in IAM: the analyst managed policy (resources/analysts.yml) allows the gold tables
// without exact coordinates and nothing on gold/trips/, silver or bronze. Evaluated for concrete requests against
// every table location of the packaged template, not by reading the policy's text.

const ACCOUNT = '111122223333';
const names = (stage: string): Record<string, string> => {
  const bucket = (role: string) => `arn:aws:s3:::fleetlake-${stage}-${role}-${ACCOUNT}`;
  return {
    'AWS::Partition': 'aws',
    'AWS::Region': 'eu-west-1',
    'AWS::AccountId': ACCOUNT,
    'BronzeBucket.Arn': bucket('bronze'),
    'SilverBucket.Arn': bucket('silver'),
    'GoldBucket.Arn': bucket('gold'),
    'AthenaResultsBucket.Arn': bucket('athena-results'),
    'AccessLogsBucket.Arn': bucket('access-logs'),
    'LakeKey.Arn': `arn:aws:kms:eu-west-1:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000`,
    AthenaWorkGroup: `fleetlake-${stage}`,
    GlueDatabase: `fleetlake_${stage}`,
  };
};

interface TableLocation {
  name: string;
  bucket: string; // logical id
  prefix: string;
  columns: string[];
}

/** Every Glue table of the template with its S3 location and columns. */
function tableLocations(t: Template): TableLocation[] {
  return Object.values(t.Resources)
    .filter((r) => r.Type === 'AWS::Glue::Table')
    .map((r) => {
      const input = r.Properties!.TableInput as { Name: string; StorageDescriptor: { Location: { 'Fn::Join': [string, unknown[]] }; Columns: Array<{ Name: string }> }; PartitionKeys?: Array<{ Name: string }> };
      const [, parts] = input.StorageDescriptor.Location['Fn::Join'];
      const bucket = (parts[1] as { Ref: string }).Ref;
      return { name: input.Name, bucket, prefix: String(parts[2]).replace(/^\/|\/$/g, ''), columns: input.StorageDescriptor.Columns.map((c) => c.Name) };
    });
}

/** The analysts' tables: gold, with no column that locates a vehicle exactly. */
const isAnalystTable = (x: TableLocation) => x.bucket === 'GoldBucket' && !x.columns.some((c) => SENSITIVE_COLUMNS.has(c));

/**
 * Where the policy crosses the boundary: a non-analyst location it can read, list or describe, an analyst table it
 * cannot, or any write to the lake. Empty = the policy is the boundary.
 */
function boundaryFindings(statements: Statement[], tables: TableLocation[], n: Record<string, string>): string[] {
  const out: string[] = [];
  const can = (req: Request) => isAllowed(statements, req, n);
  const db = n.GlueDatabase!;
  // Lake keys no catalog table points at are outside the boundary too.
  const others: TableLocation[] = [
    { name: '(parts)', bucket: 'SilverBucket', prefix: 'telemetry_parts', columns: [] },
    { name: '(pipeline state)', bucket: 'SilverBucket', prefix: '_pipeline', columns: [] },
    { name: '(rule errors)', bucket: 'BronzeBucket', prefix: 'errors', columns: [] },
  ];
  for (const x of [...tables, ...others]) {
    const bucketArn = n[`${x.bucket}.Arn`]!;
    const object = `${bucketArn}/${x.prefix}/dt=2026-03-01/part-00000.parquet`;
    const access = {
      read: can({ action: 's3:GetObject', resource: object }),
      list: can({ action: 's3:ListBucket', resource: bucketArn, context: { 's3:prefix': `${x.prefix}/dt=2026-03-01/` } }),
      describe: x.name.startsWith('(') ? false : can({ action: 'glue:GetTable', resource: `arn:aws:glue:eu-west-1:${ACCOUNT}:table/${db}/${x.name}` }),
    };
    const where = `${x.bucket.replace('Bucket', '').toLowerCase()}/${x.prefix}/ (${x.name})`;
    if (isAnalystTable(x)) {
      for (const [what, ok] of Object.entries(access)) if (!ok) out.push(`does not allow ${what} of ${where}`);
    } else {
      for (const [what, ok] of Object.entries(access)) if (ok) out.push(`allows ${what} of ${where}`);
    }
    for (const action of ['s3:PutObject', 's3:DeleteObject']) if (can({ action, resource: object })) out.push(`allows ${action} on ${where}`);
  }
  return out;
}

describe.each(['prod', 'dev'] as const)('the %s analyst policy', (stage) => {
  const t = loadTemplate(stage);
  const policy = resource(t, 'AnalystPolicy');
  const statements = (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement;
  const n = names(stage);
  const can = (req: Request) => isAllowed(statements, req, n);
  const gold = n['GoldBucket.Arn']!;

  test('is one managed policy named fleetlake-<stage>-analyst', () => {
    expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
    expect(policy.Properties!.ManagedPolicyName).toBe(`fleetlake-${stage}-analyst`);
  });

  test('allows gold/trips_public/, denies gold/trips/, denies silver/telemetry/', () => {
    expect(can({ action: 's3:GetObject', resource: `${gold}/trips_public/dt=2026-03-01/part-00000.parquet` })).toBe(true);
    expect(can({ action: 's3:GetObject', resource: `${gold}/trips/dt=2026-03-01/part-00000.parquet` })).toBe(false);
    expect(can({ action: 's3:ListBucket', resource: gold, context: { 's3:prefix': 'trips/' } })).toBe(false);
    expect(can({ action: 's3:GetObject', resource: `${n['SilverBucket.Arn']}/telemetry/dt=2026-03-01/part-00000.parquet` })).toBe(false);
  });

  test('every table of the catalog: the analyst tables readable, every other location closed, nothing writable', () => {
    const tables = tableLocations(t);
    const analyst = tables.filter(isAnalystTable).map((x) => x.name).sort();
    // The same set as the contract's gold tables without exact coordinates (lib/contract/tables.ts).
    expect(analyst).toEqual(TABLES.filter((x) => x.layer === 'gold' && !x.columns.some((c) => SENSITIVE_COLUMNS.has(c.name))).map((x) => x.name).sort());
    expect(analyst).toContain('trips_public');
    expect(tables.map((x) => x.name)).toEqual(expect.arrayContaining(['trips', 'telemetry', 'quarantine', 'bronze_telemetry']));
    expect(boundaryFindings(statements, tables, n)).toEqual([]);
  });

  test('queries run in the fleetlake workgroup only; results and the lake key through S3 only', () => {
    expect(can({ action: 'athena:StartQueryExecution', resource: `arn:aws:athena:eu-west-1:${ACCOUNT}:workgroup/fleetlake-${stage}` })).toBe(true);
    expect(can({ action: 'athena:StartQueryExecution', resource: `arn:aws:athena:eu-west-1:${ACCOUNT}:workgroup/primary` })).toBe(false);
    const results = n['AthenaResultsBucket.Arn']!;
    expect(can({ action: 's3:PutObject', resource: `${results}/results/0f6b.csv` })).toBe(true);
    expect(can({ action: 's3:PutObject', resource: `${results}/other/0f6b.csv` })).toBe(false);
    const key = n['LakeKey.Arn']!;
    expect(can({ action: 'kms:Decrypt', resource: key, context: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } })).toBe(true);
    expect(can({ action: 'kms:Decrypt', resource: key })).toBe(false);
  });
});

describe('the boundary check fails on bad policies (negative tests)', () => {
  const t = loadTemplate('prod');
  const tables = tableLocations(t);
  const n = names('prod');
  const real = (resource(t, 'AnalystPolicy').Properties!.PolicyDocument as { Statement: Statement[] }).Statement;
  const replaced = (sid: string, change: Partial<Statement>) => real.map((s) => (s.Sid === sid ? { ...s, ...change } : s));

  test('a policy that allows gold/trips/ (the whole gold bucket, or a prefix without its slash) is caught', () => {
    expect(boundaryFindings(replaced('ReadTheAnalystGoldPrefixes', { Resource: { 'Fn::Sub': '${GoldBucket.Arn}/*' } }), tables, n)).toEqual(['allows read of gold/trips/ (trips)']);
    expect(boundaryFindings(replaced('ReadTheAnalystGoldPrefixes', { Resource: [{ 'Fn::Sub': '${GoldBucket.Arn}/trips*' }] }), tables, n)).toEqual([
      'allows read of gold/trips/ (trips)',
      'does not allow read of gold/vehicle_daily/ (vehicle_daily)',
      'does not allow read of gold/battery_events/ (battery_events)',
      'does not allow read of gold/dtc_events/ (dtc_events)',
    ]);
    expect(boundaryFindings(replaced('ListTheAnalystGoldPrefixes', { Condition: undefined }), tables, n)).toEqual(['allows list of gold/trips/ (trips)']);
  });

  test('silver or bronze reads, a write, and a catalog grant on every table are caught', () => {
    const extra = (s: Statement) => boundaryFindings([...real, s], tables, n);
    expect(extra({ Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': '${SilverBucket.Arn}/telemetry/*' } })).toEqual(['allows read of silver/telemetry/ (telemetry)']);
    expect(extra({ Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': '${BronzeBucket.Arn}/*' } })).toEqual(['allows read of bronze/telemetry/ (bronze_telemetry)', 'allows read of bronze/errors/ ((rule errors))']);
    expect(extra({ Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Sub': '${GoldBucket.Arn}/dtc_events/*' } })).toEqual(['allows s3:PutObject on gold/dtc_events/ (dtc_events)']);
    expect(extra({ Effect: 'Allow', Action: 'glue:GetTable', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${GlueDatabase}/*' } })).toEqual([
      'allows describe of silver/telemetry/ (telemetry)',
      'allows describe of silver/quarantine/ (quarantine)',
      'allows describe of gold/trips/ (trips)',
      'allows describe of bronze/telemetry/ (bronze_telemetry)',
    ]);
    // An explicit Deny wins over the Allow.
    expect(boundaryFindings([...real, { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': '${GoldBucket.Arn}/*' } }, { Effect: 'Deny', Action: 's3:*', Resource: { 'Fn::Sub': '${GoldBucket.Arn}/trips/*' } }], tables, n)).toEqual([]);
  });

  test('the evaluator refuses what it cannot judge', () => {
    const req = { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };
    expect(() => isAllowed([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }], { ...req, context: { 'aws:SourceIp': '10.0.0.1' } }, {})).toThrow(/IpAddress is not supported/);
    expect(() => isAllowed([{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }], req, {})).toThrow(/NotAction/);
    expect(() => resolveValue({ Ref: 'Unknown' }, {})).toThrow('no physical value for Unknown');
  });
});
