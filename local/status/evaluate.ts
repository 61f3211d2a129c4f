import type { Datapoint } from './emf';
import { matchesDimensions } from './emf';
import type { ExecutionSummary } from './executions';
import type { AlarmRule, EventRule, Statistic, ThresholdRule } from './rules';
import { breaches, effectiveThreshold, missingData, operator } from './rules';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'NOT_EVALUATED';

export interface AlarmResult {
  alarm: string; // rule name, or `<rule>-<function>` for per-function rules
  rule: string;
  state: AlarmState;
  value?: number;
  /** e.g. `3.1 % > 1 %`, or why the rule is not evaluated locally. */
  detail: string;
  runbook: string;
}

export interface EvaluationInput {
  datapoints: Datapoint[];
  executions: ExecutionSummary[];
  /** Task state name → function name (`Clean` → `clean`), from the pipeline definition. */
  taskFunctions: Record<string, string>;
  /** The end of the evaluation window, epoch ms. Default: the newest metric or execution stop in the lake. */
  end?: number;
  /** Local runs have no schedule, so missing data is treated as the rule's schedule-off treatment. */
  scheduleOn?: boolean;
}

/** An EventBridge rule has no window; locally a Glue failure counts if its execution ended within this window. */
export const EVENT_WINDOW_SECONDS = 3600;

/** The default window end: the newest activity in the lake, so `status` right after a run sees that run. */
export function latestActivity(input: Pick<EvaluationInput, 'datapoints' | 'executions'>): number | undefined {
  const ts = [...input.datapoints.map((d) => d.timestamp), ...input.executions.flatMap((e) => [e.start ?? 0, e.stop ?? 0])].filter((t) => t > 0);
  return ts.length ? Math.max(...ts) : undefined;
}

function statistic(values: number[], stat: Statistic): number {
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'SampleCount':
      return values.length;
  }
}

const round = (v: number) => (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 10) / 10);
/** `3.1 % > 1 %`, `900 s <= 7200 s`, `1 >= 1 executions`. */
function describe(v: number, op: string, threshold: number, unit: string): string {
  return unit === '%' || unit === 's' ? `${round(v)} ${unit} ${op} ${round(threshold)} ${unit}` : `${round(v)} ${op} ${round(threshold)} ${unit}`.trim();
}

/**
 * CloudWatch alarm semantics over local data: `evaluationPeriods` periods ending at `end`, one value per period,
 * ALARM when at least `datapointsToAlarm` of them breach; a period without data counts as the rule's missing-data treatment.
 */
function evaluateSeries(rule: ThresholdRule, alarm: string, periodValue: (from: number, to: number) => number | undefined, end: number, scheduleOn: boolean): AlarmResult {
  const p = rule.periodSeconds * 1000;
  const treat = missingData(rule, scheduleOn);
  let breachingPeriods = 0;
  let seen = 0;
  let newest: number | undefined;
  for (let i = 0; i < rule.evaluationPeriods; i++) {
    const v = periodValue(end - (i + 1) * p, end - i * p);
    if (v === undefined) {
      if (treat === 'breaching') breachingPeriods++;
      continue;
    }
    seen++;
    newest ??= v;
    if (breaches(v, rule.comparison, effectiveThreshold(rule))) breachingPeriods++;
  }
  const base = { alarm, rule: rule.name, runbook: rule.runbook };
  const window = `${rule.evaluationPeriods} x ${rule.periodSeconds} s`;
  if (seen === 0 && treat !== 'breaching') {
    const state: AlarmState = treat === 'notBreaching' ? 'OK' : 'INSUFFICIENT_DATA';
    return { ...base, state, detail: `no data in the last ${window} (missing data: ${treat})` };
  }
  const alarming = breachingPeriods >= rule.datapointsToAlarm;
  if (newest === undefined) return { ...base, state: 'ALARM', detail: `no data in the last ${window} (missing data: breaching)` };
  const isBreach = breaches(newest, rule.comparison, effectiveThreshold(rule));
  return {
    ...base,
    state: alarming ? 'ALARM' : 'OK',
    value: newest,
    detail: describe(newest, operator(rule.comparison, isBreach), effectiveThreshold(rule), rule.unit),
  };
}

function emfRule(rule: ThresholdRule, input: EvaluationInput, end: number): AlarmResult {
  // Local metrics carry a `stage` dimension too (its value is `local`): the dimension set must match exactly.
  const keys = [...Object.keys(rule.dimensions), 'stage'];
  const sumOf = (name: string, from: number, to: number) => {
    const values = input.datapoints
      .filter((d) => d.namespace === rule.namespace && d.name === name && d.timestamp > from && d.timestamp <= to && matchesDimensions(d, rule.dimensions, keys))
      .flatMap((d) => d.values);
    return values.length ? values : undefined;
  };
  const periodValue = (from: number, to: number): number | undefined => {
    if (rule.kind === 'ratio') {
      const num = sumOf(rule.numerator!, from, to);
      const den = sumOf(rule.denominator!, from, to);
      if (!den) return undefined;
      const d = statistic(den, 'Sum');
      return d === 0 ? undefined : (100 * (num ? statistic(num, 'Sum') : 0)) / d;
    }
    const names = rule.kind === 'sum' ? rule.metrics! : [rule.metric!];
    const parts = names.map((n) => sumOf(n, from, to));
    if (parts.every((v) => v === undefined)) return undefined;
    return parts.reduce<number>((acc, v) => acc + (v ? statistic(v, rule.statistic) : 0), 0);
  };
  return evaluateSeries(rule, rule.name, periodValue, end, input.scheduleOn ?? false);
}

const ended = (e: ExecutionSummary, from: number, to: number) => e.stop !== undefined && e.stop > from && e.stop <= to;

function executionRule(rule: ThresholdRule, input: EvaluationInput, end: number): AlarmResult[] {
  const scheduleOn = input.scheduleOn ?? false;
  if (rule.namespace === 'AWS/States') {
    const status = rule.metric === 'ExecutionsTimedOut' ? 'TIMED_OUT' : rule.metric === 'ExecutionsFailed' ? 'FAILED' : undefined;
    if (!status) throw new Error(`alarm rule ${rule.name}: no local equivalent for ${rule.metric}`);
    const count = (from: number, to: number) => input.executions.filter((e) => e.status === status && ended(e, from, to)).length;
    return [evaluateSeries(rule, rule.name, count, end, scheduleOn)];
  }
  if (rule.namespace === 'AWS/Lambda' && rule.metric === 'Errors') {
    // Lambda Errors ≈ failed attempts of the Task states that invoke the function.
    return (rule.functions ?? []).map((fn) => {
      const states = Object.entries(input.taskFunctions).filter(([, f]) => f === fn).map(([s]) => s);
      const count = (from: number, to: number) =>
        input.executions.filter((e) => ended(e, from, to)).reduce((n, e) => n + states.reduce((m, s) => m + (e.stateFailures[s] ?? 0), 0), 0);
      return evaluateSeries(rule, `${rule.name}-${fn}`, count, end, scheduleOn);
    });
  }
  throw new Error(`alarm rule ${rule.name}: no local equivalent for ${rule.namespace} ${rule.metric}`);
}

function eventRule(rule: EventRule, input: EvaluationInput, end: number): AlarmResult {
  const from = end - EVENT_WINDOW_SECONDS * 1000;
  const failed = input.executions.filter((e) => ended(e, from, end) && (e.stateFailures[rule.task] ?? 0) > 0);
  const base = { alarm: rule.name, rule: rule.name, runbook: rule.runbook, value: failed.length };
  return failed.length
    ? { ...base, state: 'ALARM', detail: `${rule.task} failed in ${failed.map((e) => e.id).join(', ')}` }
    : { ...base, state: 'OK', detail: `no ${rule.task} failure in the last ${EVENT_WINDOW_SECONDS} s` };
}

/** Evaluates every rule; rules that only exist in AWS (Firehose, IoT, throttles) come back NOT_EVALUATED. */
export function evaluateAlarms(rules: AlarmRule[], input: EvaluationInput): AlarmResult[] {
  const end = input.end ?? latestActivity(input) ?? Date.now();
  return rules.flatMap((rule): AlarmResult[] => {
    if (rule.local === 'none') {
      const names = rule.kind !== 'event' && rule.functions ? rule.functions.map((f) => `${rule.name}-${f}`) : [rule.name];
      return names.map((alarm) => ({ alarm, rule: rule.name, runbook: rule.runbook, state: 'NOT_EVALUATED', detail: 'AWS only (no local equivalent)' }));
    }
    if (rule.kind === 'event') return [eventRule(rule, input, end)];
    return rule.local === 'emf' ? [emfRule(rule, input, end)] : executionRule(rule, input, end);
  });
}
