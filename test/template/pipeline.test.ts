import { loadPipeline, lambdaArn, LOCAL_AWS } from '../../local/stepfunctions/definition';
import { subsetViolations } from '../../local/stepfunctions/subset';
import { conditionValues } from './conditions';
import { asArray, loadTemplate, resource, resourcesOfType, roleStatements } from './template';

const prod = loadTemplate('prod');
const dev = loadTemplate('dev');
const sm = resource(prod, 'PipelineStateMachine');

test('the pipeline is a Standard state machine with a stable logical id, its own role, logging at ERROR and tracing', () => {
  expect(sm.Type).toBe('AWS::StepFunctions::StateMachine');
  expect(sm.Properties).toMatchObject({
    StateMachineName: 'fleetlake-prod-pipeline',
    StateMachineType: 'STANDARD',
    RoleArn: { 'Fn::GetAtt': ['PipelineStateMachineRole', 'Arn'] },
    TracingConfiguration: { Enabled: true },
    LoggingConfiguration: {
      Level: 'ERROR',
      IncludeExecutionData: true,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['PipelineLogGroup', 'Arn'] } } }],
    },
  });
  expect(resource(prod, 'PipelineLogGroup').Properties).toMatchObject({ RetentionInDays: 90, KmsKeyId: { 'Fn::GetAtt': ['LakeKey', 'Arn'] } });
  expect(resource(dev, 'PipelineLogGroup').Properties).toMatchObject({ RetentionInDays: 14 });
});

test('the schedule: hourly and enabled in prod, disabled in dev, with the {} input', () => {
  const schedule = (t: typeof prod) => {
    const rules = resourcesOfType(t, 'AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties).includes('"Ref":"PipelineStateMachine"'));
    expect(rules).toHaveLength(1);
    return rules[0]![1].Properties as { ScheduleExpression: string; State: string; Targets: Array<{ Input: string }> };
  };
  expect(schedule(prod)).toMatchObject({ ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
  expect(schedule(dev)).toMatchObject({ State: 'DISABLED' });
  expect(JSON.parse(schedule(prod).Targets[0]!.Input)).toEqual({});
});

test('the packaged definition is the file the local runtime runs (same substitutions, fakes for the intrinsics)', () => {
  const local = loadPipeline('prod');
  const [body, params] = (sm.Properties!.DefinitionString as { 'Fn::Sub': [string, Record<string, Record<string, unknown>>] })['Fn::Sub'];
  const fake = (v: Record<string, unknown>): string => {
    if ('Ref' in v) return local.refs.get(v.Ref as string)!;
    const [id] = v['Fn::GetAtt'] as [string, string];
    const fn = [...local.functions.values()].find((f) => `${f.name[0]!.toUpperCase()}${f.name.slice(1)}LambdaFunction` === id)!;
    return lambdaArn(fn.deployedName);
  };
  const resolved = body
    .replace(/\$\{AWS::Partition\}/g, LOCAL_AWS.Partition)
    .replace(/\$\{AWS::Region\}/g, LOCAL_AWS.Region)
    .replace(/\$\{AWS::AccountId\}/g, LOCAL_AWS.AccountId)
    .replace(/\$\{([0-9a-f]{32})\}/g, (_m, k: string) => fake(params[k]!));
  expect(JSON.parse(resolved)).toEqual(local.definition);
  expect(subsetViolations(JSON.parse(resolved))).toEqual([]);
});

test('the state machine role is narrowed to its Lambdas, its Glue job, its topic and itself', () => {
  const st = roleStatements(prod, 'PipelineStateMachineRole');
  const byAction = (a: string) => st.filter((s) => asArray(s.Action).includes(a));
  for (const s of st) for (const a of asArray(s.Action)) expect(a).not.toMatch(/^\*$|:\*$/);
  // Resource "*" only for the log-delivery and X-Ray APIs, which have no resource-level permissions.
  for (const s of st.filter((x) => x.Resource === '*')) expect(asArray(s.Action).every((a) => a.startsWith('logs:') || a.startsWith('xray:'))).toBe(true);
  expect(st.flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith('glue:')).sort()).toEqual(['glue:BatchStopJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:StartJobRun']);
  expect(byAction('glue:StartJobRun')[0]!.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:job/${FeaturesGlueJob}' });
  expect(byAction('lambda:InvokeFunction')[0]!.Resource).toEqual([
    { 'Fn::GetAtt': ['PlanLambdaFunction', 'Arn'] },
    { 'Fn::GetAtt': ['CleanLambdaFunction', 'Arn'] },
    { 'Fn::GetAtt': ['CommitLambdaFunction', 'Arn'] },
  ]);
  expect(byAction('sns:Publish')[0]!.Resource).toEqual({ Ref: 'AlarmTopic' });
  expect(byAction('states:StartExecution')[0]!.Resource).toEqual({
    'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:fleetlake-prod-pipeline',
  });
  expect(byAction('kms:GenerateDataKey')[0]).toMatchObject({ Resource: { 'Fn::GetAtt': ['LakeKey', 'Arn'] }, Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sns.${AWS::Region}.amazonaws.com' } } } });
  expect(st.flatMap((s) => asArray(s.Action)).filter((a) => !/^(lambda|glue|sns|states|kms|logs|xray):/.test(a))).toEqual([]);
  // The plugin's default state machine role (glue actions on "*") is not generated; the schedule's role may only start it.
  const stepFunctionRoles = resourcesOfType(prod, 'AWS::IAM::Role').filter(([, r]) => JSON.stringify(r.Properties).includes('states.amazonaws.com'));
  expect(stepFunctionRoles.map(([id]) => id)).toEqual(['PipelineStateMachineRole']);
  expect(roleStatements(prod, 'PipelineScheduleRole')).toEqual([
    { Sid: 'StartThePipeline', Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: 'PipelineStateMachine' } },
  ]);
});

test('the schedule starts the pipeline with its own role, trusted by EventBridge of this account only', () => {
  const rules = resourcesOfType(prod, 'AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties).includes('"Ref":"PipelineStateMachine"'));
  expect(rules.map(([, r]) => (r.Properties!.Targets as Array<{ RoleArn: unknown }>).map((x) => x.RoleArn))).toEqual([[{ 'Fn::GetAtt': ['PipelineScheduleRole', 'Arn'] }]]);
  expect(resourcesOfType(prod, 'AWS::IAM::Role').map(([id]) => id)).not.toContain('PipelineScheduleToStepFunctionsRole'); // the plugin's, without a condition
  expect((resource(prod, 'PipelineScheduleRole').Properties!.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement).toEqual([
    { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
  ]);
});

test('the alarm topic is KMS-encrypted, TLS-only, with an optional e-mail subscription', () => {
  expect(resource(prod, 'AlarmTopic').Properties).toMatchObject({ KmsMasterKeyId: { 'Fn::GetAtt': ['LakeKey', 'Arn'] } });
  expect(resource(prod, 'AlarmEmailSubscription')).toMatchObject({ Condition: 'HasAlarmEmail', Properties: { Protocol: 'email' } });
  // The address is the AlarmEmail stack parameter, whose default is the stage's alarmEmail param (empty here: npm test
  // packages prod without one; test/deploy/deploy.int.test.ts deploys it with --param="alarmEmail=...").
  expect(resource(prod, 'AlarmEmailSubscription').Properties!.Endpoint).toEqual({ Ref: 'AlarmEmail' });
  expect(prod.Parameters!.AlarmEmail).toMatchObject({ Type: 'String', Default: '' });
  expect(conditionValues(prod).HasAlarmEmail).toBe(false);
  expect(conditionValues({ ...prod, Parameters: { ...prod.Parameters, AlarmEmail: { Type: 'String', Default: 'oncall@example.com' } } }).HasAlarmEmail).toBe(true);
  const policy = resourcesOfType(prod, 'AWS::SNS::TopicPolicy').find(([, p]) => JSON.stringify(p.Properties!.Topics) === JSON.stringify([{ Ref: 'AlarmTopic' }]))!;
  expect(JSON.stringify(policy[1].Properties)).toContain('"aws:SecureTransport":"false"');
});

test('plan lists bronze telemetry/ and reads the watermark; commit writes only the watermark', () => {
  const plan = roleStatements(prod, 'PlanIamRoleLambdaExecution');
  expect(plan).toContainEqual(expect.objectContaining({ Action: ['s3:ListBucket'], Resource: { 'Fn::GetAtt': ['BronzeBucket', 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['telemetry/*'] } } }));
  expect(plan).toContainEqual(expect.objectContaining({ Action: ['s3:GetObject'], Resource: { 'Fn::Sub': '${SilverBucket.Arn}/_pipeline/watermark.json' } }));
  expect(plan.flatMap((s) => asArray(s.Action))).not.toContain('s3:PutObject');
  const commit = roleStatements(prod, 'CommitIamRoleLambdaExecution');
  const puts = commit.filter((s) => asArray(s.Action).includes('s3:PutObject'));
  expect(puts).toEqual([expect.objectContaining({ Resource: { 'Fn::Sub': '${SilverBucket.Arn}/_pipeline/watermark.json' } })]);
  for (const s of [...plan, ...commit]) for (const a of asArray(s.Action)) expect(a).not.toMatch(/^\*$|:\*$/);
});
