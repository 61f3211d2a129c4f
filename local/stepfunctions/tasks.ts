import { allStates } from '../../lib/asl/states';
import type { AslDefinition, Json, ResolvedPipeline } from './definition';
import type { FunctionConfig } from './serverless-config';

/**
 * Maps every Task of the definition to a local implementation, by walking the definition (Map and Parallel
 * branches included). aws-local-stepfunctions sends a Task without an override to AWS Lambda, so an unmapped
 * resource is an error here, before the run starts: the local twin never calls AWS.
 */
export class UnmappedTaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnmappedTaskError';
  }
}

export interface GlueJobRunParams {
  JobName: string;
  Arguments?: Record<string, string>;
}
export interface SnsPublishParams {
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, unknown>;
}
export interface StartExecutionParams {
  StateMachineArn: string;
  Input?: unknown;
  Name?: string;
}

/** The local stand-ins for the services the definition calls. Each returns what the real service returns. */
export interface LocalServices {
  invokeLambda(fn: FunctionConfig, payload: unknown, state: string): Promise<unknown>;
  /** `glue:startJobRun.sync` of the job with this logical id: resolves with the finished JobRun. */
  runGlueJob(jobLogicalId: string, params: GlueJobRunParams, state: string): Promise<Record<string, unknown>>;
  publishSns(params: SnsPublishParams, state: string): Promise<{ MessageId: string }>;
  startExecution(params: StartExecutionParams, state: string): Promise<{ ExecutionArn: string; StartDate: string }>;
}

export type TaskHandler = (input: Json) => Promise<Json>;
/** Wraps a Task's local implementation (fault injection in tests, instrumentation). */
export type WrapTask = (state: string, run: TaskHandler) => TaskHandler;

export interface TaskBinding {
  state: string;
  resource: string;
  kind: 'lambda' | 'glue' | 'sns' | 'states';
  target: string;
}

type State = Record<string, Json>;

function* tasksOf(machine: { States?: Record<string, State> }): Generator<[string, State]> {
  for (const { name, state } of allStates(machine)) if (state.Type === 'Task') yield [name, state];
}

const byValue = (refs: Map<string, string>, value: unknown) => [...refs].find(([, v]) => v === value)?.[0];

/** Resolves each Task to its local target, or throws naming every Task it cannot map. */
export function bindTasks(
  pipeline: ResolvedPipeline,
  canRunGlueJob: (logicalId: string) => boolean = () => true,
  definition: AslDefinition = pipeline.definition,
): TaskBinding[] {
  const bindings: TaskBinding[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [state, s] of tasksOf(definition)) {
    if (seen.has(state)) problems.push(`${state}: duplicate state name (local overrides are keyed by state name)`);
    seen.add(state);
    const resource = String(s.Resource);
    const params = (s.Parameters ?? {}) as Record<string, Json>;
    const fn = pipeline.lambdaArns.get(resource);
    if (fn) {
      bindings.push({ state, resource, kind: 'lambda', target: fn.name });
    } else if (resource === 'arn:aws:states:::glue:startJobRun.sync') {
      const job = byValue(pipeline.refs, params.JobName);
      if (job && pipeline.refTypes.get(job) === 'AWS::Glue::Job' && canRunGlueJob(job)) bindings.push({ state, resource, kind: 'glue', target: job });
      else problems.push(`${state}: ${resource} of job ${JSON.stringify(params.JobName)} has no local implementation`);
    } else if (resource === 'arn:aws:states:::sns:publish') {
      const topic = byValue(pipeline.refs, params.TopicArn);
      if (topic && pipeline.refTypes.get(topic) === 'AWS::SNS::Topic') bindings.push({ state, resource, kind: 'sns', target: topic });
      else problems.push(`${state}: ${resource} to ${JSON.stringify(params.TopicArn)} has no local implementation`);
    } else if (resource === 'arn:aws:states:::states:startExecution') {
      if (params['StateMachineArn.$'] === '$$.StateMachine.Id' || params.StateMachineArn === pipeline.stateMachineArn) {
        bindings.push({ state, resource, kind: 'states', target: pipeline.stateMachineName });
      } else problems.push(`${state}: ${resource} may only start this state machine locally`);
    } else {
      problems.push(`${state}: resource ${resource} has no local implementation`);
    }
  }
  if (problems.length) throw new UnmappedTaskError(`cannot run ${pipeline.stateMachineName} locally:\n  ${problems.join('\n  ')}`);
  return bindings;
}

/** The `taskResourceLocalHandlers` for aws-local-stepfunctions: one per Task state. */
export function buildTaskOverrides(
  pipeline: ResolvedPipeline,
  services: LocalServices & { canRunGlueJob(logicalId: string): boolean },
  wrap: WrapTask = (_s, run) => run,
): Record<string, TaskHandler> {
  const out: Record<string, TaskHandler> = {};
  for (const b of bindTasks(pipeline, (id) => services.canRunGlueJob(id))) {
    let run: TaskHandler;
    switch (b.kind) {
      case 'lambda': {
        const fn = pipeline.functions.get(b.target)!;
        run = async (input) => (await services.invokeLambda(fn, input, b.state)) as Json;
        break;
      }
      case 'glue':
        run = async (input) => (await services.runGlueJob(b.target, input as unknown as GlueJobRunParams, b.state)) as Json;
        break;
      case 'sns':
        run = async (input) => (await services.publishSns(input as unknown as SnsPublishParams, b.state)) as Json;
        break;
      case 'states':
        run = async (input) => (await services.startExecution(input as unknown as StartExecutionParams, b.state)) as Json;
        break;
    }
    out[b.state] = wrap(b.state, run);
  }
  return out;
}
