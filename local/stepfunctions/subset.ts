import { allStates, mapProcessor } from '../../lib/asl/states';
import type { Json } from './definition';

/**
 * The ASL subset both runtimes execute the same way. aws-local-stepfunctions silently ignores JSONata, fails on
 * Assign, and has no Distributed Map or callback tasks, so a definition using them would behave differently
 * locally than in AWS. Returns one message per violation (empty = fine).
 */
const JSONATA_OR_VARIABLE_FIELDS = ['QueryLanguage', 'Assign', 'Output', 'Arguments'];
const DISTRIBUTED_MAP_FIELDS = [
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
];

type State = Record<string, Json>;
type Machine = { States?: Record<string, State>; QueryLanguage?: Json };

export function subsetViolations(definition: unknown): string[] {
  const out: string[] = [];
  const root = definition as Machine;
  if (root.QueryLanguage !== undefined) out.push(`top level: QueryLanguage is not allowed (JSONPath only)`);
  findJsonataExpressions(definition, '$', out);
  walkStates(root, out);
  return out;
}

function walkStates(machine: Machine, out: string[]): void {
  for (const { path: at, state } of allStates(machine)) {
    for (const f of JSONATA_OR_VARIABLE_FIELDS) {
      if (f in state) out.push(`${at}: ${f} is not allowed (JSONata/variables are not supported by the local interpreter)`);
    }
    if (state.Type === 'Map') {
      for (const f of DISTRIBUTED_MAP_FIELDS) if (f in state) out.push(`${at}: ${f} is not allowed (inline Map only)`);
      const mode = mapProcessor(state)?.ProcessorConfig?.Mode;
      if (mode && mode !== 'INLINE') out.push(`${at}: ProcessorConfig.Mode ${mode} is not allowed (inline Map only)`);
    }
    if (state.Type === 'Choice') findFalseTypeTests(state.Choices, at, out);
    if (state.Type === 'Task') {
      if (typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken')) {
        out.push(`${at}: .waitForTaskToken is not supported by the local interpreter`);
      }
      if ('HeartbeatSeconds' in state || 'HeartbeatSecondsPath' in state) out.push(`${at}: Heartbeat is not supported by the local interpreter`);
    }
  }
}

function findJsonataExpressions(v: unknown, at: string, out: string[]): void {
  if (typeof v === 'string') {
    if (/^\s*\{%[\s\S]*%\}\s*$/.test(v)) out.push(`${at}: JSONata expression ${JSON.stringify(v)} is not allowed`);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => findJsonataExpressions(x, `${at}[${i}]`, out));
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) findJsonataExpressions(x, `${at}.${k}`, out);
  }
}

/** aws-local-stepfunctions 3.0 evaluates `IsNull: false` (and the other type tests with false) like `true`. */
const TYPE_TESTS = ['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'];
function findFalseTypeTests(v: unknown, at: string, out: string[]): void {
  if (Array.isArray(v)) v.forEach((x) => findFalseTypeTests(x, at, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (TYPE_TESTS.includes(k) && x === false) out.push(`${at}: ${k}: false is evaluated like true by the local interpreter; test for true and swap the branches`);
      else findFalseTypeTests(x, at, out);
    }
  }
}
