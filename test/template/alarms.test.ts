import { readFileSync } from 'node:fs';
import type { EventRule, ThresholdRule } from '../../local/status/rules';
import { loadAlarmRules } from '../../local/status/rules';
import { loadServerlessConfig } from '../../local/stepfunctions/serverless-config';
import { conditionValues, resolveConditionals } from './conditions';
import type { Template } from './template';
import { loadTemplate, resource, resourcesOfType } from './template';

// The packaged alarms must agree with resources/alarm-rules.yml, the definition `fleetlake status` evaluates locally.
const rules = loadAlarmRules();
const thresholdRules = rules.filter((r): r is ThresholdRule => r.kind !== 'event');
const eventRules = rules.filter((r): r is EventRule => r.kind === 'event');
const FUNCTION_IDS: Record<string, string> = { clean: 'CleanLambdaFunction', plan: 'PlanLambdaFunction', commit: 'CommitLambdaFunction' };

type Props = Record<string, unknown>;
type Dim = { Name: string; Value: unknown };
type MetricStat = { Metric: { Namespace: string; MetricName: string; Dimensions: Dim[] }; Period: number; Stat: string };
type Query = { Id: string; Expression?: string; MetricStat?: MetricStat; ReturnData?: boolean };

function alarmsByName(t: Template): Map<string, Props> {
  return new Map(resourcesOfType(t, 'AWS::CloudWatch::Alarm').map(([, r]) => [String(r.Properties!.AlarmName), r.Properties!]));
}

/** The dimensions a rule's metric must have in the template (stage added for fleetlake's own metrics). */
function expectedDimensions(rule: ThresholdRule, stage: string, fn?: string): Dim[] {
  const dims: Dim[] = Object.entries(rule.dimensions).map(([Name, v]) => {
    if (v === '<function>') return { Name, Value: { Ref: FUNCTION_IDS[fn!] } };
    return rule.namespace === 'fleetlake' ? { Name, Value: v } : { Name, Value: { Ref: v } };
  });
  if (rule.namespace === 'fleetlake') dims.push({ Name: 'stage', Value: stage });
  return dims;
}

const sortDims = (d: Dim[]) => [...d].sort((a, b) => a.Name.localeCompare(b.Name));

/** Checks one packaged alarm against its rule; returns the problems (empty = agrees). */
function disagreements(p: Props, rule: ThresholdRule, stage: 'dev' | 'prod', fn?: string): string[] {
  const problems: string[] = [];
  const eq = (what: string, have: unknown, want: unknown) => {
    if (JSON.stringify(have) !== JSON.stringify(want)) problems.push(`${what}: template ${JSON.stringify(have)}, rule ${JSON.stringify(want)}`);
  };
  eq('Threshold', p.Threshold, rule.threshold);
  eq('ComparisonOperator', p.ComparisonOperator, rule.comparison);
  eq('EvaluationPeriods', p.EvaluationPeriods, rule.evaluationPeriods);
  eq('DatapointsToAlarm', p.DatapointsToAlarm, rule.datapointsToAlarm);
  const t = rule.treatMissingData;
  eq('TreatMissingData', p.TreatMissingData, typeof t === 'string' ? t : { 'Fn::If': ['GoldFreshnessScheduleOn', t.scheduleOn, t.scheduleOff] });
  const dims = sortDims(expectedDimensions(rule, stage, fn));
  if (rule.kind === 'metric' && !rule.cadenceParam) {
    eq('Namespace', p.Namespace, rule.namespace);
    eq('MetricName', p.MetricName, rule.metric);
    eq('Statistic', p.Statistic, rule.statistic);
    eq('Period', p.Period, rule.periodSeconds);
    eq('Dimensions', sortDims(p.Dimensions as Dim[]), dims);
    return problems;
  }
  const queries = p.Metrics as Query[];
  const byName = new Map(queries.filter((q) => q.MetricStat).map((q) => [q.MetricStat!.Metric.MetricName, q]));
  const names = rule.kind === 'ratio' ? [rule.numerator!, rule.denominator!] : rule.kind === 'metric' ? [rule.metric!] : rule.metrics!;
  eq('metrics', [...byName.keys()].sort(), [...names].sort());
  for (const [name, q] of byName) {
    eq(`${name} namespace`, q.MetricStat!.Metric.Namespace, rule.namespace);
    eq(`${name} Stat`, q.MetricStat!.Stat, rule.statistic);
    eq(`${name} Period`, q.MetricStat!.Period, rule.periodSeconds);
    const have = sortDims(q.MetricStat!.Metric.Dimensions);
    // IoT `Failure` also carries the ActionType dimension of the rule's action.
    const want = name === 'Failure' && rule.actionType ? sortDims([...dims, { Name: 'ActionType', Value: rule.actionType }]) : dims;
    eq(`${name} Dimensions`, have, want);
    eq(`${name} ReturnData`, q.ReturnData, false);
  }
  const id = (n: string) => byName.get(n)?.Id;
  const expression = queries.filter((q) => q.ReturnData).map((q) => q.Expression);
  // A cadence rule: the metric less 60 × the stage's param, the same number `fleetlake status` adds to the threshold.
  const cadence = () => `${id(rule.metric!)} - 60 * ${String(loadServerlessConfig(stage).params[rule.cadenceParam!])}`;
  eq(
    'Expression',
    expression,
    rule.kind === 'ratio' ? [`100 * FILL(${id(rule.numerator!)}, 0) / ${id(rule.denominator!)}`] : rule.kind === 'metric' ? [cadence()] : [names.map((n) => `FILL(${id(n)}, 0)`).join(' + ')],
  );
  return problems;
}

/** The alarms a rule becomes: one, or one per function. */
const alarmNamesOf = (rule: ThresholdRule, stage: string) =>
  rule.functions ? rule.functions.map((fn) => [`fleetlake-${stage}-${rule.name}-${fn}`, fn] as const) : [[`fleetlake-${stage}-${rule.name}`, undefined] as const];

describe.each(['prod', 'dev'] as const)('%s alarms agree with resources/alarm-rules.yml', (stage) => {
  const t = loadTemplate(stage);
  const alarms = alarmsByName(t);

  test.each(thresholdRules.map((r) => [r.name, r] as const))('%s', (_name, rule) => {
    for (const [alarmName, fn] of alarmNamesOf(rule, stage)) {
      const p = alarms.get(alarmName);
      expect(p).toBeDefined();
      expect(disagreements(p!, rule, stage, fn)).toEqual([]);
    }
  });

  test('no alarm without a rule, and every alarm notifies the alarm topic on ALARM and OK', () => {
    const expected = thresholdRules.flatMap((r) => alarmNamesOf(r, stage).map(([n]) => n)).sort();
    expect([...alarms.keys()].sort()).toEqual(expected);
    for (const p of alarms.values()) {
      expect(p.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
      expect(p.OKActions).toEqual([{ Ref: 'AlarmTopic' }]);
    }
  });

  test.each(eventRules.map((r) => [r.name, r] as const))('%s is an EventBridge rule on the features job to the alarm topic', (_n, rule) => {
    const r = resource(t, `${rule.name}Rule`).Properties!;
    expect(r.EventPattern).toEqual({
      source: [rule.source],
      'detail-type': [rule.detailType],
      detail: { jobName: [{ Ref: 'FeaturesGlueJob' }], state: rule.states },
    });
    expect(r.State).toBe('ENABLED');
    expect(r.Targets).toEqual([expect.objectContaining({ Arn: { Ref: 'AlarmTopic' } })]);
  });
});

test('gold freshness treats missing data as breaching only where the schedule is on (prod on, dev off)', () => {
  const rule = resource(loadTemplate('prod'), 'GoldFreshnessAlarm').Properties!.TreatMissingData;
  const treat = (stage: 'prod' | 'dev') => resolveConditionals(rule, loadTemplate(stage));
  const { scheduleOn, scheduleOff } = thresholdRules.find((r) => r.name === 'GoldFreshness')!.treatMissingData as { scheduleOn: string; scheduleOff: string };
  expect([treat('prod'), treat('dev')]).toEqual([scheduleOn, scheduleOff]);
  expect(conditionValues(loadTemplate('prod')).GoldFreshnessScheduleOn).toBe(true);
  expect(conditionValues(loadTemplate('dev')).GoldFreshnessScheduleOn).toBe(false);
});

test('the alarm topic is KMS-encrypted and its policy lets CloudWatch and EventBridge publish, TLS only', () => {
  const t = loadTemplate('prod');
  expect(resource(t, 'AlarmTopic').Properties!.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': ['LakeKey', 'Arn'] });
  const policies = resourcesOfType(t, 'AWS::SNS::TopicPolicy');
  expect(policies.length).toBe(1);
  const text = JSON.stringify(policies[0]![1].Properties);
  expect(text).toContain('cloudwatch.amazonaws.com');
  expect(text).toContain('events.amazonaws.com');
  expect(text).toContain('"aws:SecureTransport":"false"');
  const keyPolicy = JSON.stringify(resource(t, 'LakeKey').Properties!.KeyPolicy);
  expect(keyPolicy).toContain('cloudwatch.amazonaws.com');
  expect(keyPolicy).toContain('events.amazonaws.com');
});

test('every alarm description says what to do and links an existing runbook section', () => {
  const runbook = readFileSync('docs/runbook.md', 'utf8');
  // GitHub heading anchors: lower case, spaces to dashes, punctuation dropped.
  const anchors = new Set([...runbook.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));
  const t = loadTemplate('prod');
  const descriptions = [
    ...resourcesOfType(t, 'AWS::CloudWatch::Alarm').map(([, r]) => String(r.Properties!.AlarmDescription)),
    ...eventRules.map((r) => String(resource(t, `${r.name}Rule`).Properties!.Description)),
  ];
  for (const d of descriptions) {
    const anchor = /docs\/runbook\.md#([a-z0-9-]+)/.exec(d)?.[1];
    expect(anchor && anchors.has(anchor) ? anchor : `missing or dangling link in: ${d}`).toBe(anchor);
  }
  for (const r of rules) expect(anchors).toContain(r.runbook);
});

test('the dashboard shows ingest, samples, pipeline runs and duration, gold lag and Athena bytes', () => {
  const t = loadTemplate('prod');
  const [body, vars] = (resource(t, 'OperationsDashboard').Properties!.DashboardBody as { 'Fn::Sub': [string, Record<string, unknown>] })['Fn::Sub'];
  // Substitute every ${...} as CloudFormation would (dummy values), then it must be valid dashboard JSON.
  const json = body.replace(/\$\{([^}]+)\}/g, (_m, name: string) => (name in vars ? String(vars[name]) : `dummy-${name}`));
  const dash = JSON.parse(json) as { widgets: Array<{ type: string; properties: { metrics?: unknown[][]; alarms?: string[] } }> };
  const metrics = dash.widgets.flatMap((w) => w.properties.metrics ?? []).map((m) => m.filter((x) => typeof x === 'string').slice(0, 2).join(' '));
  for (const m of ['AWS/IoT TopicMatch', 'AWS/Firehose IncomingRecords', 'fleetlake SamplesValid', 'fleetlake SamplesQuarantined', 'AWS/States ExecutionsSucceeded', 'AWS/States ExecutionsFailed', 'AWS/States ExecutionTime', 'fleetlake GoldLagSeconds', 'AWS/Athena ProcessedBytes']) {
    expect(metrics).toContain(m);
  }
  // Every alarm appears in the alarm widget; every ${Resource} it names exists.
  const alarmWidget = dash.widgets.find((w) => w.type === 'alarm')!;
  expect(alarmWidget.properties.alarms!.length).toBe(resourcesOfType(t, 'AWS::CloudWatch::Alarm').length);
  for (const [, name] of body.matchAll(/\$\{([A-Za-z0-9]+)(?:\.Arn)?\}/g)) if (!(name! in vars)) expect(Object.keys(t.Resources)).toContain(name);
});

test('the agreement check catches a drifted threshold, metric or expression (negative test)', () => {
  const t = loadTemplate('prod');
  const q = alarmsByName(t).get('fleetlake-prod-QuarantineRatio')!;
  const rule = thresholdRules.find((r) => r.name === 'QuarantineRatio')!;
  expect(disagreements(q, rule, 'prod')).toEqual([]);
  expect(disagreements({ ...q, Threshold: 5 }, rule, 'prod')).toEqual(['Threshold: template 5, rule 1']);
  const swapped = (q.Metrics as Query[]).map((m) => (m.Expression ? { ...m, Expression: '100 * FILL(samples, 0) / quarantined' } : m));
  expect(disagreements({ ...q, Metrics: swapped }, rule, 'prod')).toEqual([expect.stringMatching(/^Expression:/)]);
  const gold = alarmsByName(t).get('fleetlake-prod-GoldFreshness')!;
  const goldRule = thresholdRules.find((r) => r.name === 'GoldFreshness')!;
  expect(disagreements(gold, goldRule, 'prod')).toEqual([]);
  const renamed = (gold.Metrics as Query[]).map((m) => (m.MetricStat ? { ...m, MetricStat: { ...m.MetricStat, Metric: { ...m.MetricStat.Metric, MetricName: 'GoldLag' } } } : m));
  expect(disagreements({ ...gold, Metrics: renamed }, goldRule, 'prod')).toEqual([expect.stringMatching(/^metrics: template \["GoldLag"\]/), expect.stringMatching(/^Expression:/)]);
  // A hand-kept cadence in the expression (60 min while prod's param says 180) is caught.
  const handKept = (gold.Metrics as Query[]).map((m) => (m.Expression ? { ...m, Expression: 'lag - 60 * 60' } : m));
  expect(disagreements({ ...gold, Metrics: handKept }, goldRule, 'prod')).toEqual(['Expression: template ["lag - 60 * 60"], rule ["lag - 60 * 180"]']);
});
