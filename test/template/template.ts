import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A CloudFormation template as packaged by `sls package` (the JSON that would be deployed). */
export interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Condition?: string; DependsOn?: unknown; Metadata?: Record<string, unknown> }>;
  Outputs?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Parameters?: Record<string, { Type: string; Default?: unknown; AllowedValues?: unknown[] }>;
}

const cache = new Map<string, Template>();

/** Loads `.package/<stage>/cloudformation-template-update-stack.json`, produced by `npm run package:<stage>`. */
export function loadTemplate(stage: 'dev' | 'prod'): Template {
  const file = path.resolve('.package', stage, 'cloudformation-template-update-stack.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run package:${stage}\` first (npm test does)`);
  let t = cache.get(file);
  if (!t) {
    t = JSON.parse(readFileSync(file, 'utf8')) as Template;
    cache.set(file, t);
  }
  return t;
}

export function resourcesOfType(t: Template, type: string): Array<[string, Template['Resources'][string]]> {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

export function resource(t: Template, logicalId: string): Template['Resources'][string] {
  const r = t.Resources[logicalId];
  if (!r) throw new Error(`resource ${logicalId} not in template; have: ${Object.keys(t.Resources).join(', ')}`);
  return r;
}

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Principal?: unknown; Condition?: unknown; Sid?: string };

/** Every statement of an inline IAM role's policies. */
export function roleStatements(t: Template, roleLogicalId: string): Statement[] {
  const role = resource(t, roleLogicalId);
  const policies = (role.Properties?.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

export function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
