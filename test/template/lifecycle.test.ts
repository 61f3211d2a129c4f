import path from 'node:path';
import type { ServerlessConfig } from '../../local/stepfunctions/serverless-config';
import { loadServerlessConfig, readYaml, REPO_ROOT, resolveVariables } from '../../local/stepfunctions/serverless-config';
import { resolveConditionals } from './conditions';
import { lifecycleFindings, ruleFindings } from './lifecycle-checks';
import type { Template } from './template';
import { loadTemplate } from './template';

// Lifecycle rules S3 accepts, for every stage of serverless.yml `params` (default merged with the stage): the
// bucket definitions (resources/storage.yml) resolved with the stage's params, and the packaged dev and prod templates.

const STAGES = Object.keys((loadServerlessConfig('dev').raw.params ?? {}) as Record<string, unknown>).filter((s) => s !== 'default');

/** resources/storage.yml for a stage, its framework variables resolved (what `sls package` puts in the template). */
function storageFor(config: ServerlessConfig): Template {
  return resolveVariables(readYaml(path.join(REPO_ROOT, 'resources/storage.yml')), config) as Template;
}

const lifecycles = (t: Template) =>
  Object.fromEntries(
    Object.entries(t.Resources)
      .filter(([, r]) => r.Type === 'AWS::S3::Bucket' && r.Properties?.LifecycleConfiguration)
      .map(([id, r]) => [id, resolveConditionals(r.Properties!.LifecycleConfiguration, t)]),
  );

test('the stages are the ones serverless.yml defines', () => {
  expect(STAGES).toEqual(expect.arrayContaining(['local', 'dev', 'prod']));
});

test.each(STAGES)('%s: every lifecycle rule is one S3 accepts', (stage) => {
  expect(lifecycleFindings(storageFor(loadServerlessConfig(stage)))).toEqual([]);
});

test.each(['dev', 'prod'] as const)('%s: the packaged template has the same lifecycle rules, and they pass', (stage) => {
  const packaged = loadTemplate(stage);
  expect(lifecycleFindings(packaged)).toEqual([]);
  expect(lifecycles(packaged)).toEqual(lifecycles(storageFor(loadServerlessConfig(stage))));
});

describe('the checks fail on bad stages (negative tests)', () => {
  const withParams = (stage: string, params: Record<string, unknown>): ServerlessConfig => {
    const c = loadServerlessConfig(stage);
    return { ...c, params: { ...c.params, ...params } };
  };

  test('a dev stage whose bronze expires on the day of its Glacier IR transition (the old dev: 90 and 90)', () => {
    expect(lifecycleFindings(storageFor(withParams('dev', { bronzeGlacierIrDays: 90, bronzeExpireDays: 90 })))).toEqual([
      'BronzeBucket/bronze-tiering: expiration at 90 days is not after the GLACIER_IR transition at 90 days',
    ]);
  });

  test('Standard-IA before 30 days, Glacier IR too soon after it, silver expiring before its cold transition', () => {
    expect(lifecycleFindings(storageFor(withParams('prod', { bronzeInfrequentAccessDays: 20, bronzeGlacierIrDays: 45 })))).toEqual([
      'BronzeBucket/bronze-tiering: STANDARD_IA at 20 days (S3 needs 30 or more)',
      'BronzeBucket/bronze-tiering: GLACIER_IR at 45 days is less than 30 days after STANDARD_IA at 20',
    ]);
    expect(lifecycleFindings(storageFor(withParams('prod', { silverColdAfterDays: 400 })))).toEqual([
      'SilverBucket/silver-telemetry-raw-gps-retention: expiration at 365 days is not after the STANDARD_IA transition at 400 days',
      'SilverBucket/silver-telemetry-parts-raw-gps-retention: expiration at 365 days is not after the GLACIER_IR transition at 400 days',
    ]);
    expect(ruleFindings('r', { ExpirationInDays: 30, Transitions: [{ StorageClass: 'ONEZONE_IA', TransitionInDays: 30 }] })).toEqual([
      'r: expiration at 30 days is not after the ONEZONE_IA transition at 30 days',
    ]);
  });
});
