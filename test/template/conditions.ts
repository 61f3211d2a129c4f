import type { Template } from './template';

/**
 * A template's Conditions evaluated as CloudFormation does when the stack is created with no parameter overrides
 * (every stack parameter at its Default, which `sls package` sets from the stage's params), and values with their
 * `Fn::If` resolved. Only the functions the templates use; anything else throws.
 */

type Cfn = Record<string, unknown>;
const NO_VALUE = Symbol('AWS::NoValue');

function scalar(v: unknown, t: Template): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  const ref = (v as Cfn | null)?.Ref;
  if (typeof ref === 'string') {
    const p = t.Parameters?.[ref];
    if (!p || p.Default === undefined) throw new Error(`Ref ${ref}: not a parameter with a Default`);
    return String(p.Default);
  }
  throw new Error(`unsupported value in a condition: ${JSON.stringify(v)}`);
}

function evaluate(expr: unknown, t: Template, seen: Set<string>): boolean {
  const e = expr as Cfn;
  if (typeof e.Condition === 'string') return conditionValue(e.Condition, t, seen);
  if (Array.isArray(e['Fn::Equals'])) {
    const [a, b] = e['Fn::Equals'] as [unknown, unknown];
    return scalar(a, t) === scalar(b, t);
  }
  if (Array.isArray(e['Fn::Not'])) return !evaluate((e['Fn::Not'] as unknown[])[0], t, seen);
  if (Array.isArray(e['Fn::And'])) return (e['Fn::And'] as unknown[]).every((x) => evaluate(x, t, seen));
  if (Array.isArray(e['Fn::Or'])) return (e['Fn::Or'] as unknown[]).some((x) => evaluate(x, t, seen));
  throw new Error(`unsupported condition: ${JSON.stringify(expr)}`);
}

function conditionValue(name: string, t: Template, seen: Set<string>): boolean {
  if (seen.has(name)) throw new Error(`condition ${name} refers to itself`);
  const expr = t.Conditions?.[name];
  if (expr === undefined) throw new Error(`no condition ${name}`);
  return evaluate(expr, t, new Set([...seen, name]));
}

/** Every condition of the template, true or false. */
export function conditionValues(t: Template): Record<string, boolean> {
  return Object.fromEntries(Object.keys(t.Conditions ?? {}).map((name) => [name, conditionValue(name, t, new Set())]));
}

/** `value` with each `Fn::If` replaced by its chosen branch and `Ref: AWS::NoValue` entries dropped. */
export function resolveConditionals(value: unknown, t: Template): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk).filter((x) => x !== NO_VALUE);
    if (!v || typeof v !== 'object') return v;
    const o = v as Cfn;
    if (o.Ref === 'AWS::NoValue') return NO_VALUE;
    if (Array.isArray(o['Fn::If'])) {
      const [name, yes, no] = o['Fn::If'] as [string, unknown, unknown];
      return walk(conditionValue(name, t, new Set()) ? yes : no);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]).filter(([, x]) => x !== NO_VALUE));
  };
  const out = walk(value);
  return out === NO_VALUE ? undefined : out;
}
