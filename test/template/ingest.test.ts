import { FIREHOSE_ERROR_PREFIX, FIREHOSE_PREFIX, IOT_ERROR_PREFIX } from '../../lib/ingest/firehose';
import { RULE_SQL } from '../../lib/ingest/rule';
import { asArray, loadTemplate, resource, roleStatements } from './template';

const t = loadTemplate('prod');
type Props = Record<string, unknown>;
const props = (id: string, stage: 'dev' | 'prod' = 'prod') => resource(loadTemplate(stage), id).Properties as Props;

/** What CloudFormation makes of an Fn::Sub string: `${X}` -> <X>, and the escape `${!x}` -> literal `${x}`. */
function evalSub(v: unknown): string {
  const s = (v as { 'Fn::Sub': string })['Fn::Sub'];
  expect(typeof s).toBe('string');
  return s.replace(/\$\{(!?)([^}]+)\}/g, (_m, bang: string, name: string) => (bang ? `\${${name}}` : `<${name}>`));
}

describe('IoT topic rule', () => {
  const rule = props('TelemetryTopicRule');
  const payload = rule.TopicRulePayload as Props;

  test('the SQL is exactly the contract (and the one lib/ingest applies locally)', () => {
    expect(payload.Sql).toBe("SELECT *, topic(2) AS topic_vehicle_id, timestamp() AS received_at FROM 'fleet/+/telemetry'");
    expect(payload.Sql).toBe(RULE_SQL);
    expect(payload.AwsIotSqlVersion).toBe('2016-03-23');
    expect(rule.RuleName).toBe('fleetlake_prod_telemetry');
  });

  test('one action: Firehose into the telemetry stream, newline separator, batch mode off', () => {
    expect(payload.Actions).toEqual([
      { Firehose: { DeliveryStreamName: { Ref: 'TelemetryDeliveryStream' }, RoleArn: { 'Fn::GetAtt': ['TelemetryTopicRuleRole', 'Arn'] }, Separator: '\n', BatchMode: false } },
    ]);
  });

  test('error action: S3 into bronze under errors/iot/, with IoT substitution templates intact', () => {
    const s3 = (payload.ErrorAction as { S3: Props }).S3;
    expect(s3.BucketName).toEqual({ Ref: 'BronzeBucket' });
    const [sep, parts] = (s3.Key as { 'Fn::Join': [string, string[]] })['Fn::Join'];
    const key = parts.join(sep);
    expect(key.startsWith(IOT_ERROR_PREFIX)).toBe(true);
    expect(key).toBe('errors/iot/year=${parse_time("yyyy", timestamp(), "UTC")}/month=${parse_time("MM", timestamp(), "UTC")}/day=${parse_time("dd", timestamp(), "UTC")}/${timestamp()}-${newuuid()}.json');
  });
});

describe('Firehose delivery stream', () => {
  const stream = props('TelemetryDeliveryStream');
  const s3 = stream.ExtendedS3DestinationConfiguration as Props;

  test('DirectPut into bronze with the exact prefixes, GZIP and the lake key', () => {
    expect(stream.DeliveryStreamType).toBe('DirectPut');
    expect(stream.DeliveryStreamName).toBe('fleetlake-prod-telemetry');
    expect(s3.BucketARN).toEqual({ 'Fn::GetAtt': ['BronzeBucket', 'Arn'] });
    expect(s3.Prefix).toBe('telemetry/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/');
    expect(s3.ErrorOutputPrefix).toBe('errors/firehose/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/');
    expect([s3.Prefix, s3.ErrorOutputPrefix]).toEqual([FIREHOSE_PREFIX, FIREHOSE_ERROR_PREFIX]);
    expect(s3.CompressionFormat).toBe('GZIP');
    expect(s3.EncryptionConfiguration).toEqual({ KMSEncryptionConfig: { AWSKMSKeyARN: { 'Fn::GetAtt': ['LakeKey', 'Arn'] } } });
    expect(stream.DeliveryStreamEncryptionConfigurationInput).toEqual({ KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: { 'Fn::GetAtt': ['LakeKey', 'Arn'] } });
  });

  test('buffering hints come from the stage params: dev 60 s / 16 MiB, prod 300 s / 128 MiB', () => {
    expect(s3.BufferingHints).toEqual({ IntervalInSeconds: 300, SizeInMBs: 128 });
    const dev = props('TelemetryDeliveryStream', 'dev').ExtendedS3DestinationConfiguration as Props;
    expect(dev.BufferingHints).toEqual({ IntervalInSeconds: 60, SizeInMBs: 16 });
  });

  test('CloudWatch logging into a KMS-encrypted log group with the stage retention', () => {
    expect(s3.CloudWatchLoggingOptions).toEqual({ Enabled: true, LogGroupName: { Ref: 'TelemetryDeliveryLogGroup' }, LogStreamName: { Ref: 'TelemetryDeliveryLogStream' } });
    expect(props('TelemetryDeliveryLogGroup')).toMatchObject({ RetentionInDays: 90, KmsKeyId: { 'Fn::GetAtt': ['LakeKey', 'Arn'] } });
    expect(props('TelemetryDeliveryLogGroup', 'dev').RetentionInDays).toBe(14);
  });
});

describe('vehicle IoT policy', () => {
  const doc = props('VehiclePolicy').PolicyDocument as { Statement: Array<Props> };

  test('connect only with client id = thing name, for an attached thing', () => {
    const connect = doc.Statement.filter((s) => asArray(s.Action as string | string[]).includes('iot:Connect'));
    expect(connect).toHaveLength(1);
    expect(evalSub(connect[0]!.Resource)).toBe('arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:client/${iot:Connection.Thing.ThingName}');
    expect(connect[0]!.Condition).toEqual({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } });
  });

  test('publish only on its own telemetry topic, through the broker or Basic Ingest', () => {
    const publish = doc.Statement.filter((s) => asArray(s.Action as string | string[]).some((a) => a.startsWith('iot:')) && s.Action !== 'iot:Connect');
    expect(publish.map((s) => s.Action)).toEqual(['iot:Publish']);
    expect(asArray(publish[0]!.Resource).map(evalSub)).toEqual([
      'arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:topic/fleet/${iot:Connection.Thing.ThingName}/telemetry',
      'arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:topic/$aws/rules/<TelemetryTopicRule>/fleet/${iot:Connection.Thing.ThingName}/telemetry',
    ]);
    expect(doc.Statement.every((s) => s.Effect === 'Allow' && !JSON.stringify(s.Resource).includes('*'))).toBe(true);
  });
});

describe('least-privilege roles', () => {
  const actionsOf = (id: string) => roleStatements(t, id).flatMap((s) => asArray(s.Action));

  test.each(['TelemetryTopicRuleRole', 'TelemetryDeliveryRole'])('%s: no wildcard action, no wildcard resource', (id) => {
    expect(actionsOf(id).filter((a) => a.includes('*'))).toEqual([]);
    for (const s of roleStatements(t, id)) expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"/);
  });

  test('the rule role puts into this stream and writes errors/iot/ only', () => {
    const st = roleStatements(t, 'TelemetryTopicRuleRole');
    expect(resource(t, 'TelemetryTopicRuleRole').Properties!.AssumeRolePolicyDocument).toMatchObject({ Statement: [{ Principal: { Service: 'iot.amazonaws.com' } }] });
    expect(st.find((s) => asArray(s.Action).includes('firehose:PutRecord'))).toMatchObject({ Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: { 'Fn::GetAtt': ['TelemetryDeliveryStream', 'Arn'] } });
    const puts = st.filter((s) => asArray(s.Action).some((a) => a.startsWith('s3:')));
    expect(puts).toEqual([expect.objectContaining({ Action: 's3:PutObject', Resource: { 'Fn::Sub': '${BronzeBucket.Arn}/errors/iot/*' } })]);
  });

  test('the Firehose role writes only under telemetry/ and errors/firehose/ of bronze', () => {
    const st = roleStatements(t, 'TelemetryDeliveryRole');
    const writes = st.filter((s) => asArray(s.Action).some((a) => /^s3:(Put|Abort|Delete)/.test(a)));
    expect(writes).toHaveLength(1);
    expect(writes[0]!.Resource).toEqual([{ 'Fn::Sub': '${BronzeBucket.Arn}/telemetry/*' }, { 'Fn::Sub': '${BronzeBucket.Arn}/errors/firehose/*' }]);
    expect(asArray(writes[0]!.Action).sort()).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
    const allS3 = st.flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith('s3:'));
    expect(allS3.sort()).toEqual(['s3:AbortMultipartUpload', 's3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads', 's3:PutObject']);
    // It lists only under the prefixes it writes.
    expect(st.filter((s) => asArray(s.Action).includes('s3:ListBucket'))).toEqual([
      expect.objectContaining({ Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': ['BronzeBucket', 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['telemetry/*', 'errors/firehose/*'] } } }),
    ]);
    const kms = st.find((s) => asArray(s.Action).includes('kms:GenerateDataKey'))!;
    expect(kms.Resource).toEqual({ 'Fn::GetAtt': ['LakeKey', 'Arn'] });
    expect(kms.Condition).toEqual({ StringEquals: { 'kms:ViaService': { 'Fn::Sub': 's3.${AWS::Region}.amazonaws.com' } } });
    expect(st.find((s) => s.Action === 'logs:PutLogEvents')!.Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${TelemetryDeliveryLogGroup}:log-stream:${TelemetryDeliveryLogStream}',
    });
  });
});
