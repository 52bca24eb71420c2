import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/project-root';
import { AnnotationMetadataEntryType } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { makeConfig } from '../helpers/factories';
import { asList, policyOf, ref, resourceOf, resourcesOf, synthPipeline } from '../helpers/synth';

describe('pipeline stack, direct mode', () => {
  const cfg = makeConfig({ processor: { timeoutSeconds: 45, batchingWindowSeconds: 3, batchSize: 50, maxConcurrency: 7 } });
  const s = synthPipeline(cfg);
  const queue = resourceOf(s, 'aws_sqs_queue', 'queues_queue_');
  const dlq = resourceOf(s, 'aws_sqs_queue', 'dead-letter-queue');
  const bucket = resourceOf(s, 'aws_s3_bucket');

  it('derives the visibility timeout as 6 × processor timeout + batching window', () => {
    expect(queue.visibility_timeout_seconds).toBe(6 * 45 + 3);
  });

  it('encrypts both queues with SSE-SQS and redrives after maxReceiveCount to a 14-day DLQ', () => {
    expect(s.json).toHaveResourceWithProperties(SqsQueue, {
      name: 'ingest-test-ingest',
      sqs_managed_sse_enabled: true,
      message_retention_seconds: 345600,
    });
    expect(dlq).toMatchObject({ name: 'ingest-test-ingest-dlq', sqs_managed_sse_enabled: true, message_retention_seconds: 1209600 });
    expect(JSON.parse(queue.redrive_policy as string)).toEqual({
      deadLetterTargetArn: ref('aws_sqs_queue', dlq.id, 'arn'),
      maxReceiveCount: 5,
    });
  });

  it('lets only the source queue redrive into the DLQ', () => {
    const allow = resourceOf(s, 'aws_sqs_queue_redrive_allow_policy');
    expect(allow.queue_url).toBe(ref('aws_sqs_queue', dlq.id, 'url'));
    expect(JSON.parse(allow.redrive_allow_policy as string)).toEqual({
      redrivePermission: 'byQueue',
      sourceQueueArns: [ref('aws_sqs_queue', queue.id, 'arn')],
    });
  });

  it('lets S3 send only from this bucket and account, and denies non-TLS access', () => {
    const policy = policyOf(resourceOf(s, 'aws_sqs_queue_policy', 'queues_queue-policy'));
    const allow = policy.Statement.find((st) => st.Sid === 'AllowS3Notifications')!;
    expect(allow).toEqual({
      Sid: 'AllowS3Notifications',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: ref('aws_sqs_queue', queue.id, 'arn'),
      Condition: {
        ArnEquals: { 'aws:SourceArn': ref('aws_s3_bucket', bucket.id, 'arn') },
        StringEquals: { 'aws:SourceAccount': '123456789012' },
      },
    });
    const deny = policy.Statement.find((st) => st.Sid === 'DenyInsecureTransport')!;
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    const dlqPolicy = policyOf(resourceOf(s, 'aws_sqs_queue_policy', 'dead-letter-queue-policy'));
    expect(dlqPolicy.Statement.map((st) => st.Sid)).toEqual(['DenyInsecureTransport']);
  });

  it('notifies the queue of created objects only after the queue policy exists', () => {
    const n = resourceOf(s, 'aws_s3_bucket_notification');
    const policy = resourceOf(s, 'aws_sqs_queue_policy', 'queues_queue-policy');
    expect(n.depends_on).toEqual([`aws_sqs_queue_policy.${policy.id}`]);
    expect(n.queue).toEqual([
      { id: 'to-processing-queue', queue_arn: ref('aws_sqs_queue', queue.id, 'arn'), events: ['s3:ObjectCreated:*'] },
    ]);
    expect(n.lambda_function).toBeUndefined();
  });

  it('applies prefix/suffix filters to the notification, and subscribes lifecycle expirations when deletes are handled', () => {
    const filtered = synthPipeline(makeConfig({ filters: { prefix: 'in/', suffix: '.csv' }, handleDeletes: true }));
    expect(resourceOf(filtered, 'aws_s3_bucket_notification').queue).toEqual([
      expect.objectContaining({
        filter_prefix: 'in/',
        filter_suffix: '.csv',
        events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*', 's3:LifecycleExpiration:*'],
      }),
    ]);
  });

  it.each(['direct', 'pusher'] as const)(
    '%s mode: writes the filters URL-encoded as S3 requires, while IAM keeps the raw key prefix',
    (mode) => {
      const s = synthPipeline(makeConfig({ mode, filters: { prefix: 'my folder/ü', suffix: '+1.csv' } }));
      const notification = resourceOf(s, 'aws_s3_bucket_notification');
      const target = (mode === 'direct' ? notification.queue : notification.lambda_function) as Array<Record<string, unknown>>;
      expect(target[0]).toMatchObject({ filter_prefix: 'my+folder/%C3%BC', filter_suffix: '%2B1.csv' });
      const policy = JSON.parse(
        String(resourcesOf(s, 'aws_iam_role_policy').find((r) => String(r.policy).includes('HeadObjects'))!.policy),
      ) as { Statement: Array<{ Sid: string; Resource: string; Condition?: unknown }> };
      expect(policy.Statement.find((st) => st.Sid === 'HeadObjects')!.Resource).toMatch(/\/my folder\/ü\*$/);
      expect(policy.Statement.find((st) => st.Sid === 'MissingIsNotFound')!.Condition).toEqual({
        StringLike: { 's3:prefix': ['my folder/ü*'] },
      });
    },
  );

  it('eventbridge mode: the rule matches the URL-encoded key as the event spells it', () => {
    const s = synthPipeline(makeConfig({ mode: 'eventbridge', filters: { prefix: 'my folder/' } }));
    const pattern = JSON.parse(String(resourceOf(s, 'aws_cloudwatch_event_rule').event_pattern)) as {
      detail: { object: { key: unknown } };
    };
    expect(pattern.detail.object.key).toEqual([{ prefix: 'my+folder/' }]);
  });

  it('lets HeadObject see a missing object as 404: ListBucket on the bucket, scoped to the prefix filter when there is one', () => {
    // Prepare
    const filtered = synthPipeline(makeConfig({ filters: { prefix: 'in/' } }));
    const statement = (synth: typeof s, sid: string) =>
      policyOf(resourceOf(synth, 'aws_iam_role_policy')).Statement.find((x) => x.Sid === sid)!;
    const bucketArn = (synth: typeof s) => ref('aws_s3_bucket', resourceOf(synth, 'aws_s3_bucket').id, 'arn');
    // Assess
    expect(statement(s, 'MissingIsNotFound')).toEqual({
      Sid: 'MissingIsNotFound',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucketArn(s),
    });
    expect(statement(filtered, 'MissingIsNotFound')).toEqual({
      Sid: 'MissingIsNotFound',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucketArn(filtered),
      Condition: { StringLike: { 's3:prefix': ['in/*'] } },
    });
    expect(statement(filtered, 'HeadObjects').Resource).toBe(`${bucketArn(filtered)}/in/*`);
  });

  it('locks the bucket down: public access blocked, SSE, versioning, TLS-only policy, no ACLs', () => {
    expect(s.json).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(s.json).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }],
    });
    expect(s.json).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: 'Enabled' } });
    expect(resourceOf(s, 'aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    const policy = policyOf(resourceOf(s, 'aws_s3_bucket_policy'));
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Resource: [ref('aws_s3_bucket', bucket.id, 'arn'), `${ref('aws_s3_bucket', bucket.id, 'arn')}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
    expect(bucket).toMatchObject({ bucket: 'ingest-test-uploads-123456789012', force_destroy: false });
  });

  it('expires objects only when configured, always aborts stale multipart uploads and removes orphaned delete markers', () => {
    // S3 refuses ExpiredObjectDeleteMarker beside Days in one expiration: the markers have a rule of their own.
    const markers = expect.objectContaining({ id: 'expired-delete-markers', expiration: [{ expired_object_delete_marker: true }] });
    expect(resourceOf(s, 'aws_s3_bucket_lifecycle_configuration').rule).toEqual([
      expect.not.objectContaining({ expiration: expect.anything() }),
      markers,
    ]);
    const withExpiry = synthPipeline(makeConfig({ bucket: { expireAfterDays: 7 } }));
    expect(resourceOf(withExpiry, 'aws_s3_bucket_lifecycle_configuration').rule).toEqual([
      expect.objectContaining({ expiration: [{ days: 7 }], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] }),
      markers,
    ]);
  });

  it('maps the queue to the processor with the configured batching and partial batch responses', () => {
    const fn = resourceOf(s, 'aws_lambda_function');
    expect(s.json).toHaveResourceWithProperties(LambdaEventSourceMapping, {
      event_source_arn: ref('aws_sqs_queue', queue.id, 'arn'),
      function_name: ref('aws_lambda_function', fn.id, 'arn'),
      batch_size: 50,
      maximum_batching_window_in_seconds: 3,
      function_response_types: ['ReportBatchItemFailures'],
      scaling_config: { maximum_concurrency: 7 },
    });
  });

  it('runs the processor on nodejs22.x arm64 with X-Ray, a stable code hash, and its environment from config', () => {
    const table = resourceOf(s, 'aws_dynamodb_table');
    expect(s.json).toHaveResourceWithProperties(LambdaFunction, {
      function_name: 'ingest-test-processor',
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      timeout: 45,
      memory_size: 512,
      tracing_config: { mode: 'Active' },
      environment: {
        variables: {
          TABLE_NAME: ref('aws_dynamodb_table', table.id, 'name'),
          DEAD_LETTER_QUEUE_URL: ref('aws_sqs_queue', dlq.id, 'url'),
          RECORD_CONCURRENCY: '10',
          HANDLE_DELETES: 'false',
          POWERTOOLS_SERVICE_NAME: 'processor',
          POWERTOOLS_METRICS_NAMESPACE: 'FileIngestion/ingest-test',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
    const fn = resourceOf(s, 'aws_lambda_function');
    expect(fn.source_code_hash).toMatch(/^[0-9A-F]{32}$/);
    expect(fn.filename).toContain(fn.source_code_hash as string);
  });

  it('creates the log group, with retention, before the function', () => {
    expect(s.json).toHaveResourceWithProperties(CloudwatchLogGroup, { name: '/aws/lambda/ingest-test-processor', retention_in_days: 30 });
    const fn = resourceOf(s, 'aws_lambda_function');
    const logs = resourceOf(s, 'aws_cloudwatch_log_group');
    expect(fn.depends_on).toContain(`aws_cloudwatch_log_group.${logs.id}`);
    expect(fn.logging_config).toEqual({
      log_format: 'JSON',
      application_log_level: 'INFO',
      system_log_level: 'WARN',
      log_group: ref('aws_cloudwatch_log_group', logs.id, 'name'),
    });
  });

  it('stores items in an on-demand, PITR, encrypted table keyed by s3_key and bucket', () => {
    expect(s.json).toHaveResourceWithProperties(DynamodbTable, {
      name: 'ingest-test-objects',
      billing_mode: 'PAY_PER_REQUEST',
      hash_key: 's3_key',
      range_key: 'bucket',
      attribute: [
        { name: 's3_key', type: 'S' },
        { name: 'bucket', type: 'S' },
      ],
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true },
      deletion_protection_enabled: true,
    });
  });

  it('gives the processor exactly the actions its handler calls, on exact ARNs', () => {
    const policy = policyOf(resourceOf(s, 'aws_iam_role_policy'));
    const table = resourceOf(s, 'aws_dynamodb_table');
    const logs = resourceOf(s, 'aws_cloudwatch_log_group');
    const grants = Object.fromEntries(
      policy.Statement.map((st) => [st.Sid, { actions: asList(st.Action), resources: asList(st.Resource) }]),
    );
    expect(grants).toEqual({
      ConsumeQueue: {
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        resources: [ref('aws_sqs_queue', queue.id, 'arn')],
      },
      DeadLetterPoison: { actions: ['sqs:SendMessage'], resources: [ref('aws_sqs_queue', dlq.id, 'arn')] },
      WriteItems: {
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'],
        resources: [ref('aws_dynamodb_table', table.id, 'arn')],
      },
      HeadObjects: { actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`${ref('aws_s3_bucket', bucket.id, 'arn')}/*`] },
      MissingIsNotFound: { actions: ['s3:ListBucket'], resources: [ref('aws_s3_bucket', bucket.id, 'arn')] },
      WriteOwnLogs: {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${ref('aws_cloudwatch_log_group', logs.id, 'arn')}:*`],
      },
      XRayTracing: { actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] },
    });
    const trust = policyOf(resourceOf(s, 'aws_iam_role'), 'assume_role_policy');
    expect(trust.Statement).toEqual([
      {
        Sid: 'LambdaAssume',
        Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      },
    ]);
  });

  it('grants UpdateItem whether or not deletes are handled: backfilled objects are written with it', () => {
    for (const handleDeletes of [true, false]) {
      const st = policyOf(resourceOf(synthPipeline(makeConfig({ handleDeletes })), 'aws_iam_role_policy')).Statement.find(
        (x) => x.Sid === 'WriteItems',
      )!;
      expect(asList(st.Action)).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem']);
    }
  });

  it('never grants a * action, and * resources only to X-Ray', () => {
    for (const p of resourcesOf(s, 'aws_iam_role_policy')) {
      for (const st of policyOf(p).Statement) {
        expect(asList(st.Action).some((a) => a.includes('*'))).toBe(false);
        if (asList(st.Resource).includes('*')) expect(st.Sid).toBe('XRayTracing');
      }
    }
  });

  it('pins the provider to the configured account and region and tags everything', () => {
    expect(s.parsed.provider.aws).toEqual([{ region: 'eu-west-1', allowed_account_ids: ['123456789012'], default_tags: [{ tags: {} }] }]);
    const tagged = synthPipeline(makeConfig({ tags: { team: 'data' } }));
    expect(tagged.parsed.provider.aws![0]!.default_tags).toEqual([{ tags: { team: 'data' } }]);
  });

  it('exports every output operators and tools read, and the dashboard URL', () => {
    expect(Object.keys(s.parsed.output).sort()).toEqual(
      [
        'alerts_topic_arn',
        'bucket_arn',
        'bucket_name',
        'dashboard_url',
        'dead_letter_queue_arn',
        'dead_letter_queue_url',
        'ingestion_mode',
        'processor_function_arn',
        'processor_function_name',
        'processor_role_arn',
        'queue_arn',
        'queue_url',
        'table_arn',
        'table_name',
      ].sort(),
    );
    expect(s.parsed.output.queue_url!.value).toBe(ref('aws_sqs_queue', queue.id, 'url'));
  });

  const warningsOf = (synth: typeof s): string[] =>
    synth.stack.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));

  it('uses a local backend outside cdktf.out (absolute, at the project root), with a warning, when no state bucket is configured', () => {
    expect(s.parsed.terraform.backend).toEqual({ local: { path: join(PROJECT_ROOT, 'terraform.pipeline-test.tfstate') } });
    expect(warningsOf(s)).toEqual([expect.stringMatching(/^Environment "test" has no "state" configured: using a local state file\./)]);
  });

  it('uses an encrypted S3 backend with native locking, and no warning, when a state bucket is configured', () => {
    const withState = synthPipeline(makeConfig({ state: { bucket: 'my-state', region: 'us-east-1', keyPrefix: 'ingest' } }));
    expect(withState.parsed.terraform.backend).toEqual({
      s3: { bucket: 'my-state', key: 'ingest/test.tfstate', region: 'us-east-1', encrypt: true, use_lockfile: true },
    });
    expect(warningsOf(withState)).toEqual([]);
  });
});
