import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { makeConfig } from '../helpers/factories';
import { asList, policyOf, ref, resourceOf, resourcesOf, synthPipeline } from '../helpers/synth';

describe('pipeline stack, pusher mode', () => {
  const cfg = makeConfig({
    mode: 'pusher',
    filters: {
      prefix: 'incoming/',
      ignoredPrefixes: ['incoming/tmp/'],
      ignoredSuffixes: ['.part'],
      allowedContentTypes: ['image/*'],
      maxSizeBytes: 1000,
    },
    pusher: { maxRetryAttempts: 1, maxEventAgeSeconds: 600 },
  });
  const s = synthPipeline(cfg);
  const pusher = resourceOf(s, 'aws_lambda_function', 'pusher');
  const processor = resourceOf(s, 'aws_lambda_function', 'processor');
  const queue = resourceOf(s, 'aws_sqs_queue', 'queues_queue_');
  const dlq = resourceOf(s, 'aws_sqs_queue', 'dead-letter-queue');
  const bucket = resourceOf(s, 'aws_s3_bucket');
  const failures = resourceOf(s, 'aws_sqs_queue', 'pusher-failures');

  it('lets S3 invoke the pusher only from this bucket and account', () => {
    expect(s.json).toHaveResourceWithProperties(LambdaPermission, {
      action: 'lambda:InvokeFunction',
      principal: 's3.amazonaws.com',
      function_name: ref('aws_lambda_function', pusher.id, 'function_name'),
      source_arn: ref('aws_s3_bucket', bucket.id, 'arn'),
      source_account: '123456789012',
    });
  });

  it('notifies the pusher, after the permission exists, with the prefix filter', () => {
    const n = resourceOf(s, 'aws_s3_bucket_notification');
    const permission = resourceOf(s, 'aws_lambda_permission');
    expect(n.depends_on).toEqual([`aws_lambda_permission.${permission.id}`]);
    expect(n.lambda_function).toEqual([
      {
        id: 'to-pusher',
        lambda_function_arn: ref('aws_lambda_function', pusher.id, 'arn'),
        events: ['s3:ObjectCreated:*'],
        filter_prefix: 'incoming/',
      },
    ]);
    expect(n.queue).toBeUndefined();
  });

  it('bounds async retries and parks failed events in a failure queue of their own, replayable and alarmed', () => {
    expect(s.json).toHaveResourceWithProperties(LambdaFunctionEventInvokeConfig, {
      function_name: ref('aws_lambda_function', pusher.id, 'function_name'),
      maximum_retry_attempts: 1,
      maximum_event_age_in_seconds: 600,
      destination_config: { on_failure: { destination: ref('aws_sqs_queue', failures.id, 'arn') } },
    });
    expect(failures).toMatchObject({
      name: 'ingest-test-pusher-failures',
      message_retention_seconds: 1_209_600,
      sqs_managed_sse_enabled: true,
    });
    expect(
      resourcesOf(s, 'aws_cloudwatch_metric_alarm').find((a) => a.alarm_name === 'ingest-test-pusher-failures-not-empty'),
    ).toMatchObject({
      metric_name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: 'ingest-test-pusher-failures' },
      comparison_operator: 'GreaterThanThreshold',
      threshold: 0,
    });
    expect(Object.keys(s.parsed.output)).toEqual(expect.arrayContaining(['pusher_failure_queue_url', 'pusher_failure_queue_arn']));
  });

  it('gives the queue no S3 statement: only the pusher sends to it', () => {
    const policy = policyOf(resourceOf(s, 'aws_sqs_queue_policy', 'queues_queue-policy'));
    expect(policy.Statement.map((st) => st.Sid)).toEqual(['DenyInsecureTransport']);
  });

  it('passes the filters to the pusher through its environment', () => {
    expect((pusher.environment as { variables: Record<string, string> }).variables).toMatchObject({
      QUEUE_URL: ref('aws_sqs_queue', queue.id, 'url'),
      DEAD_LETTER_QUEUE_URL: ref('aws_sqs_queue', dlq.id, 'url'),
      IGNORED_PREFIXES: '["incoming/tmp/"]',
      IGNORED_SUFFIXES: '[".part"]',
      ALLOWED_CONTENT_TYPES: '["image/*"]',
      MAX_SIZE_BYTES: '1000',
      HANDLE_DELETES: 'false',
      POWERTOOLS_SERVICE_NAME: 'pusher',
    });
    expect(pusher).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], tracing_config: { mode: 'Active' } });
  });

  it('gives the pusher HeadObject (with ListBucket, for 404s) and SendMessage only, and the processor HeadObject only to confirm refused writes', () => {
    const policies = resourcesOf(s, 'aws_iam_role_policy');
    const pusherPolicy = policyOf(policies.find((p) => p.id.includes('pusher'))!);
    expect(pusherPolicy.Statement.map((st) => [st.Sid, asList(st.Action), asList(st.Resource)])).toEqual([
      ['HeadObjects', ['s3:GetObject', 's3:GetObjectVersion'], [`${ref('aws_s3_bucket', bucket.id, 'arn')}/${cfg.filters.prefix}*`]],
      ['MissingIsNotFound', ['s3:ListBucket'], [ref('aws_s3_bucket', bucket.id, 'arn')]],
      ['Enqueue', ['sqs:SendMessage'], [ref('aws_sqs_queue', queue.id, 'arn'), ref('aws_sqs_queue', dlq.id, 'arn')]],
      ['ParkFailedEvents', ['sqs:SendMessage'], [ref('aws_sqs_queue', failures.id, 'arn')]],
      ['WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [expect.stringContaining('pusher_logs')]],
      ['XRayTracing', ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], ['*']],
    ]);
    const processorPolicy = policyOf(policies.find((p) => p.id.includes('processor'))!);
    // Pusher messages carry the object's state; the processor asks S3 only when a refused write's event differs from the item.
    expect(processorPolicy.Statement.find((st) => st.Sid === 'HeadObjects')).toMatchObject({
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: `${ref('aws_s3_bucket', bucket.id, 'arn')}/${cfg.filters.prefix}*`,
    });
    expect(processor.function_name).toBe('ingest-test-processor');
  });

  it('alarms on the pusher too and exports its name, ARN and role', () => {
    const names = resourcesOf(s, 'aws_cloudwatch_metric_alarm').map((a) => a.alarm_name);
    expect(names).toEqual(
      expect.arrayContaining(['ingest-test-pusher-errors', 'ingest-test-pusher-throttles', 'ingest-test-pusher-error-logs']),
    );
    expect(Object.keys(s.parsed.output)).toEqual(
      expect.arrayContaining(['pusher_function_name', 'pusher_function_arn', 'pusher_role_arn']),
    );
    expect(s.parsed.output.ingestion_mode!.value).toBe('pusher');
  });
});
