import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEmfLine, readMetrics } from './emf';
import { evaluateAlarms } from './evaluate';
import { readExecutions } from './executions';
import type { AlarmRule, ThresholdRule } from './rules';
import { breaches, loadAlarmRules } from './rules';
import { loadServerlessConfig } from '../stepfunctions/serverless-config';
import { formatStatus, lakeStatus } from './status';
import { loadTaskFunctions } from './task-functions';

const FIX = path.resolve('test/fixtures/status');
const ASL = path.join(FIX, 'pipeline.asl.yml');
const T0 = Date.parse('2026-03-01T10:00:00Z');
const rules = loadAlarmRules();
const byAlarm = (s: ReturnType<typeof lakeStatus>) => Object.fromEntries(s.alarms.map((a) => [a.alarm, a]));

describe('EMF lines', () => {
  test('a Powertools line becomes one datapoint per metric, with its dimension set and all values', () => {
    const line = JSON.stringify({
      _aws: { Timestamp: T0, CloudWatchMetrics: [{ Namespace: 'fleetlake', Dimensions: [['service', 'stage', 'function']], Metrics: [{ Name: 'SamplesIn', Unit: 'Count' }] }] },
      service: 'fleetlake',
      stage: 'local',
      function: 'clean',
      SamplesIn: [600, 400],
    });
    expect(parseEmfLine(line)).toEqual([
      { timestamp: T0, namespace: 'fleetlake', name: 'SamplesIn', unit: 'Count', dimensions: { service: 'fleetlake', stage: 'local', function: 'clean' }, values: [600, 400] },
    ]);
  });

  test('log lines and torn lines are not metrics', () => {
    expect(parseEmfLine('{"level":"INFO","message":"x"}')).toEqual([]);
    expect(parseEmfLine('{"_aws":{"Timestamp":1,"CloudWatchMe')).toEqual([]);
  });

  test('reading a lake counts lines, files and skipped lines', () => {
    const m = readMetrics(path.join(FIX, 'alarming'));
    expect(m).toMatchObject({ files: 2, lines: 6, skipped: 1 });
  });
});

describe('executions', () => {
  test('newest first, with failed attempts per state (both history shapes)', () => {
    const { executions } = readExecutions(path.join(FIX, 'alarming'));
    expect(executions.map((e) => [e.id, e.status])).toEqual([
      ['exec-0002', 'FAILED'],
      ['exec-0001', 'SUCCEEDED'],
    ]);
    expect(executions[0]).toMatchObject({ error: 'PipelineFailed', stateFailures: { Features: 1 }, stop: T0 + 100_000 });
    expect(executions[1]!.stateFailures).toEqual({ CleanObjects: 1 });
  });

  test('the pipeline definition maps Task states to functions, nested Map states included', () => {
    expect(loadTaskFunctions(['clean', 'plan', 'commit'], ASL)).toEqual({ Plan: 'plan', CleanObjects: 'clean', Commit: 'commit' });
  });
});

describe('alarm rules evaluated on a local lake', () => {
  test('an alarming lake: 3.1 % quarantined, a failed Glue step, a failed clean attempt', () => {
    const s = lakeStatus(path.join(FIX, 'alarming'), { aslFile: ASL });
    expect(s.windowEnd).toBe(T0 + 100_000);
    const a = byAlarm(s);
    // 62 of 2000 samples in the last hour; the Reason-dimension line and the run two hours earlier do not count.
    expect(a.QuarantineRatio).toMatchObject({ state: 'ALARM', value: 3.1, detail: '3.1 % > 1 %' });
    expect(a.PipelineExecutionsFailed).toMatchObject({ state: 'ALARM', value: 1, detail: '1 >= 1 executions' });
    expect(a.PipelineExecutionsTimedOut).toMatchObject({ state: 'OK', value: 0 });
    expect(a.GlueJobFailed).toMatchObject({ state: 'ALARM', detail: 'Features failed in exec-0002' });
    expect(a.GoldFreshness).toMatchObject({ state: 'OK', value: 900, detail: '900 s <= 7200 s' });
    expect(a['LambdaErrors-clean']).toMatchObject({ state: 'ALARM', value: 1 });
    expect(a['LambdaErrors-plan']).toMatchObject({ state: 'OK', value: 0 });
    expect(a['LambdaErrors-commit']).toMatchObject({ state: 'OK', value: 0 });
    for (const id of ['FirehoseDataFreshness', 'IotRuleFailures', 'LambdaThrottles-clean']) expect(a[id]!.state).toBe('NOT_EVALUATED');
  });

  test('a healthy lake is all OK', () => {
    const s = lakeStatus(path.join(FIX, 'healthy'), { aslFile: ASL });
    const a = byAlarm(s);
    expect(a.QuarantineRatio).toMatchObject({ state: 'OK', value: 0.5, detail: '0.5 % <= 1 %' });
    expect(a.GoldFreshness).toMatchObject({ state: 'OK', value: 1200 });
    expect(s.alarms.filter((x) => x.state === 'ALARM')).toEqual([]);
  });

  test('the window moves: an hour later the same data is no longer in the quarantine window', () => {
    const s = lakeStatus(path.join(FIX, 'alarming'), { aslFile: ASL, end: T0 + 2 * 3600_000 });
    expect(byAlarm(s).QuarantineRatio).toMatchObject({ state: 'OK', detail: 'no data in the last 1 x 3600 s (missing data: notBreaching)' });
  });

  test('with the schedule on, missing gold lag is breaching (as in prod)', () => {
    const gold = rules.filter((r) => r.name === 'GoldFreshness');
    const input = { datapoints: [], executions: [], taskFunctions: {}, end: T0 };
    expect(evaluateAlarms(gold, { ...input, scheduleOn: true })[0]!.state).toBe('ALARM');
    expect(evaluateAlarms(gold, { ...input, scheduleOn: false })[0]!.state).toBe('OK');
  });

  test('datapointsToAlarm: one breaching hour of two is not enough for GoldFreshness', () => {
    const gold = rules.find((r) => r.name === 'GoldFreshness') as ThresholdRule;
    const dp = (ts: number, v: number) => ({ timestamp: ts, namespace: 'fleetlake', name: 'GoldLagSeconds', dimensions: { service: 'fleetlake', stage: 'local', function: 'commit' }, values: [v] });
    const input = { executions: [], taskFunctions: {}, end: T0 };
    expect(evaluateAlarms([gold], { ...input, datapoints: [dp(T0 - 10, 9000), dp(T0 - 3700_000, 600)] })[0]!.state).toBe('OK');
    expect(evaluateAlarms([gold], { ...input, datapoints: [dp(T0 - 10, 9000), dp(T0 - 3700_000, 8000)] })[0]!.state).toBe('ALARM');
  });

  test('the gold-freshness threshold follows the stage\'s features cadence (one number plus the param, not a second copy)', () => {
    const dp = (ts: number, v: number) => ({ timestamp: ts, namespace: 'fleetlake', name: 'GoldLagSeconds', dimensions: { service: 'fleetlake', stage: 'local', function: 'commit' }, values: [v] });
    const input = { executions: [], taskFunctions: {}, end: T0, datapoints: [dp(T0 - 10, 12_000), dp(T0 - 3700_000, 12_000)] };
    const goldFor = (stage: string) => loadAlarmRules(undefined, loadServerlessConfig(stage).params).find((r) => r.name === 'GoldFreshness') as ThresholdRule;
    // 3 h 20 min of lag: the local stage (interval 0) alarms; prod (180 min, gold up to 3 h old by design) does not.
    expect(evaluateAlarms([goldFor('local')], input)[0]).toMatchObject({ state: 'ALARM', detail: '12000 s > 7200 s' });
    expect(evaluateAlarms([goldFor('prod')], input)[0]).toMatchObject({ state: 'OK', detail: '12000 s <= 18000 s' });
    expect(() => loadAlarmRules(undefined, { featuresIntervalMinutes: 'soon' })).toThrow(/cadenceParam featuresIntervalMinutes must name a serverless.yml param of whole minutes/);
  });

  test('comparisons follow CloudWatch: > is strict, >= is not', () => {
    expect(breaches(1, 'GreaterThanThreshold', 1)).toBe(false);
    expect(breaches(1, 'GreaterThanOrEqualToThreshold', 1)).toBe(true);
    expect(breaches(0.99, 'LessThanThreshold', 1)).toBe(true);
  });

  test('an invalid rules file fails up front', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rules-'));
    const file = path.join(dir, 'r.yml');
    writeFileSync(file, 'Bad:\n  title: t\n  runbook: r\n  local: emf\n  kind: metric\n  metric: M\n  namespace: N\n  statistic: Sum\n  comparison: Bigger\n  threshold: 1\n  periodSeconds: 60\n  evaluationPeriods: 1\n  datapointsToAlarm: 1\n');
    expect(() => loadAlarmRules(file)).toThrow('alarm rule Bad: unknown comparison Bigger');
  });

  test('every rule names a runbook anchor and a local evaluation mode', () => {
    for (const r of rules as AlarmRule[]) {
      expect(r.runbook).toMatch(/^[a-z0-9-]+$/);
      expect(['emf', 'executions', 'none']).toContain(r.local);
    }
  });
});

describe('report', () => {
  test('text output lists executions, metric totals and the alarm lines', () => {
    const text = formatStatus(lakeStatus(path.join(FIX, 'alarming'), { aslFile: ASL })).replace(/ {2,}/g, ' ');
    expect(text).toContain('exec-0002 FAILED (PipelineFailed) 2026-03-01T10:01:10Z 30.0 s {"dates":["2026-03-01"]}');
    expect(text).toContain('clean SamplesIn - 2100 1000 Count');
    expect(text).toContain('clean SamplesQuarantined Reason=out_of_range 62 62 Count');
    expect(text).toContain('QuarantineRatio 3.1 % > 1 % ALARM');
    expect(text).toContain('FirehoseDataFreshness AWS only (no local equivalent) NOT_EVALUATED');
    expect(text).toContain('4 in ALARM; see docs/runbook.md#quarantine-ratio');
  });

  test('`fleetlake status --lake` prints the same through the CLI; an empty lake says so', () => {
    const run = (...args: string[]) => execFileSync(process.execPath, ['local/cli/fleetlake.js', 'status', ...args], { encoding: 'utf8', timeout: 30_000 });
    expect(run('--lake', path.join(FIX, 'healthy')).replace(/ {2,}/g, ' ')).toContain('QuarantineRatio 0.5 % <= 1 % OK');
    const empty = mkdtempSync(path.join(tmpdir(), 'lake-'));
    const out = JSON.parse(run('--lake', empty, '--format', 'json'));
    expect(out).toMatchObject({ executions: [], metrics: { lines: 0 } });
    expect(out.alarms.length).toBe(rules.length + 4); // LambdaErrors and LambdaThrottles: one alarm per function
  });
});
