// The real deploy path against a local AWS endpoint: the pinned moto server, started here on 127.0.0.1, and the real
// `sls deploy` (node_modules/.bin/sls, osls 4) with dummy credentials and an empty HOME. moto's CloudFormation stops
// the stack update (see motoSubLimitation and docs/deploy.md); everything up to it is real: packaging, the
// deployment stack, template validation, every upload, the change sets. About 65 s on two cores when idle.
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Template } from '../template/template';
import type { Artifact } from './artifacts';
import { artifactKeys, missingArtifacts, motoSubLimitation } from './artifacts';
import type { Moto } from './moto';
import { startMoto } from './moto';

const SLS = path.resolve('node_modules/.bin/sls');
const REGION = 'eu-west-1';
const DEPLOY_TIMEOUT_MS = 240_000; // a deploy takes 25-95 s here, depending on what else runs

let moto: Moto;
let home: string;
let s3: S3Client;

interface Run {
  code: number | null;
  out: string;
  seconds: number;
}

/** Runs the real CLI against moto only: a fresh environment (no profile, no real keys), an empty HOME. */
function sls(args: string[], timeoutMs = DEPLOY_TIMEOUT_MS): Promise<Run> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: REGION,
    SLS_TELEMETRY_DISABLED: '1',
  };
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(SLS, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Buckets of a stage's stack in moto (CloudFormation names them `<stack>-<logical id>-<suffix>`, lower case). */
async function stackBuckets(stage: string): Promise<string[]> {
  const { Buckets } = await s3.send(new ListBucketsCommand({}));
  return (Buckets ?? []).map((b) => b.Name!).filter((n) => n.startsWith(`fleetlake-${stage}-`));
}

/** What a deploy left in moto: the deployment bucket, its keys, and the template it uploaded last. */
async function deployed(stage: string) {
  const buckets = (await stackBuckets(stage)).filter((n) => n.startsWith(`fleetlake-${stage}-serverlessdeploymentbucket-`));
  expect(buckets).toHaveLength(1);
  const bucket = buckets[0]!;
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  const templateKey = keys.filter((k) => k.endsWith('/compiled-cloudformation-template.json')).sort().at(-1);
  if (!templateKey) throw new Error(`no compiled template in s3://${bucket}: ${keys.join(', ')}`);
  const body = async (key: string) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
  const template = JSON.parse((await body(templateKey)).toString('utf8')) as Template;
  return { bucket, keys, template, body };
}

/** The deploy either completed, or stopped exactly at moto's known Fn::Sub limitation; anything else fails. */
function expectDeployedAsFarAsMotoAllows(run: Run, template: Template) {
  const tail = run.out.slice(-3000);
  expect(run.out).toContain('Executing created change set'); // the deployment stack was created
  expect(run.out).toMatch(/serverless-glue-assets: uploaded \d+ Glue job files/);
  if (run.code === 0) return 'deployed';
  const stop = motoSubLimitation(template, moto.log());
  expect(stop ? 'moto Fn::Sub limitation' : `another failure (exit ${run.code}):\n${tail}`).toBe('moto Fn::Sub limitation');
  return `stopped by moto at ${stop!.stateMachine} (Fn::Sub variable ${stop!.variable})`;
}

/** Every artifact the template names is in the bucket at that key, with the bytes packaged from this checkout. */
async function expectArtifacts(d: Awaited<ReturnType<typeof deployed>>) {
  const artifacts = artifactKeys(d.template);
  const byKind = (a: Artifact) => (a.property === 'Code.S3Key' ? 'lambda' : a.property);
  const sqlFiles = readdirSync('glue-jobs/sql').filter((f) => f.endsWith('.sql'));
  // --extra-files: every SQL step and tables.json (their column contract)
  expect(artifacts.map(byKind).sort()).toEqual(['--extra-py-files', ...sqlFiles.map(() => '--extra-files'), '--extra-files', 'ScriptLocation', 'lambda', 'lambda', 'lambda'].sort());
  expect(missingArtifacts(artifacts, d.keys)).toEqual([]);
  for (const a of artifacts) {
    const local = a.property === 'Code.S3Key' ? path.join('.serverless', path.basename(a.key)) : a.key.slice(a.key.indexOf('/glue-jobs/') + 1);
    expect([a.key, (await d.body(a.key)).equals(readFileSync(local))]).toEqual([a.key, true]);
  }
  return artifacts.length;
}

beforeAll(async () => {
  moto = await startMoto();
  home = mkdtempSync(path.join(tmpdir(), 'fleetlake-deploy-home-'));
  s3 = new S3Client({ region: REGION, endpoint: moto.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('sls deploy --stage dev against moto', () => {
  let run: Run;
  beforeAll(async () => {
    run = await sls(['deploy', '--stage', 'dev', '--verbose']);
  }, DEPLOY_TIMEOUT_MS + 10_000);

  test('runs the whole path up to where moto stops it', async () => {
    const d = await deployed('dev');
    const outcome = expectDeployedAsFarAsMotoAllows(run, d.template);
    console.log(`sls deploy --stage dev: ${outcome}, exit ${run.code}, ${run.seconds.toFixed(0)} s`);
  });

  test('every artifact the template references is in the deployment bucket at that key', async () => {
    const d = await deployed('dev');
    const n = await expectArtifacts(d);
    expect(d.keys.some((k) => /^fleetlake\/fleetlake\/dev\/glue-assets\/[0-9a-f]{16}\/glue-jobs\/features\.py$/.test(k))).toBe(true);
    console.log(`dev: ${n} artifacts verified in s3://${d.bucket}`);
  });
});

describe('sls deploy --stage prod against moto', () => {
  test('without an alarm destination: refused with one line, before anything is packaged or created', async () => {
    const run = await sls(['deploy', '--stage', 'prod'], 60_000);
    expect(run.code).toBe(1);
    const lines = run.out.split('\n');
    const error = lines[lines.findIndex((l) => l.trim() === 'Error:') + 1];
    expect(error).toBe('Stage prod needs an alarm destination, or its alarms and failure notices reach no one: deploy with --param="alarmEmail=<address>".');
    expect(run.out).not.toContain('Packaging');
    expect(await stackBuckets('prod')).toEqual([]); // no deployment stack, no upload
  }, 70_000);

  test('with --param="alarmEmail=…": gets as far as dev, the address subscribed in the template', async () => {
    const run = await sls(['deploy', '--stage', 'prod', '--verbose', '--param=alarmEmail=oncall@example.com']);
    const d = await deployed('prod');
    const outcome = expectDeployedAsFarAsMotoAllows(run, d.template);
    expect((d.template as { Parameters?: Record<string, { Default?: unknown }> }).Parameters?.AlarmEmail?.Default).toBe('oncall@example.com');
    await expectArtifacts(d);
    console.log(`sls deploy --stage prod --param=alarmEmail=…: ${outcome}, exit ${run.code}, ${run.seconds.toFixed(0)} s`);
  }, DEPLOY_TIMEOUT_MS + 10_000);
});

describe('the deploy checks fail on bad input (negative tests)', () => {
  const template = (): Template => ({
    Resources: {
      CleanLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Bucket: { Ref: 'ServerlessDeploymentBucket' }, S3Key: 'p/clean.zip' } } },
      Job: {
        Type: 'AWS::Glue::Job',
        Properties: {
          Command: { ScriptLocation: { 'Fn::Join': ['', ['s3://', { Ref: 'ServerlessDeploymentBucket' }, '/p/glue-jobs/features.py']] } },
          DefaultArguments: {
            '--extra-py-files': { 'Fn::Join': ['', ['s3://', { Ref: 'ServerlessDeploymentBucket' }, '/p/glue-jobs/lib.py']] },
            '--extra-files': { 'Fn::Join': ['', ['s3://', { Ref: 'ServerlessDeploymentBucket' }, '/p/sql/1.sql', ',s3://', { Ref: 'ServerlessDeploymentBucket' }, '/p/sql/2.sql']] },
          },
        },
      },
      Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: { 'Fn::Sub': ['{"Resource":"${31d59a4f69be97de1669a33c1ce2a908}"}', { '31d59a4f69be97de1669a33c1ce2a908': { 'Fn::GetAtt': ['CleanLambdaFunction', 'Arn'] } }] } } },
    },
  });

  test('a missing artifact, and an asset left at a local path, are reported', () => {
    const all = artifactKeys(template()).map((a) => a.key);
    expect(all).toEqual(['p/clean.zip', 'p/glue-jobs/features.py', 'p/glue-jobs/lib.py', 'p/sql/1.sql', 'p/sql/2.sql']);
    expect(missingArtifacts(artifactKeys(template()), all.filter((k) => k !== 'p/sql/2.sql'))).toEqual(['Job.--extra-files: s3://<deployment bucket>/p/sql/2.sql is missing']);
    const local = template();
    (local.Resources.Job!.Properties!.DefaultArguments as Record<string, unknown>)['--extra-files'] = 'glue-jobs/sql/*.sql';
    expect(() => artifactKeys(local)).toThrow('Job.DefaultArguments.--extra-files: not an s3:// location in the deployment bucket');
  });

  test('only moto\'s Fn::Sub limitation counts as "as far as moto allows"', () => {
    const trace = "moto/cloudformation/responses.py, in execute_change_set\nKeyError: '31d59a4f69be97de1669a33c1ce2a908'";
    expect(motoSubLimitation(template(), trace)).toEqual({ stateMachine: 'Machine', variable: '31d59a4f69be97de1669a33c1ce2a908' });
    expect(motoSubLimitation(template(), "in execute_change_set\nKeyError: 'FeaturesGlueJob'")).toBeNull(); // a real missing resource
    expect(motoSubLimitation(template(), "in validate_template\nKeyError: '31d59a4f69be97de1669a33c1ce2a908'")).toBeNull();
    expect(motoSubLimitation(template(), '')).toBeNull();
  });
});
