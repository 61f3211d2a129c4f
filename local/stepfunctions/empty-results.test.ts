/**
 * Empty results are normal: a window whose samples are all quarantined or duplicates, a Map item without dates, or
 * no Map at all must go on to Commit. There is no AWS here, so this walks the resolved definition with a small
 * evaluator that applies the data-flow rules Step Functions documents for JSONPath states:
 * - Parameters / ResultSelector: a field whose name ends in `.$` takes the value its path selects; when the path
 *   cannot be applied the state fails (States.ParameterPathFailure, reported as States.Runtime, which a
 *   `States.ALL` Catch does not catch): docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html,
 *   docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html.
 * - A path with a wildcard yields a selection of values (`$.a[0:2]` → `[1, 2]`; a Map's result list is flattened
 *   with `$[*][*]`): same page. What an indefinite path that selects nothing yields is not documented, so every case
 *   runs under both readings, `error` (as aws-local-stepfunctions does) and `empty` (an empty list).
 * - Intrinsics States.Array, States.ArrayUnique, States.JsonToString, States.Format:
 *   docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html.
 * - Choice StringMatches (`*` is the only wildcard), IsPresent, IsNull, StringEquals, BooleanEquals, Or:
 *   docs.aws.amazon.com/step-functions/latest/dg/state-choice.html.
 * The same cases also run in the local interpreter: local/stepfunctions/pipeline.int.test.ts.
 */
import { loadPipeline, type AslDefinition, type Json } from './definition';

type Reading = 'error' | 'empty';
type Obj = Record<string, Json>;
class PathFailure extends Error {
  override name = 'States.Runtime';
}

// ---- JSONPath: `$`, `$$`, `.name`, `['name']`, `[n]`, `[*]` (all the definition uses) ----
function evalPath(path: string, data: Json, context: Json, reading: Reading): Json {
  const ctx = path.startsWith('$$');
  let rest = path.slice(ctx ? 2 : 1);
  let nodes: Json[] = [ctx ? context : data];
  let wildcard = false;
  while (rest) {
    let m: RegExpExecArray | null;
    if ((m = /^\.([A-Za-z_][\w-]*)/.exec(rest)) || (m = /^\['([^']+)'\]/.exec(rest))) {
      const key = m[1]!;
      nodes = nodes.flatMap((n) => (n && typeof n === 'object' && !Array.isArray(n) && key in n ? [(n as Obj)[key]!] : []));
    } else if ((m = /^\[(\d+)\]/.exec(rest))) {
      const i = Number(m[1]);
      nodes = nodes.flatMap((n) => (Array.isArray(n) && i < n.length ? [n[i]!] : []));
    } else if ((m = /^\[\*\]/.exec(rest))) {
      wildcard = true;
      nodes = nodes.flatMap((n) => (Array.isArray(n) ? n : n && typeof n === 'object' ? Object.values(n) : []));
    } else throw new Error(`evaluator: unsupported path ${path}`);
    rest = rest.slice(m[0].length);
  }
  if (wildcard) {
    if (nodes.length === 0 && reading === 'error') throw new PathFailure(`path ${path} selects nothing`);
    return nodes;
  }
  if (nodes.length === 0) throw new PathFailure(`path ${path} selects nothing`);
  return nodes[0]!;
}

// ---- intrinsics ----
function evalExpr(expr: string, data: Json, context: Json, reading: Reading): Json {
  const e = expr.trim();
  const call = /^(States\.\w+)\(([\s\S]*)\)$/.exec(e);
  if (!call) return evalPath(e, data, context, reading);
  const args = splitArgs(call[2]!).map((a): Json => {
    const s = a.trim();
    if (/^'.*'$/s.test(s)) return s.slice(1, -1).replace(/\\'/g, "'");
    if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
    return evalExpr(s, data, context, reading);
  });
  switch (call[1]) {
    case 'States.Array':
      return args;
    case 'States.ArrayUnique':
      return [...new Map((args[0] as Json[]).map((v) => [JSON.stringify(v), v])).values()];
    case 'States.ArrayLength':
      return (args[0] as Json[]).length;
    case 'States.JsonToString':
      return JSON.stringify(args[0]);
    case 'States.Format': {
      let i = 1;
      return String(args[0]).replace(/\{\}/g, () => String(args[i++]));
    }
    default:
      throw new Error(`evaluator: unsupported intrinsic ${call[1]}`);
  }
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'" && s[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (s.trim()) out.push(s.slice(start));
  return out;
}

function payload(template: Json, data: Json, context: Json, reading: Reading): Json {
  if (Array.isArray(template)) return template.map((t) => payload(t, data, context, reading));
  if (!template || typeof template !== 'object') return template;
  const out: Obj = {};
  for (const [k, v] of Object.entries(template)) {
    if (k.endsWith('.$')) out[k.slice(0, -2)] = evalExpr(String(v), data, context, reading);
    else out[k] = payload(v, data, context, reading);
  }
  return out;
}

function applyResultPath(input: Json, result: Json, path: Json | undefined): Json {
  if (path === undefined || path === '$') return result;
  if (path === null) return input;
  const keys = String(path).replace(/^\$\./, '').split('.');
  const root = structuredClone(input) as Obj;
  let node = root;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Obj;
  node[keys.at(-1)!] = result;
  return root;
}

// ---- Choice ----
function matches(rule: Obj, data: Json, context: Json, reading: Reading): boolean {
  if ('Or' in rule) return (rule.Or as Obj[]).some((r) => matches(r, data, context, reading));
  const value = () => evalPath(String(rule.Variable), data, context, reading);
  if ('IsPresent' in rule) {
    let present = true;
    try {
      value();
    } catch (err) {
      if (!(err instanceof PathFailure)) throw err;
      present = false;
    }
    return present === rule.IsPresent;
  }
  if ('IsNull' in rule) return (value() === null) === rule.IsNull;
  if ('StringEquals' in rule) return value() === rule.StringEquals;
  if ('BooleanEquals' in rule) return value() === rule.BooleanEquals;
  if ('StringMatches' in rule) {
    const v = value();
    const re = new RegExp(`^${String(rule.StringMatches).split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
    return typeof v === 'string' && re.test(v);
  }
  throw new Error(`evaluator: unsupported choice rule ${JSON.stringify(rule)}`);
}

// ---- states ----
type TaskStub = (state: string, input: Json) => Json;
interface Walk {
  visited: string[];
  taskInputs: Record<string, Json[]>;
  output?: Json;
  error?: string;
}

function runMachine(machine: { StartAt: string; States: Record<string, Obj> }, input: Json, context: Obj, tasks: TaskStub, reading: Reading, walk: Walk): Json {
  let name: string | undefined = machine.StartAt;
  let data = input;
  while (name) {
    const s: Obj = machine.States[name]!;
    walk.visited.push(name);
    let next = s.Next as string | undefined;
    switch (s.Type) {
      case 'Pass': {
        const result = s.Parameters !== undefined ? payload(s.Parameters, data, context, reading) : (s.Result ?? data);
        data = applyResultPath(data, result, s.ResultPath);
        break;
      }
      case 'Choice': {
        const hit = (s.Choices as Obj[]).find((c) => matches(c, data, context, reading));
        next = hit ? String(hit.Next) : String(s.Default);
        break;
      }
      case 'Task':
      case 'Map': {
        let result: Json;
        try {
          if (s.Type === 'Task') {
            const params = s.Parameters !== undefined ? payload(s.Parameters, data, context, reading) : data;
            (walk.taskInputs[name] ??= []).push(params);
            result = tasks(name, params);
          } else {
            const items = evalPath(String(s.ItemsPath ?? '$'), data, context, reading) as Json[];
            result = items.map((item, index) => {
              const itemContext = { ...context, Map: { Item: { Value: item, Index: index } } };
              const itemInput = s.ItemSelector !== undefined ? payload(s.ItemSelector, data, itemContext, reading) : item;
              return runMachine(s.ItemProcessor as never, itemInput, itemContext, tasks, reading, walk);
            });
          }
        } catch (err) {
          if (err instanceof PathFailure) throw err; // States.Runtime: not caught by States.ALL
          const handler = (s.Catch as Obj[] | undefined)?.find((c) => (c.ErrorEquals as string[]).includes('States.ALL'));
          if (!handler) throw err;
          data = applyResultPath(data, { Error: (err as Error).name, Cause: (err as Error).message }, handler.ResultPath);
          next = String(handler.Next);
          break;
        }
        if (s.ResultSelector !== undefined) result = payload(s.ResultSelector, result, context, reading);
        data = applyResultPath(data, result, s.ResultPath);
        break;
      }
      case 'Succeed':
        return s.OutputPath !== undefined ? evalPath(String(s.OutputPath), data, context, reading) : data;
      case 'Fail':
        throw Object.assign(new Error(String(evalPath(String(s.CausePath), data, context, reading))), { name: String(evalPath(String(s.ErrorPath), data, context, reading)) });
      default:
        throw new Error(`evaluator: unsupported state type ${String(s.Type)}`);
    }
    if (s.End === true) return data;
    name = next;
  }
  return data;
}

// ---- the pipeline's Task results, as the handlers and Glue return them ----
const totals = (samples: number, quarantined: number, duplicates = 0): Obj => ({
  lines: samples, samples, valid: samples - quarantined - duplicates, quarantined, quarantined_by_reason: quarantined ? { stale_timestamp: quarantined } : {},
  duplicates, conflicts: 0, unknown_fields: 0, bytes_read: 100,
});
const KEY = (n: number) => `telemetry/year=2026/month=03/day=01/hour=10/fleetlake-local-1-2026-03-01-10-00-00-${n}.gz`;
const plan = (over: Obj): Obj => ({
  mode: 'arrivals', window: { from: null, to: '2026-03-01T12:00:00.000Z' }, items: [], objects: 0, bytes: 0, dates: [],
  watermark: null, expand_neighbours: 'true', continuation: null, features_due: true, pending: [], ...over,
});

function walkPipeline(definition: AslDefinition, planResult: Obj, cleanResults: Obj[], reading: Reading): Walk {
  const walk: Walk = { visited: [], taskInputs: {} };
  let item = 0;
  const tasks: TaskStub = (state, input) => {
    switch (state) {
      case 'Plan':
        return planResult as Json;
      case 'CleanObjects': {
        const r = cleanResults[item++]!;
        return { objects: ((input as Obj).keys as Json[]).map((key) => ({ key })), ...r } as Json;
      }
      case 'Features':
        return { Id: 'jr_1', JobRunState: 'SUCCEEDED' };
      case 'Commit':
        return { committed: true };
      default:
        throw new Error(`no stub for ${state}`);
    }
  };
  const context: Obj = { Execution: { Id: 'arn:aws:states:eu-west-1:000000000000:execution:p:e1', Name: 'e1', StartTime: '2026-03-01T12:00:00.000Z' }, StateMachine: { Id: 'arn:sm' } };
  try {
    walk.output = runMachine(definition as never, {}, context, tasks, reading, walk);
  } catch (err) {
    walk.error = `${(err as Error).name}: ${(err as Error).message}`;
  }
  return walk;
}

const definition = loadPipeline('local').definition;
const oneItem = (n: number) => ({ keys: [KEY(n)] });
const watermark = { before: null, after: { last_modified: '2026-03-01T10:05:00.000Z', key: KEY(1) } };

const CASES = {
  'every sample quarantined (the README stale-ts message)': {
    plan: plan({ items: [oneItem(1)], objects: 1, watermark }),
    clean: [{ totals: totals(1, 1), dates: [] }],
    features: null,
    commitDates: [],
  },
  'only duplicates and quarantined samples in two items': {
    plan: plan({ items: [oneItem(1), oneItem(2)], objects: 2, watermark }),
    clean: [{ totals: totals(3, 1, 2), dates: [] }, { totals: totals(1, 1), dates: [] }],
    features: null,
    commitDates: [],
  },
  'one item without dates, one with': {
    plan: plan({ items: [oneItem(1), oneItem(2)], objects: 2, watermark }),
    clean: [{ totals: totals(1, 1), dates: [] }, { totals: totals(10, 0), dates: ['2026-03-01', '2026-03-02'] }],
    features: '["2026-03-01","2026-03-02"]',
    commitDates: ['2026-03-01', '2026-03-02'],
  },
  'nothing arrived (no Map)': { plan: plan({}), clean: [], features: null, commitDates: [] },
  '{"dates"} rebuild': {
    plan: plan({ mode: 'dates', window: null, dates: ['2026-03-01'], expand_neighbours: 'false' }),
    clean: [],
    features: '["2026-03-01"]',
    commitDates: ['2026-03-01'],
  },
  // The features cadence (docs/pipeline.md#the-features-cadence): Plan hands over pending dates and whether features are due.
  'cadence: due, touched and pending dates are built together': {
    plan: plan({ items: [oneItem(1), oneItem(2)], objects: 2, watermark, pending: ['2026-02-27', '2026-03-01'] }),
    clean: [{ totals: totals(1, 1), dates: [] }, { totals: totals(10, 0), dates: ['2026-03-01'] }],
    features: '["2026-03-01","2026-02-27"]',
    commitDates: ['2026-03-01', '2026-02-27'],
  },
  'cadence: due, nothing arrived, only pending dates': {
    plan: plan({ pending: ['2026-02-28'] }),
    clean: [],
    features: '["2026-02-28"]',
    commitDates: ['2026-02-28'],
  },
  'cadence: due, every sample quarantined, only pending dates': {
    plan: plan({ items: [oneItem(1)], objects: 1, watermark, pending: ['2026-02-28'] }),
    clean: [{ totals: totals(1, 1), dates: [] }],
    features: '["2026-02-28"]',
    commitDates: ['2026-02-28'],
  },
  'cadence: not due, dates touched (deferred to Commit)': {
    plan: plan({ items: [oneItem(1), oneItem(2)], objects: 2, watermark, features_due: false, pending: ['2026-02-28'] }),
    clean: [{ totals: totals(1, 1), dates: [] }, { totals: totals(10, 0), dates: ['2026-03-01'] }],
    features: 'DEFERRED',
    commitDates: [],
  },
  'cadence: not due, nothing arrived': {
    plan: plan({ features_due: false, pending: ['2026-02-28'] }),
    clean: [],
    features: 'DEFERRED',
    commitDates: [],
  },
} satisfies Record<string, { plan: Obj; clean: Obj[]; features: string | null; commitDates: string[] }>;

describe.each(['error', 'empty'] as const)('the definition under the "%s" reading of an empty selection', (reading) => {
  test.each(Object.entries(CASES))('%s goes on to Commit and succeeds', (_name, c) => {
    const walk = walkPipeline(definition, c.plan, c.clean, reading);
    expect(walk.error).toBeUndefined();
    expect(walk.visited).toContain('Commit');
    expect(walk.visited.at(-1)).toBe('Done');
    const commit = walk.taskInputs.Commit![0] as Obj;
    expect(commit.dates).toEqual(c.commitDates);
    expect(commit.objects).toEqual(c.clean.map(() => 1));
    expect(commit.totals).toEqual(c.clean.map((r) => r.totals));
    // Commit always gets the touched lists and the planned pending dates (it keeps what was not built pending).
    expect(commit.touched).toEqual(c.plan.mode === 'dates' ? [c.plan.dates] : c.clean.map((r) => r.dates));
    expect(commit.pending).toEqual(c.plan.pending);
    const ran = c.features !== null && c.features !== 'DEFERRED';
    expect(commit.features).toEqual(ran ? { JobRunId: 'jr_1', JobRunState: 'SUCCEEDED' } : { JobRunId: null, JobRunState: c.features ?? 'SKIPPED' });
    const features = walk.taskInputs.Features?.[0] as { Arguments: Record<string, string> } | undefined;
    expect(features?.Arguments['--dates'] ?? null).toBe(ran ? c.features : null);
  });
});

describe('the check fails on the definition before the fix', () => {
  // What the Map and CollectDates did before: flatten with `$[*].dates[*]`, then ArrayUnique.
  const old = structuredClone(definition);
  (old.States.Clean!.ResultSelector as Obj)['dates.$'] = '$[*].dates[*]';
  old.States.CollectDates!.Parameters = { ...(old.States.CollectDates!.Parameters as Obj), 'dates.$': 'States.ArrayUnique($.clean.dates)' };
  delete (old.States.CollectDates!.Parameters as Obj).dates;

  test('a window of only quarantined samples fails with the path error, as in the local interpreter', () => {
    const c = CASES['every sample quarantined (the README stale-ts message)'];
    const walk = walkPipeline(old, c.plan, c.clean, 'error');
    expect(walk.error).toBe('States.Runtime: path $[*].dates[*] selects nothing');
    expect(walk.visited).not.toContain('Commit');
  });

  test('a union flattened one level too shallow fails on the cadence cases (the check sees the path)', () => {
    const shallow = structuredClone(definition);
    shallow.States.UnionDates!.Parameters = { ...(shallow.States.UnionDates!.Parameters as Obj), 'dates.$': '$.lists[*][*]' };
    const c = CASES['cadence: due, touched and pending dates are built together'];
    const walk = walkPipeline(shallow, c.plan, c.clean, 'error');
    expect(walk.error).toBeUndefined();
    expect((walk.taskInputs.Commit![0] as Obj).dates).not.toEqual(c.commitDates); // lists, not dates
  });

  test('flattening touched ∪ pending before AnyDates checked for a date fails when both are empty', () => {
    const eager = structuredClone(definition);
    (eager.States.CollectDates!.Parameters as Obj)['union.$'] = '$.clean.dates[*][*]';
    const c = CASES['cadence: not due, nothing arrived'];
    expect(walkPipeline(eager, c.plan, c.clean, 'error').error).toBe('States.Runtime: path $.clean.dates[*][*] selects nothing');
    expect(walkPipeline(eager, c.plan, c.clean, 'empty').error).toBeUndefined();
  });

  test('the evaluator itself: a definite path that selects nothing fails under both readings', () => {
    expect(() => evalPath('$.plan.nope', { plan: {} }, null, 'empty')).toThrow(PathFailure);
    expect(evalPath('$[*].x', [], null, 'empty')).toEqual([]);
    expect(() => evalPath('$[*].x', [], null, 'error')).toThrow(PathFailure);
    expect(evalExpr("States.ArrayUnique($.a[*][*])", { a: [['x', 'y'], ['y']] }, null, 'error')).toEqual(['x', 'y']);
    expect(matches({ Variable: '$.t', StringMatches: '*"*' }, { t: '[[],[]]' }, null, 'error')).toBe(false);
    expect(matches({ Variable: '$.t', StringMatches: '*"*' }, { t: '[["2026-03-01"]]' }, null, 'error')).toBe(true);
    expect(matches({ Variable: '$.d', BooleanEquals: false }, { d: true }, null, 'error')).toBe(false);
    expect(matches({ Or: [{ Variable: '$.a', StringEquals: 'x' }, { Variable: '$.b', StringEquals: 'y' }] }, { a: 'q', b: 'y' }, null, 'error')).toBe(true);
    expect(evalPath('$.l[*][*][*]', { l: { t: [[], ['d1']], p: [['d2']] } }, null, 'error')).toEqual(['d1', 'd2']);
  });
});
