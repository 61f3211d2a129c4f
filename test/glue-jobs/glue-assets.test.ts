import { describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/* eslint-disable @typescript-eslint/no-explicit-any */
const require = createRequire(import.meta.url);
const Plugin = require('../../glue-jobs/serverless-glue-assets.cjs') as any;

function service(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'glue-assets-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const jobTemplate = () => ({
  Resources: {
    Job: {
      Type: 'AWS::Glue::Job',
      Properties: {
        Command: { ScriptLocation: 'glue-jobs/job.py' },
        DefaultArguments: { '--extra-py-files': 'glue-jobs/lib.py', '--extra-files': 'glue-jobs/sql/*.sql', '--other': 'glue-jobs/x' },
      },
    },
    Other: { Type: 'AWS::S3::Bucket', Properties: {} },
  },
});

describe('serverless-glue-assets', () => {
  const files = { 'glue-jobs/job.py': 'print(1)\n', 'glue-jobs/lib.py': 'X = 1\n', 'glue-jobs/sql/02_b.sql': 'select 2', 'glue-jobs/sql/01_a.sql': 'select 1', 'glue-jobs/sql/notes.md': '' };

  it('hashes paths and contents: any change gives a new prefix', () => {
    const a = service(files);
    const b = service({ ...files, 'glue-jobs/sql/02_b.sql': 'select 3' });
    try {
      const rels = ['glue-jobs/job.py', 'glue-jobs/sql/02_b.sql'];
      expect(Plugin.contentHash(a, rels)).toMatch(/^[0-9a-f]{16}$/);
      expect(Plugin.contentHash(a, rels)).toBe(Plugin.contentHash(a, [...rels].reverse()));
      expect(Plugin.contentHash(a, rels)).not.toBe(Plugin.contentHash(b, rels));
      expect(Plugin.expandPaths(a, './glue-jobs/job.py, glue-jobs/sql/*.sql')).toEqual(['glue-jobs/job.py', 'glue-jobs/sql/01_a.sql', 'glue-jobs/sql/02_b.sql']);
      expect(() => Plugin.expandPaths(a, 'glue-jobs/missing.py')).toThrow(/does not exist/);
      expect(() => Plugin.expandPaths(a, 'glue-jobs/*.scala')).toThrow(/matches no file/);
    } finally {
      rmSync(a, { recursive: true });
      rmSync(b, { recursive: true });
    }
  });

  it('rewrites local paths to keys under <prefix>/<service>/<stage>/glue-assets/<hash>/', () => {
    const dir = service(files);
    try {
      const t = jobTemplate();
      const { hash, files: assets } = Plugin.rewriteTemplate(t, { serviceDir: dir, bucket: 'deploy-bucket', deploymentPrefix: 'dp', service: 'svc', stage: 'prod' });
      const p = `dp/svc/prod/glue-assets/${hash}`;
      expect(t.Resources.Job.Properties.Command.ScriptLocation).toBe(`s3://deploy-bucket/${p}/glue-jobs/job.py`);
      expect(t.Resources.Job.Properties.DefaultArguments['--extra-files']).toBe(`s3://deploy-bucket/${p}/glue-jobs/sql/01_a.sql,s3://deploy-bucket/${p}/glue-jobs/sql/02_b.sql`);
      expect(t.Resources.Job.Properties.DefaultArguments['--other']).toBe('glue-jobs/x');
      expect(assets.map((f: any) => f.key)).toEqual(['job.py', 'lib.py', 'sql/01_a.sql', 'sql/02_b.sql'].map((f) => `${p}/glue-jobs/${f}`));
      // already-S3 values are left alone
      const again = Plugin.rewriteTemplate(t, { serviceDir: dir, bucket: 'x', deploymentPrefix: 'dp', service: 'svc', stage: 'prod' });
      expect(again).toEqual({ hash: null, files: [] });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('packages the files next to the template and uploads them at deploy with the provider', async () => {
    const dir = service(files);
    try {
      const request = jest.fn(async (..._args: unknown[]) => ({}));
      const provider = { getStage: () => 'dev', request, getServerlessDeploymentBucketName: async () => 'the-deploy-bucket' };
      const template = jobTemplate();
      const sls = {
        serviceDir: dir,
        getProvider: () => provider,
        cli: { log: () => undefined },
        service: { service: 'svc', provider: { deploymentPrefix: 'dp', compiledCloudFormationTemplate: template, deploymentBucketObject: { serverSideEncryption: 'AES256' } } },
      };
      const plugin = new Plugin(sls, {});
      expect(Object.keys(plugin.hooks)).toEqual(['after:aws:package:finalize:mergeCustomProviderResources', 'after:aws:deploy:deploy:uploadArtifacts']);
      plugin.package();
      expect(template.Resources.Job.Properties.Command.ScriptLocation).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: 'ServerlessDeploymentBucket' }, expect.stringMatching(/^\/dp\/svc\/dev\/glue-assets\/[0-9a-f]{16}\/glue-jobs\/job\.py$/)]] });
      expect(readFileSync(path.join(dir, '.serverless/glue-assets/glue-jobs/sql/02_b.sql'), 'utf8')).toBe('select 2');
      await plugin.upload();
      expect(request).toHaveBeenCalledTimes(4);
      const [svc, op, params] = request.mock.calls[0] as [string, string, any];
      expect([svc, op, params.Bucket, params.ServerSideEncryption, String(params.Body)]).toEqual(['S3', 'putObject', 'the-deploy-bucket', 'AES256', 'print(1)\n']);
      expect(params.Key).toMatch(/^dp\/svc\/dev\/glue-assets\/[0-9a-f]{16}\/glue-jobs\/job\.py$/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
