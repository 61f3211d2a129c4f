import aslValidator from 'asl-validator';
import { loadPipeline } from './definition';
import { subsetViolations } from './subset';

const clone = <T>(v: T): T => structuredClone(v);
/** asl-validator mutates its input (it stamps QueryLanguage on each state), so it always gets a copy. */
const validate = (d: unknown) => aslValidator(clone(d));

const pipeline = loadPipeline('local');
const def = pipeline.definition;

test('the resolved definition is valid ASL (asl-validator)', () => {
  const { isValid, errorsText } = validate(def);
  expect(errorsText('\n')).toBe('');
  expect(isValid).toBe(true);
});

test('the definition keeps to the subset both runtimes run the same way', () => {
  expect(subsetViolations(def)).toEqual([]);
});

test('stage params and intrinsics are resolved: MaxConcurrency from cleanMaxConcurrency, fake ARNs for the tasks', () => {
  expect(def.States.Clean!.MaxConcurrency).toBe(20); // params.default (stage local sets no own value)
  expect(loadPipeline('dev').definition.States.Clean!.MaxConcurrency).toBe(5);
  expect(loadPipeline('prod').definition.States.Clean!.MaxConcurrency).toBe(40);
  expect(def.States.Plan!.Resource).toBe('arn:aws:lambda:eu-west-1:000000000000:function:fleetlake-local-plan');
  expect(JSON.stringify(def)).not.toMatch(/\$\{|Fn::|"Ref"/);
});

test('every Task and Map has a Catch that leads to NotifyFailure', () => {
  const failHandlers = new Set(['PlanFailed', 'CleanFailed', 'FeaturesFailed', 'CommitFailed', 'ContinueFailed']);
  for (const [name, s] of Object.entries(def.States)) {
    if (s.Type !== 'Task' && s.Type !== 'Map') continue;
    const catchers = s.Catch as Array<{ ErrorEquals: string[]; Next: string }>;
    expect(catchers).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'] })]);
    const next = catchers[0]!.Next;
    if (name === 'NotifyFailure') expect(next).toBe('Failed');
    else {
      expect(failHandlers.has(next)).toBe(true);
      expect(def.States[next]!.Next).toBe('NotifyFailure');
    }
  }
});

test('Lambda tasks retry service errors and throttles with backoff and full jitter', () => {
  const lambdaErrors = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
  const inner = (def.States.Clean!.ItemProcessor as { States: Record<string, Record<string, unknown>> }).States.CleanObjects!;
  for (const s of [def.States.Plan!, inner, def.States.Commit!]) {
    expect(s.Retry).toContainEqual(expect.objectContaining({ ErrorEquals: lambdaErrors, JitterStrategy: 'FULL', BackoffRate: 2 }));
  }
  const glueRetry = (def.States.Features!.Retry as Array<Record<string, unknown>>).find((r) => (r.ErrorEquals as string[]).includes('Glue.ConcurrentRunsExceededException'))!;
  expect(glueRetry).toMatchObject({ JitterStrategy: 'FULL' });
  // Queue rather than fail: the retries together wait well over an hourly schedule's period.
  let wait = 0;
  for (let i = 0; i < (glueRetry.MaxAttempts as number); i++) {
    wait += Math.min((glueRetry.IntervalSeconds as number) * (glueRetry.BackoffRate as number) ** i, glueRetry.MaxDelaySeconds as number);
  }
  expect(wait).toBeGreaterThan(2 * 3600);
  expect(def.States.Features!.Resource).toBe('arn:aws:states:::glue:startJobRun.sync');
});

describe('the subset check rejects what the local interpreter cannot run the same way', () => {
  const mutate = (f: (d: typeof def) => void) => {
    const d = clone(def);
    f(d);
    return subsetViolations(d);
  };
  const inner = (d: typeof def) => (d.States.Clean!.ItemProcessor as { States: Record<string, Record<string, unknown>> }).States.CleanObjects!;
  test.each([
    ['top-level QueryLanguage JSONata', (d: typeof def) => void (d.QueryLanguage = 'JSONata'), /QueryLanguage/],
    ['a state QueryLanguage', (d: typeof def) => void (d.States.Plan!.QueryLanguage = 'JSONata'), /Plan: QueryLanguage/],
    ['a JSONata expression', (d: typeof def) => void ((d.States.Commit!.Parameters as Record<string, unknown>).x = '{% $states.input.a %}'), /JSONata expression/],
    ['Assign', (d: typeof def) => void (d.States.Plan!.Assign = { a: 1 }), /Plan: Assign/],
    ['Assign inside the Map', (d: typeof def) => void (inner(d).Assign = { a: 1 }), /Clean\/CleanObjects: Assign/],
    ['JSONata Output', (d: typeof def) => void (d.States.Commit!.Output = '{% 1 %}'), /Commit: Output/],
    ['ItemReader', (d: typeof def) => void (d.States.Clean!.ItemReader = { Resource: 'arn:aws:states:::s3:getObject' }), /ItemReader/],
    ['ItemBatcher', (d: typeof def) => void (d.States.Clean!.ItemBatcher = { MaxItemsPerBatch: 10 }), /ItemBatcher/],
    ['ResultWriter', (d: typeof def) => void (d.States.Clean!.ResultWriter = { Resource: 'arn:aws:states:::s3:putObject' }), /ResultWriter/],
    ['ToleratedFailurePercentage', (d: typeof def) => void (d.States.Clean!.ToleratedFailurePercentage = 5), /ToleratedFailurePercentage/],
    ['ToleratedFailureCount', (d: typeof def) => void (d.States.Clean!.ToleratedFailureCount = 5), /ToleratedFailureCount/],
    ['a DISTRIBUTED Map', (d: typeof def) => void ((d.States.Clean!.ItemProcessor as Record<string, unknown>).ProcessorConfig = { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }), /DISTRIBUTED/],
    ['a false type test in a Choice', (d: typeof def) => void ((d.States.MoreWork!.Choices as Array<Record<string, unknown>>)[0]!.IsNull = false), /MoreWork: IsNull: false/],
    ['waitForTaskToken', (d: typeof def) => void (d.States.Commit!.Resource = 'arn:aws:states:::lambda:invoke.waitForTaskToken'), /waitForTaskToken/],
  ])('%s', (_name, f, message) => {
    const v = mutate(f);
    expect(v.length).toBeGreaterThan(0);
    expect(v.join('\n')).toMatch(message);
  });
});
