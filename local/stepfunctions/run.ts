import './polyfill';
import { randomUUID, createHash } from 'node:crypto';
import path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { allStates } from '../../lib/asl/states';
import { reconcile, sumTotals, type CleanTotals, type Reconciliation, type RunSummary } from '../../lib/pipeline/commit';
import type { PlanResult } from '../../lib/pipeline/plan';
import { currentProcess, type LockOwner } from '../../lib/store/file-lock';
import { removeStaleStaging, runFeatures, type FeaturesOptions, type FeaturesResult } from '../engine/features';
import { parseDatesArgument } from '../../lib/features/dates';
import { defaultPoolSize, LambdaPool } from '../lambda/pool';
import { LOCAL_AWS, loadPipeline, type AslDefinition, type ResolvedPipeline } from './definition';
import { abortStale, newExecutionId, writeExecution, type ExecutionRecord, type HistoryEvent } from './history';
import { acquireRunLock } from './run-lock';
import { subsetViolations } from './subset';
import { buildTaskOverrides, type LocalServices, type WrapTask } from './tasks';

/**
 * `runPipeline({ lake, input })`: runs state-machines/pipeline.asl.yml with aws-local-stepfunctions, every Task
 * mapped to its local twin (Lambda ARNs → the handler modules in the worker pool, glue:startJobRun.sync → the
 * DuckDB features runner, sns:publish → the execution history, states:startExecution → a follow-up execution run
 * after this one). Records each execution under `<lake>/_executions/`.
 */
export type PipelineEvent =
  | { type: 'waiting'; holder: LockOwner }
  /** What a killed run left behind and this run cleared up before starting: its executions, its staging. */
  | { type: 'recovered'; aborted: string[]; staging: string[] }
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
  /** Another run holds the lake: wait for it (default), or fail at once with LakeBusyError (`--no-wait`). */
  wait?: boolean;
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
  /** Scheduled runs under a features cadence: the dates whose gold waits for the next due build (last execution's). */
  gold_pending: string[];
  duration_seconds: number;
  reconciliation: Reconciliation;
}

/** Glue jobs that have a local twin, by the script they run. */
const LOCAL_GLUE_SCRIPTS: Record<string, 'features'> = { 'features.py': 'features' };

function maxConcurrency(def: AslDefinition): number {
  let max = 1;
  for (const { state } of allStates(def)) {
    if (state.Type === 'Map') max = Math.max(max, typeof state.MaxConcurrency === 'number' && state.MaxConcurrency > 0 ? state.MaxConcurrency : 40);
  }
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
  const emit = options.onEvent ?? (() => undefined);
  const lock = await acquireRunLock(lake, { wait: options.wait ?? true, onWait: (holder) => emit({ type: 'waiting', holder }) });
  try {
    // Holding the lock, nothing else runs on this lake: what a killed run left is stale.
    const aborted = await abortStale(lake, { lockHeld: true });
    const staging = await removeStaleStaging(lake);
    if (aborted.length || staging.length) emit({ type: 'recovered', aborted, staging });
    return await runChain(pipeline, machine, lake, options);
  } finally {
    await lock.release();
  }
}

async function runChain(pipeline: ResolvedPipeline, machine: StateMachine, lake: string, options: RunPipelineOptions): Promise<RunPipelineResult> {
  const features = options.features ?? runFeatures;
  const pool = new LambdaPool({ lake, size: options.poolSize ?? defaultPoolSize(maxConcurrency(pipeline.definition)), env: options.env });
  pool.warm([...pipeline.lambdaArns.values()]);
  const queue: Job[] = [{ id: newExecutionId(), input: options.input ?? {}, rerunOf: options.rerunOf }];
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
  const totals = sumTotals(done);
  return {
    executions: done.length,
    objects: done.reduce((a, o) => a + (o.objects ?? 0), 0),
    ...totals,
    dates_rebuilt: [...new Set(done.flatMap((o) => o.dates_rebuilt ?? []))].sort(),
    gold_pending: done.at(-1)?.gold?.pending ?? [],
    duration_seconds: executions.reduce((a, e) => a + (e.durationMs ?? 0), 0) / 1000,
    reconciliation: reconcile(totals),
  };
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
  job: Job,
  ctx: RunContext,
): Promise<ExecutionRecord> {
  const emit = ctx.options.onEvent ?? (() => undefined);
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
    process: currentProcess(),
    events: [],
    notifications: [],
  };
  // History writes are chained and never reject on their own (an unhandled rejection would kill the process with a
  // stack and leave the record RUNNING); the first failure is kept and reported when the execution ends.
  let writeError: unknown;
  let writes = Promise.resolve();
  const save = () => {
    writes = writes.then(() => writeExecution(lake, record)).catch((err: unknown) => void (writeError ??= err));
  };
  save();
  try {
    await writes;
    if (writeError) throw writeError;
    emit({ type: 'execution-started', executionId: job.id, input: job.input });
    await execute(pipeline, machine, lake, job, record, save, ctx);
  } catch (err) {
    // Anything the state machine did not catch (the runner, the pool, the history): the execution still ends FAILED.
    record.status = 'FAILED';
    record.error = (err as Error).name || 'Error';
    record.cause = (err as Error).message;
    if (process.env.FLEETLAKE_DEBUG) record.cause += `\n${(err as Error).stack ?? ''}`;
  }
  const stopped = new Date();
  record.stoppedAt = stopped.toISOString();
  record.durationMs = stopped.getTime() - started.getTime();
  writeError = undefined;
  save();
  await writes;
  if (writeError) throw new Error(`execution ${job.id} ${record.status}, but its history could not be written: ${(writeError as Error).message}`, { cause: writeError });
  emit({ type: 'execution-finished', record });
  return record;
}

type Job = { id: string; input: unknown; startedBy?: string; rerunOf?: string };
type RunContext = { pool: LambdaPool; features: FeaturesRunner; options: RunPipelineOptions; queue: Job[] };

/** Runs the state machine for one execution, filling `record` (events, notifications, output or error). */
async function execute(
  pipeline: ResolvedPipeline,
  machine: StateMachine,
  lake: string,
  job: Job,
  record: ExecutionRecord,
  save: () => void,
  ctx: RunContext,
): Promise<void> {
  const { pool, features, options, queue } = ctx;
  const emit = options.onEvent ?? (() => undefined);
  const started = new Date(record.startedAt);
  const executionArn = record.executionArn;

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
  await pool.flush();
}
