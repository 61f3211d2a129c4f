import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { mapProcessor } from '../asl/states';

/** The deployed shape the cost depends on, read from serverless.yml params and the state machine. */
export interface Design {
  stage: string;
  bronzeInfrequentAccessDays: number;
  bronzeGlacierIrDays: number;
  bronzeExpireDays: number;
  /** silver `telemetry/` and `telemetry_parts/` expire after this (rawGpsRetentionDays); gold never does. */
  silverTelemetryExpireDays: number;
  /** After this many days silver `telemetry/` is Standard-IA and `telemetry_parts/` Glacier IR; 0 = never. */
  silverColdAfterDays: number;
  firehoseBufferSeconds: number;
  firehoseBufferMiB: number;
  cleanMemoryMb: number;
  /** Plan and Commit Lambdas (provider default memory). */
  otherLambdaMemoryMb: number;
  glueWorkerType: string;
  glueWorkers: number;
  /** STANDARD or FLEX (spare capacity, a lower DPU-hour price). */
  glueExecutionClass: string;
  /** Pipeline executions per day, from the stage's `scheduleRate` (rate(1 hour) → 24). */
  scheduleRunsPerDay: number;
  /** The features job runs at most every this many minutes (`featuresIntervalMinutes`; 0 = in every execution). */
  featuresIntervalMinutes: number;
  /** State transitions of one execution outside the Map, on the success path. */
  sfnStatesPerExecution: number;
  /** State transitions per Map item. */
  sfnStatesPerItem: number;
  /** Where the Step Functions shape came from. */
  sfnSource: string;
  source: string;
}

export const DPU_PER_WORKER: Record<string, number> = { 'G.025X': 0.25, 'G.1X': 1, 'G.2X': 2, 'G.4X': 4, 'G.8X': 8 };

interface AslState {
  Type?: string;
  Next?: string;
  Default?: string;
  Choices?: Array<{ Next?: string }>;
  Catch?: Array<{ Next?: string }>;
  ItemProcessor?: { StartAt?: string; States?: Record<string, AslState> };
  Iterator?: { StartAt?: string; States?: Record<string, AslState> };
}
interface Asl {
  StartAt?: string;
  States?: Record<string, AslState>;
}

/**
 * The states entered on the longest success path: from StartAt along Next; at a Choice, the branch that
 * enters the most states (the run that has work: Clean, Features). Catch targets (NotifyFailure, Fail) are
 * not on it. Each state entered is one billed transition.
 */
export function successPathLength(states: Record<string, AslState>, startAt: string, seen: ReadonlySet<string> = new Set()): number {
  const s = states[startAt];
  if (!s || seen.has(startAt)) return 0;
  if (s.Type === 'Succeed' || s.Type === 'Fail') return 1;
  const here = new Set(seen).add(startAt);
  const nexts = s.Type === 'Choice' ? [...(s.Choices ?? []).map((c) => c.Next), s.Default] : [s.Next];
  return 1 + Math.max(0, ...nexts.filter((n): n is string => !!n).map((n) => successPathLength(states, n, here)));
}

/** Transitions per execution and per Map item, from an ASL definition. */
export function sfnShape(asl: Asl): { perExecution: number; perItem: number } {
  const states = asl.States ?? {};
  const perExecution = successPathLength(states, asl.StartAt ?? '');
  let perItem = 0;
  for (const s of Object.values(states)) {
    const inner = mapProcessor<AslState>(s);
    if (inner?.States && inner.StartAt) perItem += successPathLength(inner.States, inner.StartAt);
  }
  return { perExecution, perItem };
}

const RATE_UNIT_MINUTES: Record<string, number> = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 };

/** Executions per day of an EventBridge `rate(N unit)` expression. */
export function runsPerDayOfRate(rate: string): number {
  const m = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(rate.trim());
  if (!m) throw new Error(`serverless.yml params: scheduleRate ${rate} is not rate(N minutes|hours|days)`);
  return 1440 / (Number(m[1]) * (RATE_UNIT_MINUTES[m[2] as string] as number));
}

const num = (v: unknown, name: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`serverless.yml params: ${name} is not a number (${String(v)})`);
  return n;
};

/** Read the design for a stage from the repository (serverless.yml and state-machines/pipeline.asl.yml). */
export function loadDesign(repoRoot: string, stage = 'prod'): Design {
  const sls = parse(fs.readFileSync(path.join(repoRoot, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    params?: Record<string, Record<string, unknown>>;
    provider?: { memorySize?: number };
  };
  const p = { ...(sls.params?.default ?? {}), ...(sls.params?.[stage] ?? {}) };
  const aslFile = path.join(repoRoot, 'state-machines', 'pipeline.asl.yml');
  let shape = { perExecution: 5, perItem: 1 };
  let sfnSource = 'assumed (no state-machines/pipeline.asl.yml yet): Plan, Clean Map, Features, Commit, Succeed + 1 per item';
  if (fs.existsSync(aslFile)) {
    const asl = parse(fs.readFileSync(aslFile, 'utf8'), { logLevel: 'silent' }) as Asl;
    shape = sfnShape(asl);
    sfnSource = `state-machines/pipeline.asl.yml: ${shape.perExecution} states on the longest success path (an upper bound) + ${shape.perItem} per Map item`;
  }
  return {
    stage,
    bronzeInfrequentAccessDays: num(p.bronzeInfrequentAccessDays, 'bronzeInfrequentAccessDays'),
    bronzeGlacierIrDays: num(p.bronzeGlacierIrDays, 'bronzeGlacierIrDays'),
    bronzeExpireDays: num(p.bronzeExpireDays, 'bronzeExpireDays'),
    silverTelemetryExpireDays: num(p.rawGpsRetentionDays, 'rawGpsRetentionDays'),
    silverColdAfterDays: num(p.silverColdAfterDays, 'silverColdAfterDays'),
    firehoseBufferSeconds: num(p.firehoseBufferSeconds, 'firehoseBufferSeconds'),
    firehoseBufferMiB: num(p.firehoseBufferMiB, 'firehoseBufferMiB'),
    cleanMemoryMb: num(p.cleanMemoryMb, 'cleanMemoryMb'),
    otherLambdaMemoryMb: num(sls.provider?.memorySize ?? 1024, 'provider.memorySize'),
    glueWorkerType: String(p.glueWorkerType),
    glueWorkers: num(p.glueWorkers, 'glueWorkers'),
    glueExecutionClass: String(p.glueExecutionClass ?? 'STANDARD'),
    scheduleRunsPerDay: runsPerDayOfRate(String(p.scheduleRate)),
    featuresIntervalMinutes: num(p.featuresIntervalMinutes ?? 0, 'featuresIntervalMinutes'),
    sfnStatesPerExecution: shape.perExecution,
    sfnStatesPerItem: shape.perItem,
    sfnSource,
    source: `serverless.yml params (${stage})`,
  };
}
