import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parse } from 'yaml';
import { loadTemplate } from './template';

// cdk-nag's AwsSolutions rules over the packaged prod template, loaded with CfnInclude. Suppressions: one reviewed
// file with a reason each (test/template/nag-suppressions.yml).

interface Suppression {
  rule: string;
  resources: string[];
  finding?: string;
  reason: string;
}

const TEMPLATE = path.resolve('.package/prod/cloudformation-template-update-stack.json');
const SUPPRESSIONS = parse(readFileSync(path.resolve('test/template/nag-suppressions.yml'), 'utf8')) as Suppression[];

/** AwsSolutionsChecks that also records which rules it evaluated. */
class CountingChecks extends AwsSolutionsChecks {
  readonly rulesEvaluated = new Set<string>();
  protected override applyRule(params: Parameters<AwsSolutionsChecks['applyRule']>[0]): void {
    this.rulesEvaluated.add(params.ruleSuffixOverride ?? params.rule.name);
    super.applyRule(params);
  }
}

interface Finding {
  ruleName: string; // e.g. AwsSolutions-IAM5[Resource::*]
  severity: string;
  logicalId: string;
}

function findings(report: PolicyValidationPluginReport): Finding[] {
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => ({ ruleName: v.ruleName, severity: v.severity ?? 'error', logicalId: (r.constructPath ?? '').split('/').at(-1)! })),
  );
}

const ruleOf = (name: string) => name.replace(/\[.*\]$/, '');
const findingOf = (name: string) => /\[(.*)\]$/.exec(name)?.[1];

/** The suppression entry that accepts a finding, if any. */
function suppressionFor(f: Finding): Suppression | undefined {
  return SUPPRESSIONS.find(
    (s) => s.rule === ruleOf(f.ruleName) && s.resources.includes(f.logicalId) && (s.finding === undefined ? findingOf(f.ruleName) === undefined : new RegExp(s.finding).test(findingOf(f.ruleName) ?? '')),
  );
}

// CDK's own default CloudFormation validation (a different tool, ~30 s here) is off: this test is about cdk-nag.
process.env.CDK_VALIDATION = 'false';

function nag(templateFile: string, acknowledge: boolean) {
  const app = new App();
  const stack = new Stack(app, 'fleetlake');
  const included = new CfnInclude(stack, 'Template', { templateFile });
  const checks = new CountingChecks(app);
  const raw = findings(checks.validateScope(app));
  if (!acknowledge) return { app, raw, remaining: raw, rules: checks.rulesEvaluated, acknowledged: [] as Finding[] };
  const acknowledged: Finding[] = [];
  for (const f of raw) {
    const s = suppressionFor(f);
    if (!s) continue;
    Validations.of(included.getResource(f.logicalId)).acknowledge({ id: f.ruleName, reason: s.reason });
    acknowledged.push(f);
  }
  const remaining = findings(new CountingChecks(app).validateScope(app));
  return { app, raw, remaining, rules: checks.rulesEvaluated, acknowledged };
}

describe('cdk-nag AwsSolutions over the packaged prod template', () => {
  loadTemplate('prod'); // fails with a clear message when the template was not packaged
  const result = nag(TEMPLATE, true);

  test('the template synthesises through CfnInclude', () => {
    expect(() => result.app.synth({ validateOnSynthesis: false })).not.toThrow();
    expect(result.rules.size).toBeGreaterThan(100);
  });

  test('0 unsuppressed errors', () => {
    const errors = result.remaining.filter((f) => f.severity === 'error').map((f) => `${f.logicalId}: ${f.ruleName}`);
    expect(errors).toEqual([]);
  });

  test('0 unsuppressed warnings', () => {
    expect(result.remaining.map((f) => `${f.logicalId}: ${f.ruleName}`)).toEqual([]);
  });

  test('every suppression has a reason and still matches a finding (no stale entries)', () => {
    for (const s of SUPPRESSIONS) {
      expect(s.reason.length).toBeGreaterThan(40);
      const used = result.acknowledged.some((f) => suppressionFor(f) === s);
      expect(used ? 'used' : `stale suppression: ${s.rule} ${s.finding ?? ''} on ${s.resources.join(',')}`).toBe('used');
    }
    // Printed for the report: rules evaluated, raw findings, suppressed findings.
    console.log(`cdk-nag AwsSolutions: ${result.rules.size} rules, ${result.raw.length} findings, ${result.acknowledged.length} suppressed by ${SUPPRESSIONS.length} entries, ${result.remaining.length} remaining`);
  });

  test('a bad resource is reported (negative test): the checks are live', () => {
    const bad = {
      Resources: {
        OpenBucket: { Type: 'AWS::S3::Bucket', Properties: {} },
        AdminRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
            Policies: [{ PolicyName: 'admin', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }],
          },
        },
      },
    };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'nag-')), 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    const names = nag(file, true).remaining.map((f) => `${f.logicalId}: ${f.ruleName}`);
    expect(names).toEqual(expect.arrayContaining(['OpenBucket: AwsSolutions-S1', 'OpenBucket: AwsSolutions-S10', 'AdminRole: AwsSolutions-IAM5[Action::s3:*]', 'AdminRole: AwsSolutions-IAM5[Resource::*]']));
  });
});
