import type { Template } from './template';
import { asArray } from './template';

/**
 * Security checks over a packaged CloudFormation template. Each returns a list of findings (empty = pass), so
 * test/template/security.test.ts can assert both the real template and deliberately bad fragments.
 */

type Statement = { Sid?: string; Effect: string; Action?: string | string[]; NotAction?: unknown; Resource?: unknown; NotResource?: unknown; Principal?: unknown; Condition?: unknown };
type Doc = { Statement: Statement | Statement[] };

/** Identity-policy statements of every role and policy in the template (functions, state machine, Firehose, IoT, Glue, ...). */
export function identityStatements(t: Template): Array<{ owner: string; statement: Statement }> {
  const out: Array<{ owner: string; statement: Statement }> = [];
  for (const [id, r] of Object.entries(t.Resources)) {
    const docs: Doc[] =
      r.Type === 'AWS::IAM::Role'
        ? ((r.Properties?.Policies ?? []) as Array<{ PolicyDocument: Doc }>).map((p) => p.PolicyDocument)
        : r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy'
          ? [r.Properties!.PolicyDocument as Doc]
          : [];
    for (const d of docs) for (const statement of asArray(d.Statement)) out.push({ owner: id, statement });
  }
  return out;
}

const isWildcardAction = (a: string) => a === '*' || /^[A-Za-z0-9-]+:\*$/.test(a);

/** `Action: "*"`, `service:*` or `NotAction` in an Allow statement of any role. */
export function wildcardActionFindings(t: Template): string[] {
  return identityStatements(t).flatMap(({ owner, statement: s }) => {
    if (s.Effect !== 'Allow') return [];
    if (s.NotAction !== undefined) return [`${owner}/${s.Sid ?? '?'}: NotAction`];
    return asArray(s.Action).filter(isWildcardAction).map((a) => `${owner}/${s.Sid ?? '?'}: action ${a}`);
  });
}

/** Actions that AWS offers only on `Resource: "*"`, each with the reason: the one allow-list. */
export const RESOURCE_STAR_ALLOWED: Record<string, string> = {
  'xray:PutTraceSegments': 'X-Ray trace APIs support no resource-level permissions',
  'xray:PutTelemetryRecords': 'X-Ray trace APIs support no resource-level permissions',
  'xray:GetSamplingRules': 'X-Ray trace APIs support no resource-level permissions',
  'xray:GetSamplingTargets': 'X-Ray trace APIs support no resource-level permissions',
  'logs:CreateLogDelivery': 'CloudWatch Logs vended-log delivery APIs (Step Functions logging) support only "*"',
  'logs:GetLogDelivery': 'CloudWatch Logs vended-log delivery APIs (Step Functions logging) support only "*"',
  'logs:UpdateLogDelivery': 'CloudWatch Logs vended-log delivery APIs (Step Functions logging) support only "*"',
  'logs:DeleteLogDelivery': 'CloudWatch Logs vended-log delivery APIs (Step Functions logging) support only "*"',
  'logs:ListLogDeliveries': 'CloudWatch Logs vended-log delivery APIs (Step Functions logging) support only "*"',
  'logs:PutResourcePolicy': 'Step Functions log delivery must set the log group resource policy; the API takes no resource ARN',
  'logs:DescribeResourcePolicies': 'list-style API without resource-level permissions',
  'logs:DescribeLogGroups': 'list-style API without resource-level permissions (Step Functions checks its destination)',
  'cloudwatch:PutMetricData': 'CloudWatch PutMetricData supports no resource-level permissions (use the cloudwatch:namespace condition)',
  'glue:GetSecurityConfiguration': 'Glue reads its security configuration by name; no resource-level permissions',
};

/** `Resource: "*"` (alone or in a list) in an Allow statement whose actions are not all in the allow-list. */
export function resourceStarFindings(t: Template, allowed: Record<string, string> = RESOURCE_STAR_ALLOWED): string[] {
  return identityStatements(t).flatMap(({ owner, statement: s }) => {
    if (s.Effect !== 'Allow' || !asArray(s.Resource as unknown[]).includes('*')) return [];
    return asArray(s.Action)
      .filter((a) => !(a in allowed))
      .map((a) => `${owner}/${s.Sid ?? '?'}: ${a} on Resource "*"`);
  });
}

/** The allow-list entries the template actually uses (so stale entries can be spotted). */
export function resourceStarActionsUsed(t: Template): Set<string> {
  return new Set(
    identityStatements(t)
      .filter(({ statement: s }) => s.Effect === 'Allow' && asArray(s.Resource as unknown[]).includes('*'))
      .flatMap(({ statement: s }) => asArray(s.Action)),
  );
}

/** Buckets that take SSE-S3 instead of SSE-KMS, each with the reason: the one allow-list. */
export const SSE_S3_ALLOWED: Record<string, string> = {
  AccessLogsBucket: 'S3 server access logging does not deliver to a target bucket with SSE-KMS default encryption',
};

/**
 * Buckets whose default encryption is not KMS with a key; `awsManagedKeyOk` lists buckets allowed the aws/s3 key,
 * `sseS3Ok` those allowed SSE-S3.
 */
export function bucketFindings(t: Template, awsManagedKeyOk: string[] = [], sseS3Ok: Record<string, string> = SSE_S3_ALLOWED): string[] {
  const out: string[] = [];
  const policies = Object.values(t.Resources).filter((r) => r.Type === 'AWS::S3::BucketPolicy');
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type !== 'AWS::S3::Bucket') continue;
    const p = r.Properties ?? {};
    const enc = (p.BucketEncryption as { ServerSideEncryptionConfiguration?: Array<{ ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: unknown } }> })
      ?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
    if (enc?.SSEAlgorithm === 'AES256' && id in sseS3Ok) {
      // allowed, with its reason
    } else if (enc?.SSEAlgorithm !== 'aws:kms' && enc?.SSEAlgorithm !== 'aws:kms:dsse') out.push(`${id}: not SSE-KMS (${enc?.SSEAlgorithm ?? 'none'})`);
    else if (enc.KMSMasterKeyID === undefined && !awsManagedKeyOk.includes(id)) out.push(`${id}: SSE-KMS without a customer-managed key`);
    const pab = p.PublicAccessBlockConfiguration as Record<string, unknown> | undefined;
    for (const flag of ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets']) {
      if (pab?.[flag] !== true) out.push(`${id}: public access block ${flag} is not true`);
    }
    const denyTls = policies.some((bp) => {
      if (JSON.stringify(bp.Properties?.Bucket) !== JSON.stringify({ Ref: id })) return false;
      return asArray((bp.Properties!.PolicyDocument as Doc).Statement).some((s) => {
        const cond = JSON.stringify(s.Condition ?? {});
        return s.Effect === 'Deny' && (cond.includes('"aws:SecureTransport":"false"') || cond.includes('"aws:SecureTransport":false'));
      });
    });
    if (!denyTls) out.push(`${id}: no bucket policy denying aws:SecureTransport=false`);
  }
  return out;
}

const isAccountPrincipal = (p: unknown) => (JSON.stringify(p) ?? '').includes(':root');

/**
 * Service principals AWS documents without a usable condition key, with the exact actions and the evidence: the
 * one allow-list for unconditioned key-policy statements.
 */
export const UNCONDITIONED_SERVICE_GRANTS: Record<string, { actions: string[]; reason: string }> = {
  'events.amazonaws.com': {
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    reason: 'SNS Developer Guide, key management: aws:SourceAccount and aws:SourceArn are not supported for EventBridge-to-encrypted topics',
  },
};

/** Services that only write with the key (never read back): they get no kms:Decrypt. */
export const ENCRYPT_ONLY_SERVICES = ['logging.s3.amazonaws.com'];

/**
 * KMS key policies: no `*` principal; every service principal is conditioned (or allow-listed with its exact
 * actions); only the account root gets kms:*; encrypt-only services get no decrypt.
 */
export function kmsKeyPolicyFindings(t: Template, unconditioned = UNCONDITIONED_SERVICE_GRANTS): string[] {
  const out: string[] = [];
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type !== 'AWS::KMS::Key') continue;
    for (const s of asArray((r.Properties!.KeyPolicy as Doc).Statement)) {
      const where = `${id}/${s.Sid ?? '?'}`;
      const principal = s.Principal as string | { AWS?: unknown; Service?: unknown } | undefined;
      if (s.Effect !== 'Allow') continue;
      const services = typeof principal === 'object' ? (asArray(principal.Service as unknown[]) as string[]) : [];
      if (principal === '*' || (typeof principal === 'object' && asArray(principal.AWS as unknown[]).includes('*'))) out.push(`${where}: principal *`);
      if (services.length > 0 && s.Condition === undefined) {
        const ok = services.every((svc) => unconditioned[svc] && asArray(s.Action).every((a) => unconditioned[svc]!.actions.includes(a)));
        if (!ok) out.push(`${where}: service principal without a condition`);
      }
      if (asArray(s.Action).some(isWildcardAction) && !(typeof principal === 'object' && isAccountPrincipal(principal.AWS))) out.push(`${where}: kms:* for a principal other than the account`);
      if (services.some((svc) => ENCRYPT_ONLY_SERVICES.includes(svc)) && asArray(s.Action).some((a) => a === 'kms:Decrypt' || a === 'kms:Decrypt*')) out.push(`${where}: kms:Decrypt for an encrypt-only service`);
    }
  }
  return out;
}

/** `*` in an ARN pattern matches any run of characters, as ArnLike does. */
export function arnLike(pattern: string, value: string): boolean {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);
}

/**
 * The key statement for CloudWatch Logs covers only this stack's log groups: every ArnLike pattern names the stack
 * (`<service>-<stage>`), and every KMS-encrypted log group of the template matches one of them.
 */
export function logsKeyScopeFindings(t: Template, stackPrefix: string): string[] {
  const out: string[] = [];
  const statements = Object.values(t.Resources)
    .filter((r) => r.Type === 'AWS::KMS::Key')
    .flatMap((r) => asArray((r.Properties!.KeyPolicy as Doc).Statement))
    .filter((s) => JSON.stringify(s.Principal ?? '').includes('logs.'));
  const patterns = statements.flatMap((s) => {
    const like = (s.Condition as { ArnLike?: Record<string, unknown> } | undefined)?.ArnLike?.['kms:EncryptionContext:aws:logs:arn'];
    if (like === undefined) out.push(`${s.Sid ?? '?'}: no kms:EncryptionContext:aws:logs:arn condition`);
    return asArray(like as unknown[]).map((p) => String((p as { 'Fn::Sub'?: string })['Fn::Sub'] ?? p).replace(/^.*:log-group:/, ''));
  });
  for (const p of patterns) if (!p.includes(stackPrefix)) out.push(`log-group pattern ${p} is not limited to ${stackPrefix}`);
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type !== 'AWS::Logs::LogGroup' || r.Properties?.KmsKeyId === undefined) continue;
    const name = String(r.Properties.LogGroupName);
    if (!patterns.some((p) => arnLike(p, name))) out.push(`${id}: encrypted log group ${name} is not covered by the key policy`);
  }
  return out;
}

/** Log groups without a retention period. */
export function logRetentionFindings(t: Template): string[] {
  return Object.entries(t.Resources)
    .filter(([, r]) => r.Type === 'AWS::Logs::LogGroup' && r.Properties?.RetentionInDays === undefined)
    .map(([id]) => `${id}: no RetentionInDays`);
}

/** SNS topics without KMS encryption. */
export function topicEncryptionFindings(t: Template): string[] {
  return Object.entries(t.Resources)
    .filter(([, r]) => r.Type === 'AWS::SNS::Topic' && r.Properties?.KmsMasterKeyId === undefined)
    .map(([id]) => `${id}: SNS topic without KmsMasterKeyId`);
}
