import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadServerlessConfig } from '../stepfunctions/serverless-config';

/** resources/alarm-rules.yml: the one definition of the alarms, read by resources/alarms.yml and by `fleetlake status`. */
export const ALARM_RULES_FILE = path.resolve(import.meta.dirname, '../../resources/alarm-rules.yml');

export type Comparison = 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
export type MissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';
export type Statistic = 'Sum' | 'Maximum' | 'Minimum' | 'Average' | 'SampleCount';

interface RuleBase {
  name: string;
  title: string;
  runbook: string;
  local: 'emf' | 'executions' | 'none';
}

export interface ThresholdRule extends RuleBase {
  kind: 'ratio' | 'metric' | 'sum';
  namespace: string;
  metric?: string;
  metrics?: string[];
  numerator?: string;
  denominator?: string;
  dimensions: Record<string, string>;
  functions?: string[];
  actionType?: string;
  statistic: Statistic;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  comparison: Comparison;
  threshold: number;
  unit: string;
  treatMissingData: MissingData | { scheduleOn: MissingData; scheduleOff: MissingData };
  /** A serverless.yml param in minutes that the rule allows on top of its threshold (GoldFreshness: the features cadence). */
  cadenceParam?: string;
  /** 60 × that param for the stage the rules were loaded for (0 without cadenceParam). */
  allowanceSeconds: number;
}

export interface EventRule extends RuleBase {
  kind: 'event';
  source: string;
  detailType: string;
  states: string[];
  task: string;
}

export type AlarmRule = ThresholdRule | EventRule;

const COMPARISONS = new Set<string>(['GreaterThanThreshold', 'GreaterThanOrEqualToThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold']);
const STATISTICS = new Set<string>(['Sum', 'Maximum', 'Minimum', 'Average', 'SampleCount']);

/**
 * Loads and validates the rules file up front, so a typo fails here and not in a half-evaluated status.
 * `params`: the stage's serverless.yml params (default: the local stage's), for rules with a cadenceParam.
 */
export function loadAlarmRules(file = ALARM_RULES_FILE, params?: Record<string, unknown>): AlarmRule[] {
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  const needsParams = Object.values(doc).some((r) => r && 'cadenceParam' in r);
  const stageParams = params ?? (needsParams ? loadServerlessConfig('local').params : {});
  return Object.entries(doc).map(([name, r]) => validateRule({ name, ...r }, stageParams));
}

/** The threshold a rule's metric is compared with: its own plus the allowance of its cadence param. */
export const effectiveThreshold = (r: ThresholdRule): number => r.threshold + r.allowanceSeconds;

function validateRule(r: Record<string, unknown>, params: Record<string, unknown>): AlarmRule {
  const fail = (msg: string): never => {
    throw new Error(`alarm rule ${String(r.name)}: ${msg}`);
  };
  for (const k of ['title', 'runbook', 'local', 'kind']) if (typeof r[k] !== 'string') fail(`${k} must be a string`);
  if (r.kind === 'event') {
    if (!Array.isArray(r.states) || typeof r.task !== 'string') fail('an event rule needs states and task');
    return r as unknown as EventRule;
  }
  if (!['ratio', 'metric', 'sum'].includes(r.kind as string)) fail(`unknown kind ${String(r.kind)}`);
  if (!COMPARISONS.has(r.comparison as string)) fail(`unknown comparison ${String(r.comparison)}`);
  if (!STATISTICS.has(r.statistic as string)) fail(`unknown statistic ${String(r.statistic)}`);
  for (const k of ['threshold', 'periodSeconds', 'evaluationPeriods', 'datapointsToAlarm']) if (typeof r[k] !== 'number') fail(`${k} must be a number`);
  if ((r.datapointsToAlarm as number) > (r.evaluationPeriods as number)) fail('datapointsToAlarm > evaluationPeriods');
  if (r.kind === 'ratio' && (typeof r.numerator !== 'string' || typeof r.denominator !== 'string')) fail('a ratio needs numerator and denominator');
  if (r.kind === 'metric' && typeof r.metric !== 'string') fail('a metric rule needs metric');
  if (r.kind === 'sum' && !Array.isArray(r.metrics)) fail('a sum rule needs metrics');
  let allowanceSeconds = 0;
  if (r.cadenceParam !== undefined) {
    const minutes = params[r.cadenceParam as string];
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 0) fail(`cadenceParam ${String(r.cadenceParam)} must name a serverless.yml param of whole minutes >= 0, got ${JSON.stringify(minutes)}`);
    allowanceSeconds = 60 * (minutes as number);
  }
  return { ...r, allowanceSeconds } as unknown as ThresholdRule;
}

/** Metric names a threshold rule reads, in the order the alarm's metric math uses them. */
export function ruleMetricNames(r: ThresholdRule): string[] {
  if (r.kind === 'ratio') return [r.numerator!, r.denominator!];
  if (r.kind === 'sum') return r.metrics!;
  return [r.metric!];
}

/** How CloudWatch compares a datapoint with the threshold. */
export function breaches(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

/** The operator that is true of the value: the comparison when breaching, its negation otherwise. */
export function operator(comparison: Comparison, breaching: boolean): string {
  const ops: Record<Comparison, [string, string]> = {
    GreaterThanThreshold: ['>', '<='],
    GreaterThanOrEqualToThreshold: ['>=', '<'],
    LessThanThreshold: ['<', '>='],
    LessThanOrEqualToThreshold: ['<=', '>'],
  };
  return ops[comparison][breaching ? 0 : 1];
}

/** The missing-data treatment for a schedule state (local runs have no schedule). */
export function missingData(r: ThresholdRule, scheduleOn: boolean): MissingData {
  const t = r.treatMissingData;
  return typeof t === 'string' ? t : scheduleOn ? t.scheduleOn : t.scheduleOff;
}
