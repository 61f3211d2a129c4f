import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TABLES } from '../../lib/contract/tables';
import { asArray, loadTemplate, resource, roleStatements } from './template';

const require = createRequire(import.meta.url);
const { contentHash } = require('../../glue-jobs/serverless-glue-assets.cjs') as { contentHash: (dir: string, rels: string[]) => string };

const t = loadTemplate('prod');
const job = resource(t, 'FeaturesGlueJob');
const props = job.Properties as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const lakeKey = { 'Fn::GetAtt': ['LakeKey', 'Arn'] };

/** The S3 keys inside an `Fn::Join` s3:// value the glue-assets plugin wrote. */
function keys(v: unknown): string[] {
  const parts = (v as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  expect(parts.filter((p) => typeof p !== 'string')).toEqual(parts.filter((p) => typeof p !== 'string').map(() => ({ Ref: 'ServerlessDeploymentBucket' })));
  return parts.filter((p): p is string => typeof p === 'string' && p.startsWith('/')).map((p) => p.slice(1));
}

describe('features Glue job (packaged prod template)', () => {
  const sqlFiles = readdirSync('glue-jobs/sql').filter((f) => f.endsWith('.sql')).sort();
  const files = ['glue-jobs/features.py', 'glue-jobs/features_lib.py', ...sqlFiles.map((f) => `glue-jobs/sql/${f}`), 'glue-jobs/tables.json'];
  const prefix = `fleetlake/fleetlake/prod/glue-assets/${contentHash('.', files)}`;

  it('is a Glue 5.0 glueetl Python 3 job sized by stage parameters', () => {
    expect(props).toMatchObject({
      Name: 'fleetlake-prod-features',
      GlueVersion: '5.0',
      Command: { Name: 'glueetl', PythonVersion: '3' },
      WorkerType: 'G.1X',
      NumberOfWorkers: 4,
      ExecutionClass: 'FLEX',
      ExecutionProperty: { MaxConcurrentRuns: 1 },
      Role: { 'Fn::GetAtt': ['FeaturesGlueJobRole', 'Arn'] },
      SecurityConfiguration: { Ref: 'FeaturesGlueSecurityConfiguration' },
    });
  });

  it('runs the script, helpers and every SQL file from content-hashed keys in the deployment bucket', () => {
    expect(keys(props.Command.ScriptLocation)).toEqual([`${prefix}/glue-jobs/features.py`]);
    expect(keys(props.DefaultArguments['--extra-py-files'])).toEqual([`${prefix}/glue-jobs/features_lib.py`]);
    expect(keys(props.DefaultArguments['--extra-files'])).toEqual([...sqlFiles.map((f) => `${prefix}/glue-jobs/sql/${f}`), `${prefix}/glue-jobs/tables.json`]);
    const manifest = JSON.parse(readFileSync(path.join('.package/prod/glue-assets/glue-assets.json'), 'utf8')) as { files: Array<{ rel: string; key: string }> };
    expect(manifest.files.map((f) => f.key).sort()).toEqual(files.map((f) => `${prefix}/${f}`).sort());
    for (const f of manifest.files) expect(readFileSync(path.join('.package/prod/glue-assets', f.rel), 'utf8')).toBe(readFileSync(f.rel, 'utf8'));
  });

  it('has bookmarks off, the lake buckets, and no argument Glue 5.0 ignores or the script sets itself', () => {
    expect(props.DefaultArguments).toMatchObject({
      '--job-bookmark-option': 'job-bookmark-disable',
      '--silver_bucket': { Ref: 'SilverBucket' },
      '--gold_bucket': { Ref: 'GoldBucket' },
    });
    // Glue 5.0 logs in real time always (--enable-continuous-* do nothing); features.py sets the overwrite mode.
    expect(Object.keys(props.DefaultArguments).filter((a) => a.startsWith('--enable-continuous') || a === '--conf')).toEqual([]);
    expect(readFileSync('glue-jobs/features.py', 'utf8')).toMatch(/spark\.conf\.set\("spark\.sql\.sources\.partitionOverwriteMode", "dynamic"\)/);
  });

  it('encrypts S3 output, logs and bookmarks with the lake key', () => {
    const sc = resource(t, 'FeaturesGlueSecurityConfiguration');
    expect(sc.Type).toBe('AWS::Glue::SecurityConfiguration');
    expect(sc.Properties?.EncryptionConfiguration).toEqual({
      S3Encryptions: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: lakeKey }],
      CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: lakeKey },
      JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: lakeKey },
    });
  });

  describe('role', () => {
    const statements = roleStatements(t, 'FeaturesGlueJobRole');
    const sid = (s: string) => statements.find((x) => x.Sid === s)!;
    const flat = (v: unknown) => JSON.stringify(v);

    it('is assumed by Glue of this account only', () => {
      const trust = resource(t, 'FeaturesGlueJobRole').Properties?.AssumeRolePolicyDocument as { Statement: Array<Record<string, unknown>> };
      expect(trust.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
      ]);
    });

    it('has no wildcard action and no wildcard resource', () => {
      for (const s of statements) {
        expect(s.Effect).toBe('Allow');
        for (const a of asArray(s.Action)) expect(a).not.toMatch(/\*/);
        for (const r of asArray(s.Resource as unknown)) expect(r).not.toBe('*');
      }
    });

    it('reads silver parts and telemetry, writes only silver telemetry/', () => {
      expect(asArray(sid('ReadSilverTelemetry').Resource as unknown).map(flat)).toEqual(
        ['${SilverBucket.Arn}/telemetry_parts/*', '${SilverBucket.Arn}/telemetry/*', '${SilverBucket.Arn}/telemetry'].map((r) => flat({ 'Fn::Sub': r })),
      );
      expect(asArray(sid('ReadSilverTelemetry').Action)).toEqual(['s3:GetObject']);
      expect(flat(sid('WriteSilverTelemetry').Resource)).toBe(flat({ 'Fn::Sub': '${SilverBucket.Arn}/telemetry/*' }));
      expect(sid('ListSilverTelemetry').Condition).toBeDefined();
    });

    // The tables the job writes: silver telemetry and every gold table of the contract (trips_public included).
    const written = TABLES.filter((x) => x.layer === 'gold' || x.name === 'telemetry').map((x) => ({ bucket: x.layer === 'gold' ? 'GoldBucket' : 'SilverBucket', prefix: x.prefix }));
    /** The (action, resource) pairs the role grants on one exact object key (no `*`). */
    const onKey = (bucket: string, key: string) =>
      statements.filter((x) => asArray(x.Resource as unknown).some((r) => flat(r) === flat({ 'Fn::Sub': `\${${bucket}.Arn}/${key}` }))).flatMap((x) => asArray(x.Action)).sort();

    it('writes exactly the gold tables of the contract', () => {
      const gold = written.filter((x) => x.bucket === 'GoldBucket').map((x) => ({ 'Fn::Sub': `\${GoldBucket.Arn}/${x.prefix}/*` }));
      expect(gold.map(flat)).toContain(flat({ 'Fn::Sub': '${GoldBucket.Arn}/trips_public/*' }));
      expect(asArray(sid('WriteGoldTables').Resource as unknown).map(flat).sort()).toEqual(gold.map(flat).sort());
      const listed = (sid('ListGoldTables').Condition as { StringLike: Record<string, string[]> }).StringLike['s3:prefix']!;
      expect([...listed].sort()).toEqual(written.filter((x) => x.bucket === 'GoldBucket').flatMap((x) => [x.prefix, `${x.prefix}/*`]).sort());
    });

    it('reads the root key and reads, writes and deletes the _$folder$ marker of every table it writes, and of no other', () => {
      for (const { bucket, prefix } of written) {
        expect([prefix, onKey(bucket, prefix)]).toEqual([prefix, ['s3:GetObject']]);
        expect([prefix, onKey(bucket, `${prefix}_$folder$`)]).toEqual([prefix, ['s3:DeleteObject', 's3:GetObject', 's3:PutObject']]);
      }
      const exactKeys = statements.flatMap((x) => asArray(x.Resource as unknown)).map(flat).filter((r) => /Bucket\.Arn\}\/[^*"]+"/.test(r));
      expect(exactKeys.length).toBe(written.length * 2);
      expect(onKey('SilverBucket', 'telemetry_parts_$folder$')).toEqual([]); // read by partition paths only
    });

    it('reads its files, uses the lake key, writes only Glue job log groups', () => {
      expect(flat(sid('ReadJobFiles').Resource)).toContain('${ServerlessDeploymentBucket}/fleetlake/fleetlake/prod/glue-assets/*');
      expect(sid('UseLakeKey').Resource).toEqual(lakeKey);
      for (const r of asArray(sid('WriteItsLogs').Resource as unknown)) expect(flat(r)).toMatch(/log-group:\/aws-glue\/jobs\*/);
    });
  });
});
