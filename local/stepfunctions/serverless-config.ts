import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type Tags } from 'yaml';

/**
 * Reads serverless.yml the way `sls package` does, for the local runtime: YAML with CloudFormation tags, then the
 * framework variables the project uses (`${param:x}`, `${sls:stage}`, `${self:service}`, `${file(...)}`).
 * Per-stage values come from the `params:` block (`default` overlaid with the stage's own block), so the local
 * twin (stage `local`) runs with the same settings mechanism as dev and prod.
 */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

const scalar = (tag: string, fn: string, map: (v: string) => unknown = (v) => v) => ({
  tag,
  resolve: (v: string) => ({ [fn]: map(v) }),
});
const seq = (tag: string, fn: string) => ({
  tag,
  collection: 'seq' as const,
  resolve: (v: { toJSON(): unknown }) => ({ [fn]: v.toJSON() }),
});

/** The CloudFormation short forms as plain `{ Ref }` / `{ 'Fn::X' }` objects, as the framework sees them. */
export const CFN_TAGS: Tags = [
  scalar('!Ref', 'Ref'),
  scalar('!GetAtt', 'Fn::GetAtt', (v) => v.split('.')),
  seq('!GetAtt', 'Fn::GetAtt'),
  scalar('!Sub', 'Fn::Sub'),
  seq('!Sub', 'Fn::Sub'),
  scalar('!ImportValue', 'Fn::ImportValue'),
  scalar('!Condition', 'Condition'),
  ...['Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'Cidr', 'GetAZs'].map((f) => seq(`!${f}`, `Fn::${f}`)),
  scalar('!GetAZs', 'Fn::GetAZs'),
  scalar('!Base64', 'Fn::Base64'),
];

export function readYaml(file: string): unknown {
  return parse(readFileSync(file, 'utf8'), { customTags: CFN_TAGS, merge: true });
}

export interface ServerlessConfig {
  service: string;
  stage: string;
  params: Record<string, unknown>;
  /** The raw (unresolved) serverless.yml document. */
  raw: Record<string, unknown>;
  root: string;
}

export function loadServerlessConfig(stage: string, root = REPO_ROOT): ServerlessConfig {
  const raw = readYaml(path.join(root, 'serverless.yml')) as Record<string, unknown>;
  const allParams = (raw.params ?? {}) as Record<string, Record<string, unknown> | null>;
  const params = { ...(allParams.default ?? {}), ...(allParams[stage] ?? {}) };
  return { service: String(raw.service), stage, params, raw, root };
}

const VAR = /\$\{(file\([^)]*\)|(?:param|sls|self|opt|env|aws|ssm|cf|s3):[^}]*)\}/g;

/** Resolves framework variables in a value (deeply). A string that is exactly one variable takes the value's type. */
export function resolveVariables(value: unknown, config: ServerlessConfig): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{(file\([^)]*\)|(?:param|sls|self|opt|env|aws|ssm|cf|s3):[^}]*)\}$/.exec(value);
    if (whole) return resolveOne(whole[1]!, config);
    return value.replace(VAR, (_m, expr: string) => String(resolveOne(expr, config)));
  }
  if (Array.isArray(value)) return value.map((v) => resolveVariables(v, config));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveVariables(v, config)]));
  }
  return value;
}

function resolveOne(expr: string, config: ServerlessConfig): unknown {
  const file = /^file\((.+)\)$/.exec(expr);
  // Paths are relative to the service directory.
  if (file) return resolveVariables(readYaml(path.resolve(config.root, file[1]!.trim())), config);
  const [kind, name] = [expr.slice(0, expr.indexOf(':')), expr.slice(expr.indexOf(':') + 1).trim()];
  if (kind === 'param') {
    if (!(name in config.params)) throw new Error(`serverless.yml: \${param:${name}} is not defined for stage ${config.stage}`);
    return config.params[name];
  }
  if (kind === 'sls' && name === 'stage') return config.stage;
  if (kind === 'opt') {
    // Command-line options do not exist locally: `${opt:stage, 'dev'}` is the stage, others take their default.
    const [opt, fallback] = name.split(',').map((x) => x.trim());
    if (opt === 'stage') return config.stage;
    if (fallback !== undefined) return fallback.replace(/^['"]|['"]$/g, '');
  }
  if (kind === 'self') {
    let v: unknown = config.raw;
    for (const part of name.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    if (v === undefined) throw new Error(`serverless.yml: \${self:${name}} is not defined`);
    return resolveVariables(v, config);
  }
  throw new Error(`the local runtime cannot resolve \${${expr}} (only param, sls:stage, self, opt with a default, and file variables)`);
}

export interface FunctionConfig {
  /** The key under `functions:` (e.g. `clean`). */
  name: string;
  /** Deployed name, as the framework names it: `<service>-<stage>-<name>`. */
  deployedName: string;
  /** Absolute path of the handler module (TypeScript source). */
  module: string;
  exportName: string;
  /** Literal environment values (provider + function); CloudFormation intrinsics are left out. */
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
}

function literalEnv(env: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((env ?? {}) as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

/** Every function of serverless.yml, resolved for the stage. */
export function loadFunctions(config: ServerlessConfig): Map<string, FunctionConfig> {
  const provider = resolveVariables((config.raw.provider ?? {}) as object, config) as Record<string, unknown>;
  const fns = (config.raw.functions ?? {}) as Record<string, unknown>;
  const out = new Map<string, FunctionConfig>();
  for (const [name, rawFn] of Object.entries(fns)) {
    const fn = resolveVariables(rawFn, config) as Record<string, unknown>;
    const handler = String(fn.handler);
    const dot = handler.lastIndexOf('.');
    out.set(name, {
      name,
      deployedName: typeof fn.name === 'string' ? fn.name : `${config.service}-${config.stage}-${name}`,
      module: path.resolve(config.root, `${handler.slice(0, dot)}.ts`),
      exportName: handler.slice(dot + 1),
      environment: { ...literalEnv(provider.environment), ...literalEnv(fn.environment) },
      timeoutSeconds: Number(fn.timeout ?? provider.timeout ?? 6),
      memoryMb: Number(fn.memorySize ?? provider.memorySize ?? 1024),
    });
  }
  return out;
}

/**
 * Logical id → resource (Type, Properties) over the files in the `resources:` list. With `wanted`, only files that
 * mention one of those logical ids are parsed (YAML parsing of every resource file costs about a second).
 */
export function loadResources(
  config: ServerlessConfig,
  wanted?: ReadonlySet<string>,
): Map<string, { Type: string; Properties?: Record<string, unknown> }> & { skipped: string[] } {
  const out = Object.assign(new Map<string, { Type: string; Properties?: Record<string, unknown> }>(), { skipped: [] as string[] });
  const list = (config.raw.resources ?? []) as unknown[];
  for (const entry of Array.isArray(list) ? list : [list]) {
    const file = typeof entry === 'string' ? /^\$\{file\((.+)\)\}$/.exec(entry)?.[1] : undefined;
    if (wanted && file) {
      const text = readFileSync(path.resolve(config.root, file.trim()), 'utf8');
      if (![...wanted].some((id) => new RegExp(`^\\s+${id}:`, 'm').test(text))) continue;
    }
    let doc: unknown;
    try {
      doc = resolveVariables(entry, config);
    } catch (err) {
      // A resource file the local runtime cannot resolve matters only if the definition refers to its resources.
      out.skipped.push(`${JSON.stringify(entry)}: ${(err as Error).message}`);
      continue;
    }
    const resources = ((doc ?? {}) as { Resources?: Record<string, { Type: string }> }).Resources ?? {};
    for (const [id, r] of Object.entries(resources)) out.set(id, r);
  }
  return out;
}
