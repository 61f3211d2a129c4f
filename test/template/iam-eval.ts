import { arnLike } from './security-checks';
import { asArray } from './template';

/**
 * Evaluates identity-policy statements of a packaged template for one request, as IAM does for a single policy:
 * an explicit Deny wins, else any matching Allow allows, else the request is denied. Template values are resolved
 * with `names` (logical id, `Id.Arn` or pseudo parameter -> physical value). Conditions: StringEquals, StringLike
 * and ArnLike (any listed value), and a key missing from the request fails the condition, as IAM treats it; any
 * other operator throws, so a policy this evaluator cannot judge never passes silently.
 * A library (@cloud-copilot/iam-simulate on npm) would do this more completely; it is not a dependency yet.
 */

export type Statement = { Sid?: string; Effect: string; Action?: string | string[]; NotAction?: unknown; Resource?: unknown; NotResource?: unknown; Condition?: Record<string, Record<string, unknown>> };
export interface Request {
  action: string;
  resource: string;
  context?: Record<string, string>;
}

/** A template value (`Fn::Sub`, `Fn::GetAtt`, `Ref`, string) as the physical string. */
export function resolveValue(v: unknown, names: Record<string, string>): string {
  if (typeof v === 'string') return v;
  const o = v as Record<string, unknown>;
  const name = (key: string) => {
    if (!(key in names)) throw new Error(`no physical value for ${key}`);
    return names[key]!;
  };
  if (typeof o.Ref === 'string') return name(o.Ref);
  if (Array.isArray(o['Fn::GetAtt'])) return name((o['Fn::GetAtt'] as string[]).join('.'));
  if (typeof o['Fn::Sub'] === 'string') return (o['Fn::Sub'] as string).replace(/\$\{([^}!][^}]*)\}/g, (_m, k: string) => name(k));
  throw new Error(`cannot resolve ${JSON.stringify(v)}`);
}

const matches = (pattern: string, value: string, caseInsensitive = false) => (caseInsensitive ? arnLike(pattern.toLowerCase(), value.toLowerCase()) : arnLike(pattern, value));

function conditionHolds(cond: Statement['Condition'], req: Request, names: Record<string, string>): boolean {
  for (const [op, block] of Object.entries(cond ?? {})) {
    for (const [key, want] of Object.entries(block)) {
      const have = req.context?.[key];
      if (have === undefined) return false;
      const values = asArray(want as unknown[]).map((w) => resolveValue(w, names));
      if (op === 'StringEquals' && !values.includes(have)) return false;
      else if ((op === 'StringLike' || op === 'ArnLike') && !values.some((w) => matches(w, have))) return false;
      else if (!['StringEquals', 'StringLike', 'ArnLike'].includes(op)) throw new Error(`condition operator ${op} is not supported by this evaluator`);
    }
  }
  return true;
}

function applies(s: Statement, req: Request, names: Record<string, string>): boolean {
  if (s.NotAction !== undefined || s.NotResource !== undefined) throw new Error(`${s.Sid ?? '?'}: NotAction/NotResource is not supported by this evaluator`);
  if (!asArray(s.Action).some((a) => matches(a, req.action, true))) return false;
  if (!asArray(s.Resource as unknown[]).some((r) => matches(resolveValue(r, names), req.resource))) return false;
  return conditionHolds(s.Condition, req, names);
}

/** Whether the statements allow the request. */
export function isAllowed(statements: Statement[], req: Request, names: Record<string, string>): boolean {
  const hits = statements.filter((s) => applies(s, req, names));
  return !hits.some((s) => s.Effect === 'Deny') && hits.some((s) => s.Effect === 'Allow');
}
