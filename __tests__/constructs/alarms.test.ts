import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { DLQ_EXPIRY_MARGIN_SECONDS, DLQ_RETENTION_SECONDS } from '../../config/derive';
import { resolveConfig } from '../../config/validate';
import { nodeTargetOf } from '../../config/runtimes';
import { bundleDeployedHandler } from '../../bundling/bundle-handler';
import { makeConfig } from '../helpers/factories';
import { policyOf, ref, resourceOf, resourcesOf, synthPipeline } from '../helpers/synth';

type Alarm = Record<string, unknown>;
const byName = (s: ReturnType<typeof synthPipeline>): Record<string, Alarm> =>
  Object.fromEntries(resourcesOf(s, 'aws_cloudwatch_metric_alarm').map((a) => [a.alarm_name as string, a]));

describe('alarms and alert topic', () => {
  const s = synthPipeline(
    makeConfig({ alertEmails: ['a@example.com', 'b@example.com'], alarms: { queueAgeThresholdSeconds: 900, periodSeconds: 120 } }),
  );
  const topic = resourceOf(s, 'aws_sns_topic');
  const alarms = byName(s);

  it('encrypts the topic with a rotating customer key that CloudWatch may use', () => {
    const key = resourceOf(s, 'aws_kms_key');
    expect(topic.kms_master_key_id).toBe(ref('aws_kms_key', key.id, 'arn'));
    expect(key.enable_key_rotation).toBe(true);
    const cw = policyOf(key).Statement.find((st) => st.Sid === 'CloudWatchPublishes')!;
    expect(cw).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    });
  });

  it('subscribes every configured address by e-mail', () => {
    expect(resourcesOf(s, 'aws_sns_topic_subscription').map((x) => [x.protocol, x.endpoint, x.topic_arn])).toEqual([
      ['email', 'a@example.com', ref('aws_sns_topic', topic.id, 'arn')],
      ['email', 'b@example.com', ref('aws_sns_topic', topic.id, 'arn')],
    ]);
  });

  it('pages on the first message in the DLQ (1 of 1), and before its messages expire', () => {
    expect(alarms['ingest-test-dlq-not-empty']).toMatchObject({
      namespace: 'AWS/SQS',
      metric_name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: 'ingest-test-ingest-dlq' },
      comparison_operator: 'GreaterThanThreshold',
      threshold: 0,
      statistic: 'Maximum',
      evaluation_periods: 1,
      datapoints_to_alarm: 1,
    });
    const age = alarms['ingest-test-dlq-age']!;
    expect(age).toMatchObject({
      metric_name: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: 'ingest-test-ingest-dlq' },
      evaluation_periods: 1,
    });
    expect(resourcesOf(s, 'aws_sqs_queue').find((q) => q.name === 'ingest-test-ingest-dlq')!.message_retention_seconds).toBe(
      DLQ_RETENTION_SECONDS,
    );
  });

  it.each([4, 7, 10])('fires the DLQ age alarm before a message that spent the whole %i-day source retention can expire', (days) => {
    // SQS: the DLQ's ApproximateAgeOfOldestMessage counts from the move; expiry from the first enqueue.
    const retention = days * 86400;
    const synthesized = synthPipeline(makeConfig({ queue: { retentionSeconds: retention } }));
    const queue = resourcesOf(synthesized, 'aws_sqs_queue').find((q) => q.name === 'ingest-test-ingest')!;
    expect(queue.message_retention_seconds).toBe(retention);
    const age = byName(synthesized)['ingest-test-dlq-age']!;
    const expiresAfterMove = DLQ_RETENTION_SECONDS - retention;
    expect(age.threshold).toBe(expiresAfterMove - DLQ_EXPIRY_MARGIN_SECONDS);
    expect(age.threshold).toBeGreaterThanOrEqual(86400);
    expect(String(age.alarm_description)).toContain(`up to ${days} days`);
    expect(String(age.alarm_description)).toContain('may expire in 3 days');
  });

  it('refuses a source retention that leaves the DLQ age alarm no margin', () => {
    const base = { environment: 't', namePrefix: 'ingest-t', accountId: '123456789012', region: 'eu-west-1' };
    expect(() => resolveConfig({ ...base, queue: { retentionSeconds: 11 * 86400 } })).toThrow(
      /queue.retentionSeconds must be at most 864000 \(10 days\): a message moved to the DLQ keeps its first enqueue time/,
    );
    expect(resolveConfig({ ...base, queue: { retentionSeconds: 10 * 86400 } }).queue.retentionSeconds).toBe(864000);
  });

  it('alarms on the source queue age and depth, M of N', () => {
    expect(alarms['ingest-test-queue-age']).toMatchObject({
      metric_name: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: 'ingest-test-ingest' },
      comparison_operator: 'GreaterThanOrEqualToThreshold',
      threshold: 900,
      period: 120,
      evaluation_periods: 3,
      datapoints_to_alarm: 2,
    });
    expect(alarms['ingest-test-queue-depth']).toMatchObject({
      metric_name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: 'ingest-test-ingest' },
      threshold: 10000,
    });
  });

  it('alarms on processor errors and throttles M of N, and on ERROR log lines by their JSON level', () => {
    expect(alarms['ingest-test-processor-errors']).toMatchObject({
      namespace: 'AWS/Lambda',
      metric_name: 'Errors',
      dimensions: { FunctionName: 'ingest-test-processor' },
      evaluation_periods: 3,
      datapoints_to_alarm: 2,
    });
    expect(alarms['ingest-test-processor-throttles']).toMatchObject({ namespace: 'AWS/Lambda', metric_name: 'Throttles' });
    const logs = resourceOf(s, 'aws_cloudwatch_log_group');
    expect(s.json).toHaveResourceWithProperties(CloudwatchLogMetricFilter, {
      log_group_name: ref('aws_cloudwatch_log_group', logs.id, 'name'),
      pattern: '{ $.level = "ERROR" }',
      metric_transformation: { name: 'processor-error-log-lines', namespace: 'FileIngestion/ingest-test', value: '1', default_value: '0' },
    });
    expect(alarms['ingest-test-processor-error-logs']).toMatchObject({
      namespace: 'FileIngestion/ingest-test',
      metric_name: 'processor-error-log-lines',
      statistic: 'Sum',
    });
    expect(resourceOf(s, 'aws_lambda_function').logging_config).toMatchObject({ log_format: 'JSON', application_log_level: 'INFO' });
  });

  it('alarms when the p99 duration passes 80 % of the timeout', () => {
    expect(alarms['ingest-test-processor-duration-p99']).toMatchObject({
      metric_name: 'Duration',
      extended_statistic: 'p99',
      threshold: 24000,
      comparison_operator: 'GreaterThanThreshold',
    });
    expect(alarms['ingest-test-processor-duration-p99']!.statistic).toBeUndefined();
  });

  it('sums DynamoDB throttles and system errors over the operations the processor calls', () => {
    for (const [name, metric] of [
      ['table-throttles', 'ThrottledRequests'],
      ['table-system-errors', 'SystemErrors'],
    ] as const) {
      const alarm = alarms[`ingest-test-${name}`] as {
        metric_query: Array<{ id: string; expression?: string; metric?: { metric_name: string; dimensions: Record<string, string> } }>;
      };
      const metrics = alarm.metric_query.filter((q) => q.metric).map((q) => q.metric!);
      expect(metrics.map((m) => [m.metric_name, m.dimensions])).toEqual([
        [metric, { TableName: 'ingest-test-objects', Operation: 'PutItem' }],
        [metric, { TableName: 'ingest-test-objects', Operation: 'UpdateItem' }],
      ]);
      expect(alarm.metric_query.find((q) => q.expression)!.expression).toBe('SUM([m0, m1])');
    }
  });

  it('alarms when the alert topic fails to deliver', () => {
    expect(alarms['ingest-test-alerts-delivery-failures']).toMatchObject({
      namespace: 'AWS/SNS',
      metric_name: 'NumberOfNotificationsFailed',
      dimensions: { TopicName: 'ingest-test-alerts' },
    });
  });

  it('sends alarm and OK notifications to the topic; only the heartbeat treats silence as breaching', () => {
    const withHeartbeat = byName(synthPipeline(makeConfig({ alarms: { heartbeatHours: 6 } })));
    expect(withHeartbeat['ingest-test-heartbeat']).toMatchObject({
      namespace: 'FileIngestion/ingest-test',
      metric_name: 'ObjectsStored',
      dimensions: { service: 'processor' },
      comparison_operator: 'LessThanThreshold',
      threshold: 1,
      period: 3600,
      evaluation_periods: 6,
      treat_missing_data: 'breaching',
    });
    expect(alarms['ingest-test-heartbeat']).toBeUndefined();
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

  it('pusher mode: alarms on the failure queue and on what Lambda says about asynchronous events', () => {
    const pusher = byName(synthPipeline(makeConfig({ mode: 'pusher', pusher: { maxEventAgeSeconds: 600 } })));
    expect(pusher['ingest-test-pusher-failures-not-empty']).toMatchObject({
      dimensions: { QueueName: 'ingest-test-pusher-failures' },
      evaluation_periods: 1,
    });
    // A destination record is a new message: its age and expiry both start when Lambda sends it.
    expect(pusher['ingest-test-pusher-failures-age']).toMatchObject({
      metric_name: 'ApproximateAgeOfOldestMessage',
      threshold: DLQ_RETENTION_SECONDS - DLQ_EXPIRY_MARGIN_SECONDS,
    });
    expect(pusher['ingest-test-pusher-async-event-age']).toMatchObject({
      metric_name: 'AsyncEventAge',
      statistic: 'Maximum',
      threshold: 300_000,
      dimensions: { FunctionName: 'ingest-test-pusher' },
    });
    const lost = Object.values(pusher).find((a) => a.metric_name === 'DestinationDeliveryFailures')!;
    expect(lost).toMatchObject({
      namespace: 'AWS/Lambda',
      threshold: 1,
      evaluation_periods: 1,
      dimensions: { FunctionName: 'ingest-test-pusher' },
    });
    // Lambda counts events parked in the failure queue as AsyncEventsDropped too: no page for each.
    expect(Object.values(pusher).filter((a) => a.metric_name === 'AsyncEventsDropped')).toEqual([]);
    expect(pusher['ingest-test-pusher-errors']).toBeDefined();
    expect(pusher['ingest-test-pusher-error-logs']).toBeDefined();
  });

  it('eventbridge mode: alarms when the rule fails to deliver, and when it cannot even dead-letter', () => {
    const eb = byName(synthPipeline(makeConfig({ mode: 'eventbridge' })));
    const rule = resourceOf(synthPipeline(makeConfig({ mode: 'eventbridge' })), 'aws_cloudwatch_event_rule');
    for (const [id, metric] of [
      ['event-rule-failed-invocations', 'FailedInvocations'],
      ['event-rule-dlq-failures', 'InvocationsFailedToBeSentToDlq'],
    ]) {
      expect(eb[`ingest-test-${id}`]).toMatchObject({
        namespace: 'AWS/Events',
        metric_name: metric,
        dimensions: { RuleName: rule.name },
        threshold: 1,
        evaluation_periods: 1,
        comparison_operator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('runs the functions at the configured log level, never one that drops the metric lines', () => {
    const debug = resourcesOf(synthPipeline(makeConfig({ logLevel: 'DEBUG' })), 'aws_lambda_function')[0]!;
    expect(debug.logging_config).toMatchObject({ application_log_level: 'DEBUG' });
    expect((debug.environment as { variables: Record<string, string> }).variables.POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
    const base = { environment: 't', namePrefix: 'ingest-t', accountId: '123456789012', region: 'eu-west-1' };
    for (const level of ['WARN', 'ERROR', 'FATAL'])
      expect(() => resolveConfig({ ...base, logLevel: level })).toThrow(
        /logLevel must be TRACE, DEBUG, INFO: Lambda treats the metric lines \(EMF, no "level" field\) as INFO/,
      );
    expect(() => resolveConfig({ ...base, logLevel: 'LOUD' })).toThrow(/logLevel must be one of TRACE, DEBUG, INFO \(got "LOUD"\)/);
  });

  it('deploys the configured runtime (nodejs22.x by default: the newest the pinned provider accepts), bundled for its Node major', () => {
    const fn = (runtime?: string) => resourcesOf(synthPipeline(makeConfig(runtime ? { runtime } : {})), 'aws_lambda_function')[0]!;
    expect(fn().runtime).toBe('nodejs22.x');
    expect(fn('nodejs20.x').runtime).toBe('nodejs20.x');
    // A bundle per esbuild target (the same bytes when no syntax needs lowering: the hash is the content's).
    expect(bundleDeployedHandler('processor', 'nodejs22.x').outDir).toMatch(/processor-node22$/);
    expect(bundleDeployedHandler('processor', 'nodejs20.x').outDir).toMatch(/processor-node20$/);
    expect(nodeTargetOf('nodejs24.x')).toBe('node24');
  });

  it('refuses unknown runtimes, and nodejs24.x with the reason: the pinned provider refuses it at plan', () => {
    const base = { environment: 't', namePrefix: 'ingest-t', accountId: '123456789012', region: 'eu-west-1' };
    expect(() => resolveConfig({ ...base, runtime: 'python3.13' })).toThrow(
      /runtime must be one of the Lambda Node.js runtimes nodejs20.x, nodejs22.x, nodejs24.x \(config\/runtimes.ts\) \(got "python3.13"\)/,
    );
    expect(() => resolveConfig({ ...base, runtime: 'nodejs24.x' })).toThrow(
      /runtime cannot be deployed by this project yet: the pinned hashicorp\/aws 5.100.0 refuses it at plan/,
    );
  });

  it('lists exactly these alarms in each mode', () => {
    const names = (mode: 'direct' | 'pusher' | 'eventbridge') =>
      Object.keys(byName(synthPipeline(makeConfig({ mode }))))
        .map((n) => n.replace('ingest-test-', ''))
        .sort();
    const common = [
      'alerts-delivery-failures',
      'dlq-age',
      'dlq-not-empty',
      'processor-access-denied',
      'processor-duration-p99',
      'processor-error-logs',
      'processor-errors',
      'processor-poison-messages',
      'processor-throttles',
      'processor-transient-failures',
      'queue-age',
      'queue-depth',
      'table-system-errors',
      'table-throttles',
    ];
    expect(names('direct')).toEqual(common);
    expect(names('eventbridge')).toEqual([...common, 'event-rule-dlq-failures', 'event-rule-failed-invocations'].sort());
    expect(names('pusher')).toEqual(
      [
        ...common,
        'pusher-access-denied',
        'pusher-async-event-age',
        'pusher-destination-delivery-failures',
        'pusher-enqueue-failures',
        'pusher-error-logs',
        'pusher-errors',
        'pusher-failures-age',
        'pusher-failures-not-empty',
        'pusher-throttles',
      ].sort(),
    );
  });
});
