import {
  RESOURCE_STAR_ALLOWED,
  bucketFindings,
  identityStatements,
  kmsKeyPolicyFindings,
  logRetentionFindings,
  resourceStarActionsUsed,
  resourceStarFindings,
  topicEncryptionFindings,
  wildcardActionFindings,
} from './security-checks';
import type { Template } from './template';
import { loadTemplate } from './template';

// The framework bucket exists before LakeKey on a first deploy: it uses the AWS-managed aws/s3 key (docs/security.md).
const AWS_MANAGED_KEY_BUCKETS = ['ServerlessDeploymentBucket'];

describe.each(['prod', 'dev'] as const)('%s template', (stage) => {
  const t = loadTemplate(stage);

  test('covers the roles of every component', () => {
    const owners = new Set(identityStatements(t).map((s) => s.owner));
    for (const role of ['CleanIamRoleLambdaExecution', 'PlanIamRoleLambdaExecution', 'CommitIamRoleLambdaExecution', 'PipelineStateMachineRole', 'TelemetryDeliveryRole', 'TelemetryTopicRuleRole']) {
      expect(owners).toContain(role);
    }
  });

  test('no IAM statement in any role allows "*" or "service:*" actions', () => {
    expect(wildcardActionFindings(t)).toEqual([]);
  });

  test('Resource "*" only for actions that allow nothing narrower (allow-list with reasons)', () => {
    expect(resourceStarFindings(t)).toEqual([]);
  });

  test('every bucket: SSE-KMS, all public access blocked, TLS-only policy', () => {
    expect(bucketFindings(t, AWS_MANAGED_KEY_BUCKETS)).toEqual([]);
  });

  test('the KMS key policy is scoped', () => {
    expect(kmsKeyPolicyFindings(t)).toEqual([]);
  });

  test('every log group has a retention period', () => {
    expect(logRetentionFindings(t)).toEqual([]);
  });

  test('every SNS topic is KMS-encrypted', () => {
    expect(Object.values(t.Resources).some((r) => r.Type === 'AWS::SNS::Topic')).toBe(true);
    expect(topicEncryptionFindings(t)).toEqual([]);
  });
});

test('every Resource "*" allow-list entry is used by the prod template (no stale exceptions)', () => {
  const used = resourceStarActionsUsed(loadTemplate('prod'));
  const stale = Object.keys(RESOURCE_STAR_ALLOWED).filter((a) => !used.has(a));
  // Entries kept for roles other helpers are still adding may show here; the list must stay short and honest.
  expect(stale.filter((a) => !['cloudwatch:PutMetricData', 'glue:GetSecurityConfiguration'].includes(a))).toEqual([]);
});

describe('the checks fail on bad templates (negative tests)', () => {
  const role = (statements: unknown[]): Template => ({
    Resources: { BadRole: { Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyDocument: { Statement: statements } }] } } },
  });

  test('wildcard actions, NotAction and Resource "*" are caught', () => {
    expect(wildcardActionFindings(role([{ Sid: 'A', Effect: 'Allow', Action: '*', Resource: 'arn:x' }]))).toEqual(['BadRole/A: action *']);
    expect(wildcardActionFindings(role([{ Sid: 'S', Effect: 'Allow', Action: ['s3:GetObject', 's3:*'], Resource: 'arn:x' }]))).toEqual(['BadRole/S: action s3:*']);
    expect(wildcardActionFindings(role([{ Sid: 'N', Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }]))).toEqual(['BadRole/N: NotAction']);
    expect(wildcardActionFindings(role([{ Effect: 'Deny', Action: 's3:*', Resource: '*' }]))).toEqual([]);
    expect(resourceStarFindings(role([{ Sid: 'R', Effect: 'Allow', Action: ['s3:GetObject', 'xray:PutTraceSegments'], Resource: ['*'] }]))).toEqual(['BadRole/R: s3:GetObject on Resource "*"']);
    const policy: Template = { Resources: { P: { Type: 'AWS::IAM::Policy', Properties: { PolicyDocument: { Statement: { Sid: 'X', Effect: 'Allow', Action: 'glue:*', Resource: '*' } } } } } };
    expect(wildcardActionFindings(policy)).toEqual(['P/X: action glue:*']);
  });

  test('an unencrypted, public, TLS-optional bucket is caught', () => {
    const t: Template = {
      Resources: {
        B: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] }, PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: false, IgnorePublicAcls: true, RestrictPublicBuckets: true } } },
        K: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } } },
      },
    };
    const f = bucketFindings(t);
    expect(f).toContain('B: not SSE-KMS (AES256)');
    expect(f).toContain('B: public access block BlockPublicPolicy is not true');
    expect(f).toContain('B: no bucket policy denying aws:SecureTransport=false');
    expect(f).toContain('K: SSE-KMS without a customer-managed key');
    expect(bucketFindings(t, ['K'])).not.toContain('K: SSE-KMS without a customer-managed key');
  });

  test('a key policy open to "*" or to an unconditioned service is caught', () => {
    const t: Template = {
      Resources: {
        Key: {
          Type: 'AWS::KMS::Key',
          Properties: {
            KeyPolicy: {
              Statement: [
                { Sid: 'Root', Effect: 'Allow', Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }, Action: 'kms:*', Resource: '*' },
                { Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
                { Sid: 'Svc', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'kms:*', Resource: '*' },
              ],
            },
          },
        },
      },
    };
    expect(kmsKeyPolicyFindings(t)).toEqual(['Key/Open: principal *', 'Key/Svc: service principal without a condition', 'Key/Svc: kms:* for a principal other than the account']);
  });

  test('a log group without retention and a plain SNS topic are caught', () => {
    const t: Template = { Resources: { L: { Type: 'AWS::Logs::LogGroup', Properties: {} }, T: { Type: 'AWS::SNS::Topic', Properties: {} } } };
    expect(logRetentionFindings(t)).toEqual(['L: no RetentionInDays']);
    expect(topicEncryptionFindings(t)).toEqual(['T: SNS topic without KmsMasterKeyId']);
  });
});
