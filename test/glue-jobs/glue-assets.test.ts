import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  // Packaging and upload inside osls's real Serverless and provider, against moto: test/deploy/glue-assets-plugin.int.test.ts.
});
