import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { makeConfig } from '../helpers/factories';
import { policyOf, ref, resourceOf, resourcesOf, synthPipeline } from '../helpers/synth';

describe('alarms and alert topic', () => {
  const s = synthPipeline(makeConfig({ alertEmails: ['a@example.com', 'b@example.com'], alarms: { queueAgeThresholdSeconds: 900, periodSeconds: 120 } }));
  const topic = resourceOf(s, 'aws_sns_topic');
  const alarms = Object.fromEntries(resourcesOf(s, 'aws_cloudwatch_metric_alarm').map((a) => [a.alarm_name as string, a]));

  it('encrypts the topic with a rotating customer key that CloudWatch may use', () => {
    const key = resourceOf(s, 'aws_kms_key');
    expect(topic.kms_master_key_id).toBe(ref('aws_kms_key', key.id, 'arn'));
    expect(key.enable_key_rotation).toBe(true);
    const cw = policyOf(key).Statement.find((st) => st.Sid === 'CloudWatchPublishes')!;
    expect(cw).toMatchObject({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } });
  });

  it('subscribes every configured address by e-mail', () => {
    expect(resourcesOf(s, 'aws_sns_topic_subscription').map((x) => [x.protocol, x.endpoint, x.topic_arn])).toEqual([
      ['email', 'a@example.com', ref('aws_sns_topic', topic.id, 'arn')],
      ['email', 'b@example.com', ref('aws_sns_topic', topic.id, 'arn')],
    ]);
  });

  it('alarms on any message in the DLQ', () => {
    expect(alarms['ingest-test-dlq-not-empty']).toMatchObject({
      namespace: 'AWS/SQS',
      metric_name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: 'ingest-test-ingest-dlq' },
      comparison_operator: 'GreaterThanThreshold',
      threshold: 0,
      statistic: 'Maximum',
    });
  });

  it('alarms on the age of the oldest message at the configured threshold', () => {
    expect(alarms['ingest-test-queue-age']).toMatchObject({
      metric_name: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: 'ingest-test-ingest' },
      comparison_operator: 'GreaterThanOrEqualToThreshold',
      threshold: 900,
      period: 120,
    });
  });

  it('alarms on processor errors, throttles and ERROR log lines', () => {
    const fn = resourceOf(s, 'aws_lambda_function');
    expect(alarms['ingest-test-processor-errors']).toMatchObject({ namespace: 'AWS/Lambda', metric_name: 'Errors', dimensions: { FunctionName: ref('aws_lambda_function', fn.id, 'function_name') } });
    expect(alarms['ingest-test-processor-throttles']).toMatchObject({ namespace: 'AWS/Lambda', metric_name: 'Throttles' });
    const logs = resourceOf(s, 'aws_cloudwatch_log_group');
    expect(s.json).toHaveResourceWithProperties(CloudwatchLogMetricFilter, {
      log_group_name: ref('aws_cloudwatch_log_group', logs.id, 'name'),
      pattern: 'ERROR',
      metric_transformation: { name: 'processor-error-log-lines', namespace: 'FileIngestion/ingest-test', value: '1', default_value: '0' },
    });
    expect(alarms['ingest-test-processor-error-logs']).toMatchObject({ namespace: 'FileIngestion/ingest-test', metric_name: 'processor-error-log-lines', statistic: 'Sum' });
  });

  it('sends alarm and OK notifications to the topic and treats missing data as not breaching', () => {
    expect(Object.keys(alarms)).toHaveLength(5);
    for (const alarm of Object.values(alarms)) {
      expect(alarm).toMatchObject({
        alarm_actions: [ref('aws_sns_topic', topic.id, 'arn')],
        ok_actions: [ref('aws_sns_topic', topic.id, 'arn')],
        treat_missing_data: 'notBreaching',
      });
    }
  });

  it('lets only CloudWatch from this account publish, over TLS', () => {
    const policy = policyOf(resourceOf(s, 'aws_sns_topic_policy'));
    expect(policy.Statement.map((st) => [st.Sid, st.Effect])).toEqual([
      ['CloudWatchAlarmsPublish', 'Allow'],
      ['DenyInsecureTransport', 'Deny'],
    ]);
  });
});
