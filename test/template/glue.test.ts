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
  const files = ['glue-jobs/features.py', 'glue-jobs/features_lib.py', ...sqlFiles.map((f) => `glue-jobs/sql/${f}`)];
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
    expect(keys(props.DefaultArguments['--extra-files'])).toEqual(sqlFiles.map((f) => `${prefix}/glue-jobs/sql/${f}`));
    const manifest = JSON.parse(readFileSync(path.join('.package/prod/glue-assets/glue-assets.json'), 'utf8')) as { files: Array<{ rel: string; key: string }> };
    expect(manifest.files.map((f) => f.key).sort()).toEqual(files.map((f) => `${prefix}/${f}`).sort());
    for (const f of manifest.files) expect(readFileSync(path.join('.package/prod/glue-assets', f.rel), 'utf8')).toBe(readFileSync(f.rel, 'utf8'));
  });

  it('has bookmarks off, continuous logging, dynamic partition overwrite and the lake buckets', () => {
    expect(props.DefaultArguments).toMatchObject({
      '--job-bookmark-option': 'job-bookmark-disable',
      '--enable-continuous-cloudwatch-log': 'true',
      '--conf': 'spark.sql.sources.partitionOverwriteMode=dynamic',
      '--silver_bucket': { Ref: 'SilverBucket' },
      '--gold_bucket': { Ref: 'GoldBucket' },
    });
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
      expect(flat(sid('ReadSilverTelemetry').Resource)).toBe(flat([{ 'Fn::Sub': '${SilverBucket.Arn}/telemetry_parts/*' }, { 'Fn::Sub': '${SilverBucket.Arn}/telemetry/*' }]));
      expect(asArray(sid('ReadSilverTelemetry').Action)).toEqual(['s3:GetObject']);
      expect(flat(sid('WriteSilverTelemetry').Resource)).toBe(flat({ 'Fn::Sub': '${SilverBucket.Arn}/telemetry/*' }));
      expect(sid('ListSilverTelemetry').Condition).toBeDefined();
    });

    it('writes exactly the gold tables of the contract', () => {
      const gold = TABLES.filter((x) => x.layer === 'gold').map((x) => ({ 'Fn::Sub': `\${GoldBucket.Arn}/${x.prefix}/*` }));
      expect(asArray(sid('WriteGoldTables').Resource as unknown).map(flat).sort()).toEqual(gold.map(flat).sort());
    });

    it('reads its files, uses the lake key, writes only Glue job log groups', () => {
      expect(flat(sid('ReadJobFiles').Resource)).toContain('${ServerlessDeploymentBucket}/fleetlake/fleetlake/prod/glue-assets/*');
      expect(sid('UseLakeKey').Resource).toEqual(lakeKey);
      for (const r of asArray(sid('WriteItsLogs').Resource as unknown)) expect(flat(r)).toMatch(/log-group:\/aws-glue\/jobs\*/);
    });
  });
});
