import { loadTemplate, resource, roleStatements } from './template';

const t = loadTemplate('prod');
const fn = resource(t, 'CleanLambdaFunction');

test('clean runs with its own role', () => {
  expect(fn.Properties!.Role).toEqual({ 'Fn::GetAtt': ['CleanIamRoleLambdaExecution', 'Arn'] });
  expect(resource(t, 'CleanIamRoleLambdaExecution').Properties!.ManagedPolicyArns).toEqual([]);
});

test('the role allows exactly: logs, bronze telemetry reads, silver part/quarantine writes, the lake key via S3, X-Ray', () => {
  expect(roleStatements(t, 'CleanIamRoleLambdaExecution')).toEqual([
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents'],
      Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/fleetlake-prod-clean:*:*' }],
    },
    // inherited from provider.iam.role.statements: active tracing (X-Ray has no resource-level permissions)
    { Sid: 'XRayTracing', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
    { Sid: 'ReadBronzeTelemetry', Effect: 'Allow', Action: ['s3:GetObject'], Resource: { 'Fn::Sub': '${BronzeBucket.Arn}/telemetry/*' } },
    {
      Sid: 'WriteSilverPartsAndQuarantine',
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: [{ 'Fn::Sub': '${SilverBucket.Arn}/telemetry_parts/*' }, { 'Fn::Sub': '${SilverBucket.Arn}/quarantine/*' }],
    },
    {
      Sid: 'UseLakeKeyThroughS3',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: { 'Fn::GetAtt': ['LakeKey', 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 's3.${AWS::Region}.amazonaws.com' } } },
    },
  ]);
});

test('memory, timeout and settings come from the stage params', () => {
  expect(fn.Properties).toMatchObject({ MemorySize: 1769, Timeout: 900, Runtime: 'nodejs22.x', Handler: 'functions/clean/handler.handler' });
  const env = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
  expect(env).toMatchObject({ MAX_LATENESS_DAYS: '30', NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=64', BRONZE_BUCKET: { Ref: 'BronzeBucket' }, SILVER_BUCKET: { Ref: 'SilverBucket' } });
});
