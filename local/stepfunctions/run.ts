import './polyfill';
import { randomUUID, createHash } from 'node:crypto';
import path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import type { CleanTotals, RunSummary } from '../../lib/pipeline/commit';
import type { PlanResult } from '../../lib/pipeline/plan';
import { runFeatures, type FeaturesOptions, type FeaturesResult } from '../engine/features';
import { parseDatesArgument } from '../../lib/features/dates';
import { defaultPoolSize, LambdaPool } from '../lambda/pool';
import { LOCAL_AWS, loadPipeline, type AslDefinition, type Json, type ResolvedPipeline } from './definition';
import { newExecutionId, writeExecution, type ExecutionRecord, type HistoryEvent } from './history';
import { subsetViolations } from './subset';
import { buildTaskOverrides, type LocalServices, type WrapTask } from './tasks';

/**
 * `runPipeline({ lake, input })`: runs state-machines/pipeline.asl.yml with aws-local-stepfunctions, every Task
 * mapped to its local twin (Lambda ARNs → the handler modules in the worker pool, glue:startJobRun.sync → the
 * DuckDB features runner, sns:publish → the execution history, states:startExecution → a follow-up execution run
 * after this one). Records each execution under `<lake>/_executions/`.
 */
export type PipelineEvent =
  | { type: 'execution-started'; executionId: string; input: unknown }
  | { type: 'planned'; executionId: string; plan: PlanResult }
  | { type: 'cleaned'; executionId: string; objects: number }
  | { type: 'features-started'; executionId: string; dates: string[] }
  | { type: 'features-progress'; executionId: string; done: number; total: number }
  | { type: 'features-finished'; executionId: string; dates: string[]; rows: Record<string, number> }
  | { type: 'execution-finished'; record: ExecutionRecord };

export type FeaturesRunner = (options: FeaturesOptions) => Promise<FeaturesResult>;

export interface RunPipelineOptions {
  lake: string;
  input?: unknown;
  onEvent?: (e: PipelineEvent) => void;
  /** Wraps Task implementations by state name (tests inject failures with it). */
  wrapTask?: WrapTask;
  /** The features job's local runner (default: local/engine/features.ts). */
  features?: FeaturesRunner;
  /** Worker threads for Lambda invocations; default min(largest Map MaxConcurrency, cores). */
  poolSize?: number;
  /** Extra environment for every local Lambda. */
  env?: Record<string, string>;
  rerunOf?: string;
  /** Bound on chained continuation executions. */
  maxExecutions?: number;
  /** Params stage used to resolve the definition; default `local`. */
  stage?: string;
}

export interface RunPipelineResult {
  status: 'SUCCEEDED' | 'FAILED';
  executions: ExecutionRecord[];
  /** The summaries of all successful executions of the chain, added up. */
  summary: PipelineSummary | null;
}

export interface PipelineSummary extends CleanTotals {
  executions: number;
  objects: number;
  dates_rebuilt: string[];
  duration_seconds: number;
}

/** Glue jobs that have a local twin, by the script they run. */
const LOCAL_GLUE_SCRIPTS: Record<string, 'features'> = { 'features.py': 'features' };

function maxConcurrency(def: AslDefinition): number {
  let max = 1;
  const walk = (states: Record<string, Record<string, Json>>) => {
    for (const s of Object.values(states)) {
      if (s.Type === 'Map') {
        max = Math.max(max, typeof s.MaxConcurrency === 'number' && s.MaxConcurrency > 0 ? s.MaxConcurrency : 40);
        walk(((s.ItemProcessor ?? s.Iterator) as { States: Record<string, Record<string, Json>> }).States);
      }
    }
  };
  walk(def.States);
  return max;
}

const loaded = new Map<string, { pipeline: ResolvedPipeline; machine: StateMachine }>();
/**
 * Resolving the definition parses serverless.yml and resource files (about a second); once per process and stage.
 * The interpreter's own validation (asl-validator) takes 1-3 s on this definition, so it is skipped here:
 * local/stepfunctions/definition.test.ts validates the same resolved definition with asl-validator in CI, and the
 * cheap subset check runs on every load.
 */
function pipelineFor(stage: string): { pipeline: ResolvedPipeline; machine: StateMachine } {
  let p = loaded.get(stage);
  if (!p) {
    const pipeline = loadPipeline(stage);
    const violations = subsetViolations(pipeline.definition);
    if (violations.length) throw new Error(`state-machines/pipeline.asl.yml leaves the portable subset:\n  ${violations.join('\n  ')}`);
    const machine = new StateMachine(pipeline.definition as never, { validationOptions: { noValidate: true } });
    p = { pipeline, machine };
    loaded.set(stage, p);
  }
  return p;
}

export async function runPipeline(options: RunPipelineOptions): Promise<RunPipelineResult> {
  const lake = path.resolve(options.lake);
  const { pipeline, machine } = pipelineFor(options.stage ?? 'local');
  const features = options.features ?? runFeatures;
  const pool = new LambdaPool({ lake, size: options.poolSize ?? defaultPoolSize(maxConcurrency(pipeline.definition)), env: options.env });
  pool.warm([...pipeline.lambdaArns.values()]);
  const queue: Array<{ id: string; input: unknown; startedBy?: string; rerunOf?: string }> = [
    { id: newExecutionId(), input: options.input ?? {}, rerunOf: options.rerunOf },
  ];
  const executions: ExecutionRecord[] = [];
  const max = options.maxExecutions ?? 1000;
  try {
    while (queue.length) {
      if (executions.length >= max) throw new Error(`stopped after ${max} chained executions`);
      const next = queue.shift()!;
      const record = await runOne(pipeline, machine, lake, next, { pool, features, options, queue });
      executions.push(record);
      if (record.status !== 'SUCCEEDED') break;
    }
  } finally {
    await pool.close();
  }
  const status = executions.every((e) => e.status === 'SUCCEEDED') ? 'SUCCEEDED' : 'FAILED';
  return { status, executions, summary: summarize(executions) };
}

function summarize(executions: ExecutionRecord[]): PipelineSummary | null {
  const done = executions.filter((e) => e.status === 'SUCCEEDED').map((e) => e.output as RunSummary);
  if (!done.length) return null;
  const s: PipelineSummary = {
    executions: done.length,
    objects: 0,
    lines: 0,
    samples: 0,
    valid: 0,
    quarantined: 0,
    quarantined_by_reason: {},
    duplicates: 0,
    conflicts: 0,
    unknown_fields: 0,
    bytes_read: 0,
    dates_rebuilt: [],
    duration_seconds: 0,
  };
  const dates = new Set<string>();
  for (const o of done) {
    for (const k of ['objects', 'lines', 'samples', 'valid', 'quarantined', 'duplicates', 'conflicts', 'unknown_fields', 'bytes_read'] as const) s[k] += o[k] ?? 0;
    for (const [r, n] of Object.entries(o.quarantined_by_reason ?? {})) s.quarantined_by_reason[r] = (s.quarantined_by_reason[r] ?? 0) + n;
    for (const d of o.dates_rebuilt ?? []) dates.add(d);
  }
  s.dates_rebuilt = [...dates].sort();
  s.duration_seconds = executions.reduce((a, e) => a + (e.durationMs ?? 0), 0) / 1000;
  return s;
}

function historyEvent(ev: Record<string, unknown>): HistoryEvent {
  const state = ev.state as { name: string; input?: unknown; output?: unknown } | undefined;
  const parent = ev.parentState as { name: string } | undefined;
  const out: HistoryEvent = { at: new Date(ev.timestamp as number).toISOString(), type: String(ev.type) };
  if (state) out.state = state.name;
  if (parent) out.state = parent.name;
  if (typeof ev.index === 'number') out.index = ev.index;
  if (typeof ev.Error === 'string') out.error = ev.Error;
  if (ev.Cause !== undefined) out.cause = typeof ev.Cause === 'string' ? ev.Cause : JSON.stringify(ev.Cause);
  // State data only for top-level states (Map iterations would repeat it per item).
  if (state && out.index === undefined) {
    if (ev.type === 'StateEntered') out.input = state.input;
    if (ev.type === 'StateExited') out.output = state.output;
  }
  if (ev.type === 'ExecutionStarted') out.input = ev.input;
  if (ev.type === 'ExecutionSucceeded') out.output = ev.output;
  if (ev.type === 'StateRetried') out.detail = ev.retry;
  return out;
}

async function runOne(
  pipeline: ResolvedPipeline,
  machine: StateMachine,
  lake: string,
  job: { id: string; input: unknown; startedBy?: string; rerunOf?: string },
  ctx: { pool: LambdaPool; features: FeaturesRunner; options: RunPipelineOptions; queue: Array<{ id: string; input: unknown; startedBy?: string }> },
): Promise<ExecutionRecord> {
  const { pool, features, options, queue } = ctx;
  const emit = options.onEvent ?? (() => undefined);
  const started = new Date();
  const executionArn = `arn:${LOCAL_AWS.Partition}:states:${LOCAL_AWS.Region}:${LOCAL_AWS.AccountId}:execution:${pipeline.stateMachineName}:${job.id}`;
  const record: ExecutionRecord = {
    executionId: job.id,
    executionArn,
    stateMachine: pipeline.stateMachineName,
    input: job.input,
    status: 'RUNNING',
    startedAt: started.toISOString(),
    stoppedAt: null,
    durationMs: null,
    ...(job.startedBy ? { startedBy: job.startedBy } : {}),
    ...(job.rerunOf ? { rerunOf: job.rerunOf } : {}),
    events: [],
    notifications: [],
  };
  let writes = writeExecution(lake, record);
  const save = () => {
    writes = writes.then(() => writeExecution(lake, record));
  };
  emit({ type: 'execution-started', executionId: job.id, input: job.input });

  const resources = pipeline.resources;
  const glueScript = (id: string) => {
    const script = JSON.stringify((resources.get(id)?.Properties?.Command as { ScriptLocation?: unknown } | undefined)?.ScriptLocation ?? '');
    return Object.entries(LOCAL_GLUE_SCRIPTS).find(([file]) => script.includes(file))?.[1];
  };
  const services: LocalServices & { canRunGlueJob(id: string): boolean } = {
    canRunGlueJob: (id) => glueScript(id) !== undefined,
    async invokeLambda(fn, payload) {
      const result = await pool.invoke(fn, payload, job.id);
      if (fn.name === 'plan') emit({ type: 'planned', executionId: job.id, plan: result as PlanResult });
      if (fn.name === 'clean') emit({ type: 'cleaned', executionId: job.id, objects: ((result as { objects?: unknown[] }).objects ?? []).length });
      return result;
    },
    async runGlueJob(_jobId, params) {
      const args = params.Arguments ?? {};
      const startedOn = new Date();
      const runId = `jr_${createHash('sha256').update(`${job.id}:${JSON.stringify(args)}:${startedOn.getTime()}`).digest('hex').slice(0, 32)}`;
      let result: FeaturesResult;
      try {
        // An unreadable --dates fails the job run, as it fails the Glue driver.
        const dates = parseDatesArgument(args['--dates'] ?? '');
        emit({ type: 'features-started', executionId: job.id, dates });
        result = await features({
          lake,
          dates,
          expandNeighbours: args['--expand_neighbours'] === 'true',
          onProgress: (p) => p.stage === 'write' && emit({ type: 'features-progress', executionId: job.id, done: p.done, total: p.total }),
        });
      } catch (err) {
        // What `.sync` reports for a failed job run: States.TaskFailed with the JobRun as the cause.
        const e = new Error(JSON.stringify({ Id: runId, JobName: params.JobName, JobRunState: 'FAILED', ErrorMessage: (err as Error).message }));
        e.name = 'States.TaskFailed';
        throw e;
      }
      emit({ type: 'features-finished', executionId: job.id, dates: result.dates, rows: result.rows });
      const completedOn = new Date();
      return {
        Id: runId,
        Attempt: 0,
        JobName: params.JobName,
        JobRunState: 'SUCCEEDED',
        Arguments: args,
        StartedOn: startedOn.toISOString(),
        CompletedOn: completedOn.toISOString(),
        LastModifiedOn: completedOn.toISOString(),
        ExecutionTime: Math.round(result.seconds),
        GlueVersion: '5.0',
        PredecessorRuns: [],
      };
    },
    async publishSns(params, state) {
      const at = new Date().toISOString();
      record.notifications.push({
        at,
        state,
        topicArn: params.TopicArn,
        subject: params.Subject,
        message: params.Message,
        ...(params.MessageAttributes ? { messageAttributes: params.MessageAttributes } : {}),
      });
      record.events.push({ at, type: 'SnsPublished', state, detail: { topicArn: params.TopicArn, subject: params.Subject } });
      save();
      return { MessageId: randomUUID() };
    },
    async startExecution(params) {
      const input = typeof params.Input === 'string' ? (JSON.parse(params.Input) as unknown) : (params.Input ?? {});
      const id = newExecutionId();
      queue.push({ id, input, startedBy: job.id });
      record.continuedAs = id;
      return {
        ExecutionArn: `arn:${LOCAL_AWS.Partition}:states:${LOCAL_AWS.Region}:${LOCAL_AWS.AccountId}:execution:${pipeline.stateMachineName}:${id}`,
        StartDate: new Date().toISOString(),
      };
    },
  };
  // Throws before anything runs when a Task has no local mapping.
  const overrides = buildTaskOverrides(pipeline, services, options.wrapTask);

  const execution = machine.run(job.input as never, {
    overrides: { taskResourceLocalHandlers: overrides as never },
    context: {
      Execution: { Id: executionArn, Name: job.id, Input: job.input as never, StartTime: started.toISOString(), RoleArn: `arn:aws:iam::${LOCAL_AWS.AccountId}:role/local` },
      StateMachine: { Id: pipeline.stateMachineArn, Name: pipeline.stateMachineName },
    },
  });
  let failure: { error?: string; cause?: string } = {};
  const logs = (async () => {
    for await (const ev of execution.eventLogs) {
      const h = historyEvent(ev as unknown as Record<string, unknown>);
      record.events.push(h);
      if (ev.type === 'ExecutionFailed') failure = { error: h.error, cause: h.cause };
      if (ev.type === 'StateEntered' && h.index === undefined) save();
    }
  })();
  try {
    record.output = (await execution.result) as unknown;
    record.status = 'SUCCEEDED';
  } catch (err) {
    await logs.catch(() => undefined);
    record.status = 'FAILED';
    record.error = failure.error ?? (err as Error).name;
    record.cause = failure.cause ?? (err as Error).message;
  }
  await logs.catch(() => undefined);
  const stopped = new Date();
  record.stoppedAt = stopped.toISOString();
  record.durationMs = stopped.getTime() - started.getTime();
  await pool.flush();
  save();
  await writes;
  emit({ type: 'execution-finished', record });
  return record;
}
