import { resolveConditionals } from './conditions';
import { loadTemplate, resource, resourcesOfType } from './template';

const t = loadTemplate('prod');
const LAKE_BUCKETS = ['BronzeBucket', 'SilverBucket', 'GoldBucket', 'AthenaResultsBucket', 'AccessLogsBucket'];
const DATA_BUCKETS = LAKE_BUCKETS.filter((b) => b !== 'AccessLogsBucket');

test('a customer-managed KMS key with rotation', () => {
  const key = resource(t, 'LakeKey');
  expect(key.Type).toBe('AWS::KMS::Key');
  expect(key.Properties).toMatchObject({ EnableKeyRotation: true, KeySpec: 'SYMMETRIC_DEFAULT' });
});

test('exactly the five lake buckets (plus the framework deployment bucket)', () => {
  const ids = resourcesOfType(t, 'AWS::S3::Bucket').map(([id]) => id).sort();
  expect(ids).toEqual([...LAKE_BUCKETS, 'ServerlessDeploymentBucket'].sort());
});

test.each(DATA_BUCKETS)('%s: SSE-KMS with the lake key and a bucket key', (id) => {
  const enc = resource(t, id).Properties!.BucketEncryption as { ServerSideEncryptionConfiguration: unknown[] };
  expect(enc.ServerSideEncryptionConfiguration).toEqual([
    { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['LakeKey', 'Arn'] } } },
  ]);
});

test('AccessLogsBucket: SSE-S3, the only default encryption S3 server access logging delivers to', () => {
  expect(resource(t, 'AccessLogsBucket').Properties!.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
});

test.each(LAKE_BUCKETS)('%s: all four public access block flags', (id) => {
  expect(resource(t, id).Properties!.PublicAccessBlockConfiguration).toEqual({
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
});

test.each(LAKE_BUCKETS)('%s: bucket policy denies non-TLS and TLS < 1.2', (id) => {
  const [, policy] = resourcesOfType(t, 'AWS::S3::BucketPolicy').find(([, p]) => JSON.stringify(p.Properties!.Bucket) === JSON.stringify({ Ref: id }))!;
  const st = (policy.Properties!.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
  const arns = [{ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::Sub': `\${${id}.Arn}/*` }];
  expect(st).toEqual(
    expect.arrayContaining([
      { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: arns, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Sid: 'DenyTlsBelow12', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: arns, Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } },
    ]),
  );
});

test('bucket names derive from service, stage and account id', () => {
  expect(resource(t, 'BronzeBucket').Properties!.BucketName).toEqual({ 'Fn::Sub': 'fleetlake-prod-bronze-${AWS::AccountId}' });
  expect(loadTemplate('dev').Resources.GoldBucket!.Properties!.BucketName).toEqual({ 'Fn::Sub': 'fleetlake-dev-gold-${AWS::AccountId}' });
});

test('bronze is versioned and tiers to IA, then Glacier IR, then expires per stage', () => {
  const bronze = resource(t, 'BronzeBucket').Properties!;
  expect(bronze.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  const rule = (bronze.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules.find((r) => r.Id === 'bronze-tiering')!;
  expect(rule).toMatchObject({
    Status: 'Enabled',
    Transitions: [
      { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
      { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
    ],
    ExpirationInDays: 730,
  });
  const devRule = (loadTemplate('dev').Resources.BronzeBucket!.Properties!.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules[0]!;
  expect(devRule.ExpirationInDays).toBe(90);
});

test('silver: telemetry to Standard-IA and telemetry_parts to Glacier IR after 30 days in prod, none in dev; both expire with the raw-GPS retention', () => {
  type Rule = Record<string, unknown>;
  const rules = (stage: 'prod' | 'dev') => {
    const tpl = loadTemplate(stage);
    const list = resolveConditionals((tpl.Resources.SilverBucket!.Properties!.LifecycleConfiguration as { Rules: Rule[] }).Rules, tpl) as Rule[];
    return Object.fromEntries(list.map((r) => [r.Id as string, r]));
  };
  const prod = rules('prod');
  const rule = (id: string, prefix: string) => ({ Id: id, Status: 'Enabled', Prefix: prefix, ExpirationInDays: 365 });
  expect(prod['silver-telemetry-raw-gps-retention']).toEqual({
    ...rule('silver-telemetry-raw-gps-retention', 'telemetry/'),
    Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
  });
  expect(prod['silver-telemetry-parts-raw-gps-retention']).toEqual({
    ...rule('silver-telemetry-parts-raw-gps-retention', 'telemetry_parts/'),
    Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
  });
  const dev = rules('dev');
  expect(dev['silver-telemetry-parts-raw-gps-retention']).toEqual({ Id: 'silver-telemetry-parts-raw-gps-retention', Status: 'Enabled', Prefix: 'telemetry_parts/', ExpirationInDays: 30 });
});

test('athena results expire after 30 days; other buckets are not versioned', () => {
  const rules = (resource(t, 'AthenaResultsBucket').Properties!.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
  expect(rules).toContainEqual(expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 30 }));
  for (const id of LAKE_BUCKETS.filter((b) => b !== 'BronzeBucket')) expect(resource(t, id).Properties!.VersioningConfiguration).toBeUndefined();
});

test('data buckets send server access logs to the access-log bucket', () => {
  for (const id of ['BronzeBucket', 'SilverBucket', 'GoldBucket', 'AthenaResultsBucket']) {
    expect(resource(t, id).Properties!.LoggingConfiguration).toMatchObject({ DestinationBucketName: { Ref: 'AccessLogsBucket' } });
  }
});
