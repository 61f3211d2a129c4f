import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { allStates } from '../../lib/asl/states';

export const PIPELINE_ASL = path.resolve(import.meta.dirname, '../../state-machines/pipeline.asl.yml');

/**
 * Maps each Task state of the pipeline definition to the function it invokes (`Clean` → `clean`), by finding the
 * function's name or logical id (`clean`, `CleanLambdaFunction`) in the state's Resource or Parameters.
 */
export function taskFunctionsFromDefinition(definition: { States?: Record<string, Record<string, unknown>> }, functions: string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const { name, state } of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const text = JSON.stringify([state.Resource, state.Parameters, state.Arguments]);
    const fn = functions.find((f) => new RegExp(`(^|[^A-Za-z])${f}(LambdaFunction)?([^A-Za-z]|$)`, 'i').test(text));
    if (fn) map[name] = fn;
  }
  return map;
}

/** From state-machines/pipeline.asl.yml when present; otherwise state names that equal a function name. */
export function loadTaskFunctions(functions: string[], file = PIPELINE_ASL): Record<string, string> {
  if (existsSync(file)) {
    // CloudFormation tags (!GetAtt, !Sub, !Ref) become plain values: only the text matters here.
    const doc = parseDocument(readFileSync(file, 'utf8'), {
      customTags: ['GetAtt', 'Sub', 'Ref', 'Join'].flatMap((t) => [
        { tag: `!${t}`, resolve: (v: string) => v },
        { tag: `!${t}`, collection: 'seq' as const, resolve: (v: unknown) => JSON.stringify(v) },
      ]),
      logLevel: 'silent',
    }).toJS() as { definition?: unknown; States?: unknown };
    const def = (doc.States ? doc : (doc.definition ?? doc)) as { States?: Record<string, Record<string, unknown>> };
    const map = taskFunctionsFromDefinition(def, functions);
    if (Object.keys(map).length) return map;
  }
  return Object.fromEntries(functions.map((f) => [f[0]!.toUpperCase() + f.slice(1), f]));
}
