import { resolveConditionals } from './conditions';
import type { Template } from './template';

/**
 * S3 lifecycle rules S3 would reject (PutBucketLifecycleConfiguration answers InvalidArgument, so the stack fails):
 * - expiration must come after every transition of the rule;
 * - Standard-IA (and One Zone-IA) only at 30 days or later;
 * - a Glacier Instant Retrieval transition at least 30 days after the rule's Standard-IA transition.
 * Each returns findings (empty = valid), so the tests can show a bad stage fails.
 */

type Transition = { StorageClass: string; TransitionInDays?: number | string };
type Rule = { Id?: string; ExpirationInDays?: number | string; Transitions?: Transition[] };

const days = (v: number | string | undefined) => (v === undefined ? undefined : Number(v));
const IA = new Set(['STANDARD_IA', 'ONEZONE_IA']);

export function ruleFindings(where: string, rule: Rule): string[] {
  const out: string[] = [];
  const transitions = (rule.Transitions ?? []).map((x) => ({ cls: x.StorageClass, at: days(x.TransitionInDays)! }));
  const expire = days(rule.ExpirationInDays);
  for (const t of transitions) {
    if (expire !== undefined && expire <= t.at) out.push(`${where}: expiration at ${expire} days is not after the ${t.cls} transition at ${t.at} days`);
    if (IA.has(t.cls) && t.at < 30) out.push(`${where}: ${t.cls} at ${t.at} days (S3 needs 30 or more)`);
  }
  const ia = transitions.find((t) => IA.has(t.cls));
  for (const gir of transitions.filter((t) => t.cls === 'GLACIER_IR')) {
    if (ia && gir.at < ia.at + 30) out.push(`${where}: GLACIER_IR at ${gir.at} days is less than 30 days after ${ia.cls} at ${ia.at}`);
  }
  return out;
}

/** Every lifecycle rule of every bucket of the template, its conditions resolved with the parameter defaults. */
export function lifecycleFindings(t: Template): string[] {
  return Object.entries(t.Resources)
    .filter(([, r]) => r.Type === 'AWS::S3::Bucket')
    .flatMap(([id, r]) => {
      const config = resolveConditionals(r.Properties?.LifecycleConfiguration, t) as { Rules?: Rule[] } | undefined;
      return (config?.Rules ?? []).flatMap((rule, i) => ruleFindings(`${id}/${rule.Id ?? i}`, rule));
    });
}
