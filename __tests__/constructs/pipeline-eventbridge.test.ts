import { eventPattern } from '../../config/derive';
import { makeConfig } from '../helpers/factories';
import { asList, policyOf, ref, resourceOf, resourcesOf, synthPipeline } from '../helpers/synth';

describe('pipeline stack, eventbridge mode', () => {
  const cfg = makeConfig({
    mode: 'eventbridge',
    handleDeletes: true,
    filters: { prefix: 'in/', suffix: '.csv', minSizeBytes: 1, maxSizeBytes: 1000 },
  });
  const s = synthPipeline(cfg);
  const rule = resourceOf(s, 'aws_cloudwatch_event_rule');
  const target = resourceOf(s, 'aws_cloudwatch_event_target');
  const queue = resourceOf(s, 'aws_sqs_queue', 'queues_queue_');
  const dlq = resourceOf(s, 'aws_sqs_queue', 'dead-letter-queue');
  const bucket = resourceOf(s, 'aws_s3_bucket');

  it('turns EventBridge delivery on, and nothing else, in the bucket notification', () => {
    const n = resourceOf(s, 'aws_s3_bucket_notification');
    expect(n).toMatchObject({ bucket: ref('aws_s3_bucket', bucket.id, 'id'), eventbridge: true });
    expect(n).not.toHaveProperty('queue');
    expect(n).not.toHaveProperty('lambda_function');
  });

  it('matches the bucket’s created and deleted objects by prefix, suffix and size on the default bus', () => {
    expect(rule).toMatchObject({ name: 'ingest-test-s3-objects' });
    expect(rule).not.toHaveProperty('event_bus_name');
    expect(JSON.parse(rule.event_pattern as string)).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created', 'Object Deleted'],
      detail: {
        bucket: { name: ['ingest-test-uploads-123456789012'] },
        object: { key: [{ wildcard: 'in/*.csv' }], size: [{ numeric: ['>=', 1, '<=', 1000] }, { exists: false }] },
      },
    });
  });

  it.each([
    [{ prefix: 'in/' }, { key: [{ prefix: 'in/' }] }],
    [{ suffix: '.csv' }, { key: [{ suffix: '.csv' }] }],
    [{ prefix: 'a', suffix: '*.x' }, { key: [{ wildcard: 'a*\\*.x' }] }],
    [{ prefix: 'my folder/', suffix: '.x' }, { key: [{ wildcard: 'my+folder/*.x' }] }],
    [{ maxSizeBytes: 5 }, { size: [{ numeric: ['<=', 5] }] }],
  ])('writes filters %j as %j', (filters, object) => {
    expect((eventPattern(makeConfig({ mode: 'eventbridge', filters })) as { detail: { object: unknown } }).detail.object).toEqual(object);
  });

  it('targets the processing queue with a retry policy and the DLQ for what cannot be delivered', () => {
    expect(target).toMatchObject({
      rule: ref('aws_cloudwatch_event_rule', rule.id, 'name'),
      arn: ref('aws_sqs_queue', queue.id, 'arn'),
      retry_policy: { maximum_event_age_in_seconds: 86400, maximum_retry_attempts: 185 },
      dead_letter_config: { arn: ref('aws_sqs_queue', dlq.id, 'arn') },
    });
    expect(asList(target.depends_on as string[])).toEqual(
      expect.arrayContaining([expect.stringContaining('queue-policy'), expect.stringContaining('dead-letter-queue-policy')]),
    );
  });

  it('lets only this rule, of this account, send to the queue and to the DLQ', () => {
    for (const [policyId, queueRes] of [
      ['queues_queue-policy', queue],
      ['dead-letter-queue-policy', dlq],
    ] as const) {
      const policy = policyOf(resourceOf(s, 'aws_sqs_queue_policy', policyId));
      expect(policy.Statement[0]).toEqual({
        Sid: 'AllowEventBridgeRule',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: ref('aws_sqs_queue', queueRes.id, 'arn'),
        Condition: {
          ArnEquals: { 'aws:SourceArn': ref('aws_cloudwatch_event_rule', rule.id, 'arn') },
          StringEquals: { 'aws:SourceAccount': '123456789012' },
        },
      });
    }
  });

  it('gives the processor HeadObject with ListBucket (EventBridge events carry no content type), and exports the rule', () => {
    const sids = policyOf(resourceOf(s, 'aws_iam_role_policy')).Statement.map((st) => st.Sid);
    expect(sids).toEqual(expect.arrayContaining(['HeadObjects', 'MissingIsNotFound']));
    expect(resourcesOf(s, 'aws_lambda_function')).toHaveLength(1);
    expect(Object.keys(s.parsed.output)).toEqual(expect.arrayContaining(['event_rule_name', 'event_rule_arn']));
    expect(s.parsed.output.ingestion_mode!.value).toBe('eventbridge');
  });
});
