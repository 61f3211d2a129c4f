import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

// The delivery contract of .github/workflows: CI on PRs and main; deploy via OIDC, dev on main, prod behind an environment.

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; if?: string };
type Job = { needs?: string | string[]; environment?: string | { name: string }; permissions?: Record<string, string>; steps: Step[]; strategy?: { matrix?: Record<string, unknown[]> } };
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> };

const load = (name: string) => parse(readFileSync(`.github/workflows/${name}`, 'utf8')) as Workflow;
const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');
const envName = (job: Job) => (typeof job.environment === 'string' ? job.environment : job.environment?.name);

/** Problems with a CI workflow (empty = it meets the contract). */
export function ciProblems(w: Workflow): string[] {
  const p: string[] = [];
  if (!('pull_request' in w.on)) p.push('not triggered by pull_request');
  const push = w.on.push as { branches?: string[] } | undefined;
  if (!push?.branches?.includes('main')) p.push('not triggered by push to main');
  const jobs = Object.values(w.jobs);
  const all = jobs.map(runs).join('\n');
  for (const cmd of ['npm ci', 'npm run lint', 'npm run typecheck', 'npm test']) if (!all.includes(cmd)) p.push(`missing step: ${cmd}`);
  if (!/package:all|sls package --stage dev/.test(all) || !/package:all|sls package --stage prod/.test(all)) p.push('missing sls package for dev and prod');
  const upload = jobs.flatMap((j) => j.steps).find((s) => s.uses?.startsWith('actions/upload-artifact@'));
  if (!upload || !String(upload.with?.path ?? '').includes('cloudformation-template-update-stack.json')) p.push('packaged template not uploaded as an artifact');
  if (JSON.stringify(w).match(/AWS_SECRET_ACCESS_KEY|aws-secret-access-key/)) p.push('uses long-lived AWS keys');
  return p;
}

/** Problems with a deploy workflow (empty = it meets the contract). */
export function deployProblems(w: Workflow): string[] {
  const p: string[] = [];
  const push = w.on.push as { branches?: string[] } | undefined;
  if (!push?.branches?.includes('main')) p.push('does not deploy on push to main');
  const text = JSON.stringify(w);
  if (/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/i.test(text)) p.push('uses long-lived AWS keys');
  const deployJobs = Object.entries(w.jobs).filter(([, j]) => /sls deploy|serverless deploy/.test(runs(j)));
  for (const [name, j] of deployJobs) {
    const creds = j.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    if (!creds?.with?.['role-to-assume']) p.push(`${name}: no configure-aws-credentials with role-to-assume`);
    const perms = j.permissions ?? w.permissions ?? {};
    if (perms['id-token'] !== 'write') p.push(`${name}: no id-token: write permission (OIDC)`);
  }
  const stageOf = (j: Job) => /--stage (\w+)/.exec(runs(j))?.[1];
  const dev = deployJobs.find(([, j]) => stageOf(j) === 'dev');
  const prod = deployJobs.find(([, j]) => stageOf(j) === 'prod');
  if (!dev) p.push('no dev deploy job');
  if (!prod) p.push('no prod deploy job');
  if (prod) {
    if (envName(prod[1]) !== 'prod') p.push('prod deploy does not run in the `prod` environment (required reviewers)');
    const needs = [prod[1].needs ?? []].flat();
    if (!dev || !needs.includes(dev[0])) p.push('prod deploy does not wait for the dev deploy');
  }
  return p;
}

test('ci.yml: PRs and main; npm ci, lint, typecheck, npm test, sls package dev+prod, template artifact', () => {
  const w = load('ci.yml');
  expect(ciProblems(w)).toEqual([]);
  expect(w.jobs.test!.strategy!.matrix!.node).toEqual([22, 20]);
});

test('deploy.yml: OIDC role assumption, dev on main, prod through the `prod` environment after dev', () => {
  expect(deployProblems(load('deploy.yml'))).toEqual([]);
});

test('the checks catch broken workflows (negative tests)', () => {
  const ci = load('ci.yml');
  expect(ciProblems({ ...ci, on: { push: { branches: ['dev'] } } })).toEqual(['not triggered by pull_request', 'not triggered by push to main']);
  const noTests = structuredClone(ci);
  noTests.jobs.test!.steps = noTests.jobs.test!.steps.filter((s) => s.run !== 'npm run typecheck' && !s.uses?.startsWith('actions/upload-artifact'));
  expect(ciProblems(noTests)).toEqual(['missing step: npm run typecheck', 'packaged template not uploaded as an artifact']);

  const deploy = load('deploy.yml');
  const keys = structuredClone(deploy);
  const creds = keys.jobs.prod!.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'))!;
  creds.with = { 'aws-access-key-id': '${{ secrets.KEY }}', 'aws-secret-access-key': '${{ secrets.SECRET }}' };
  keys.jobs.prod!.environment = undefined;
  keys.jobs.prod!.needs = undefined;
  delete keys.jobs.dev!.permissions;
  expect(deployProblems(keys)).toEqual([
    'uses long-lived AWS keys',
    'dev: no id-token: write permission (OIDC)',
    'prod: no configure-aws-credentials with role-to-assume',
    'prod deploy does not run in the `prod` environment (required reviewers)',
    'prod deploy does not wait for the dev deploy',
  ]);
});
