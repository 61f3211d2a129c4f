// glue-jobs/serverless-glue-assets.cjs inside osls's real Serverless instance and AwsProvider (node_modules/osls),
// uploading to a real S3 API: the pinned moto server, started here on 127.0.0.1. No mock of the provider.
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Moto } from './moto';
import { startMoto } from './moto';

const DRIVER = path.resolve('test/deploy/real-serverless.cjs');
const PLUGIN = path.resolve('glue-jobs/serverless-glue-assets.cjs');
const THIS_FILE = 'test/deploy/glue-assets-plugin.int.test.ts';
const BUCKET = 'glue-assets-deployment-bucket';
const FILES: Record<string, string> = {
  'glue-jobs/job.py': 'print(1)\n',
  'glue-jobs/lib.py': 'X = 1\n',
  'glue-jobs/sql/01_a.sql': 'select 1',
  'glue-jobs/sql/02_b.sql': 'select 2',
};

/** Calls of the SDK v2 surface osls 4 removed (`provider.request(...)`), as `file:line` of the given files. */
function providerRequestCalls(files: Array<{ name: string; text: string }>): string[] {
  const call = /\bprovider\s*\.\s*request\s*\(/;
  return files.flatMap(({ name, text }) => text.split('\n').flatMap((line, i) => (call.test(line) ? [`${name}:${i + 1}`] : [])));
}

let moto: Moto;
let s3: S3Client;
const dirs: string[] = [];

/** A service directory: the Glue files, the plugin (the repo's file, or another source), node_modules of the repo. */
function service(pluginSource?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'glue-assets-svc-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'));
  if (pluginSource === undefined) symlinkSync(PLUGIN, path.join(dir, 'glue-jobs/serverless-glue-assets.cjs'));
  else writeFileSync(path.join(dir, 'glue-jobs/serverless-glue-assets.cjs'), pluginSource);
  return dir;
}

interface Run {
  hooks: string[];
  realProvider: string | false;
  job: { Command: { ScriptLocation: string }; DefaultArguments: Record<string, string> };
  error: string | null;
}

/** The plugin of `dir` in osls's real Serverless and AwsProvider (a plain Node child: see real-serverless.cjs). */
function runInRealServerless(dir: string): Run {
  const { AWS_PROFILE: _p, AWS_SESSION_TOKEN: _t, ...inherited } = process.env;
  const env = { ...inherited, AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'eu-west-1', HOME: dir };
  const out = execFileSync(process.execPath, [DRIVER, dir, BUCKET], { env, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Run;
}

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client({ region: 'eu-west-1', endpoint: moto.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('with the real AwsProvider: hooks registered, files uploaded at the keys the template names, with the bucket encryption', async () => {
  const run = runInRealServerless(service());
  expect(run.error).toBeNull();
  expect(run.realProvider).toBe('AwsProvider');
  expect(run.hooks).toEqual(['after:aws:package:finalize:mergeCustomProviderResources', 'after:aws:deploy:deploy:uploadArtifacts']);
  const key = (v: string) => v.replace(`s3://${BUCKET}/`, '');
  const keys = [run.job.Command.ScriptLocation, run.job.DefaultArguments['--extra-py-files']!, ...run.job.DefaultArguments['--extra-files']!.split(',')].map(key);
  expect(keys.map((k) => k.replace(/glue-assets\/[0-9a-f]{16}\//, 'glue-assets/<hash>/'))).toEqual(
    ['job.py', 'lib.py', 'sql/01_a.sql', 'sql/02_b.sql'].map((f) => `dp/svc/dev/glue-assets/<hash>/glue-jobs/${f}`),
  );
  for (const k of keys) {
    const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: k }));
    expect([k, await obj.Body!.transformToString(), obj.ServerSideEncryption]).toEqual([k, FILES[k.slice(k.indexOf('glue-jobs/'))], 'AES256']);
  }
}, 70_000);

test('a plugin that calls provider.request fails against the real provider (negative test)', () => {
  const source = readFileSync(PLUGIN, 'utf8');
  const bad = source.replace('await s3.send(new PutObjectCommand(params));', "await this.provider.request('S3', 'putObject', params);");
  expect(bad).not.toBe(source);
  const run = runInRealServerless(service(bad));
  expect(run.realProvider).toBe('AwsProvider');
  expect(run.error).toMatch(/^provider\.request\(\) is no longer available/);
  expect(providerRequestCalls([{ name: 'bad-copy.cjs', text: bad }])).toEqual(['bad-copy.cjs:' + (bad.split('\n').findIndex((l) => l.includes('this.provider.request')) + 1)]);
}, 70_000);

test('nothing in the repository calls provider.request', () => {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { encoding: 'utf8' })
    .split('\0')
    .filter((f) => /\.(c|m)?[jt]s$/.test(f) && f !== THIS_FILE) // this file names the call on purpose
    .flatMap((name) => {
      try {
        return [{ name, text: readFileSync(name, 'utf8') }];
      } catch {
        return []; // listed but deleted in the working tree
      }
    });
  expect(files.length).toBeGreaterThan(100);
  expect(files.map((f) => f.name)).toContain('glue-jobs/serverless-glue-assets.cjs');
  expect(providerRequestCalls(files)).toEqual([]);
});
