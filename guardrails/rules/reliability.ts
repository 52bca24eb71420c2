import { numberAttr, StackModel, type ModelResource } from '../stack-model';
import type { Finding, Rule } from '../types';

const LAMBDA_SQS = 'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html';
const S3_NOTIFY = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/ways-to-add-notification-config-to-bucket.html';

/** Event source mappings whose source is an SQS queue of this stack, with the queue and function. */
function sqsMappings(m: StackModel): Array<{ esm: ModelResource; queue: ModelResource; fn?: ModelResource }> {
  return m.resources('aws_lambda_event_source_mapping').flatMap((esm) => {
    const queue = m.deref(esm.body.event_source_arn, 'aws_sqs_queue');
    return queue ? [{ esm, queue, fn: m.deref(esm.body.function_name, 'aws_lambda_function') }] : [];
  });
}

const redriveOf = (q: ModelResource) =>
  StackModel.parseJson<{ deadLetterTargetArn?: string; maxReceiveCount?: number }>(q.body.redrive_policy);

/** Queues with a redrive policy, by inline attribute or an `aws_sqs_queue_redrive_policy` resource. */
function redrivePolicies(
  m: StackModel,
): Array<{ queue: ModelResource; policy: { deadLetterTargetArn?: string; maxReceiveCount?: number }; at: ModelResource }> {
  const inline = m.resources('aws_sqs_queue').flatMap((q) => {
    const policy = redriveOf(q);
    return policy ? [{ queue: q, policy, at: q }] : [];
  });
  const separate = m.resources('aws_sqs_queue_redrive_policy').flatMap((r) => {
    const queue = m.deref(r.body.queue_url, 'aws_sqs_queue');
    const policy = StackModel.parseJson<{ deadLetterTargetArn?: string; maxReceiveCount?: number }>(r.body.redrive_policy);
    return queue && policy ? [{ queue, policy, at: r }] : [];
  });
  return [...inline, ...separate];
}

const notificationTargets = (m: StackModel, kind: 'queue' | 'lambda_function') =>
  m.resources('aws_s3_bucket_notification').flatMap((n) =>
    ((n.body[kind] as Array<Record<string, unknown>> | undefined) ?? []).map((entry) => ({
      notification: n,
      target: m.deref(
        kind === 'queue' ? entry.queue_arn : entry.lambda_function_arn,
        kind === 'queue' ? 'aws_sqs_queue' : 'aws_lambda_function',
      ),
    })),
  );

export const reliabilityRules: Rule[] = [
  {
    id: 'REL001',
    severity: 'error',
    title: 'Queue visibility timeout below 6 × function timeout + batching window',
    why: 'Lambda refuses to create the mapping when the function timeout exceeds the visibility timeout, and below 6 × it messages reappear while still being processed and are handled twice.',
    fix: 'Derive visibility_timeout_seconds as 6 × function timeout + maximum_batching_window_in_seconds.',
    link: LAMBDA_SQS,
    check: (m) =>
      sqsMappings(m).flatMap(({ esm, queue, fn }): Finding[] => {
        const visibility = numberAttr(queue.body, 'visibility_timeout_seconds', 30);
        const timeout = fn ? numberAttr(fn.body, 'timeout', 3) : undefined;
        const window = numberAttr(esm.body, 'maximum_batching_window_in_seconds', 0);
        if (visibility === undefined || timeout === undefined || window === undefined) return [];
        const needed = 6 * timeout + window;
        return visibility < needed
          ? [
              {
                address: queue.address,
                message: `visibility timeout ${visibility} s is below 6 × ${timeout} s + ${window} s = ${needed} s`,
              },
            ]
          : [];
      }),
  },
  {
    id: 'REL002',
    severity: 'error',
    title: 'maxReceiveCount below 5',
    why: 'With fewer receives, a brief throttle or a concurrency spike sends healthy messages to the DLQ.',
    fix: 'Set maxReceiveCount to 5 or more in the redrive policy, and make the consumer idempotent.',
    link: 'https://docs.aws.amazon.com/lambda/latest/operatorguide/sqs-retries.html',
    check: (m) =>
      redrivePolicies(m).flatMap(({ policy, at }) =>
        typeof policy.maxReceiveCount === 'number' && policy.maxReceiveCount < 5
          ? [{ address: at.address, message: `maxReceiveCount is ${policy.maxReceiveCount}` }]
          : [],
      ),
  },
  {
    id: 'REL003',
    severity: 'error',
    title: 'DLQ retention not longer than the source queue’s',
    why: 'A message keeps its original enqueue time when it moves to a standard DLQ, so it can expire there almost at once.',
    fix: 'Give the DLQ a longer message_retention_seconds than its source (1209600, the maximum, is usual).',
    link: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html',
    check: (m) =>
      redrivePolicies(m).flatMap(({ queue, policy }): Finding[] => {
        const dlq = m.deref(policy.deadLetterTargetArn, 'aws_sqs_queue');
        if (!dlq) return [];
        const source = numberAttr(queue.body, 'message_retention_seconds', 345600);
        const dead = numberAttr(dlq.body, 'message_retention_seconds', 345600);
        if (source === undefined || dead === undefined || dead > source) return [];
        return [{ address: dlq.address, message: `keeps messages ${dead} s, its source ${queue.address} ${source} s` }];
      }),
  },
  {
    id: 'REL004',
    severity: 'error',
    title: 'Lambda source queue without a DLQ',
    why: 'Without a redrive policy a message that always fails is retried until it expires, blocking capacity, and is then lost.',
    fix: 'Add a redrive_policy pointing at a dead-letter queue.',
    link: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html',
    checkov: 'CKV_AWS_116 (for the Lambda-side DLQ)',
    check: (m) => {
      const withRedrive = new Set(redrivePolicies(m).map((r) => r.queue.address));
      return sqsMappings(m)
        .filter(({ queue }) => !withRedrive.has(queue.address))
        .map(({ queue }) => ({ address: queue.address, message: 'feeds a Lambda function but has no redrive policy' }));
    },
  },
  {
    id: 'REL005',
    severity: 'error',
    title: 'Batch size above 10 with a batching window under 1 s',
    why: 'Lambda rejects a batch size above 10 for SQS unless maximum_batching_window_in_seconds is at least 1.',
    fix: 'Set maximum_batching_window_in_seconds ≥ 1, or batch_size ≤ 10.',
    link: LAMBDA_SQS,
    check: (m) =>
      sqsMappings(m).flatMap(({ esm }): Finding[] => {
        const size = numberAttr(esm.body, 'batch_size', 10);
        const window = numberAttr(esm.body, 'maximum_batching_window_in_seconds', 0);
        return size !== undefined && window !== undefined && size > 10 && window < 1
          ? [{ address: esm.address, message: `batch_size ${size} with a batching window of ${window} s` }]
          : [];
      }),
  },
  {
    id: 'REL006',
    severity: 'error',
    title: 'SQS event source mapping without ReportBatchItemFailures',
    why: 'Without partial batch responses one failing record makes Lambda return the whole batch, so successes are redone and poison blocks its neighbours.',
    fix: 'Set function_response_types = ["ReportBatchItemFailures"] and return batchItemFailures from the handler.',
    link: 'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html',
    check: (m) =>
      sqsMappings(m)
        .filter(({ esm }) => !((esm.body.function_response_types as string[] | undefined) ?? []).includes('ReportBatchItemFailures'))
        .map(({ esm }) => ({ address: esm.address, message: 'function_response_types does not include ReportBatchItemFailures' })),
  },
  {
    id: 'REL007',
    severity: 'error',
    title: 'S3 → SQS notification not depending on the queue policy',
    why: 'S3 validates the destination when the notification is written; if the queue policy is not there yet, apply fails with "Unable to validate the following destination configurations".',
    fix: 'Give the queue an aws_sqs_queue_policy allowing s3.amazonaws.com, and add it to the notification’s depends_on.',
    link: S3_NOTIFY,
    check: (m) =>
      notificationTargets(m, 'queue').flatMap(({ notification, target }): Finding[] => {
        if (!target) return [];
        const policies = m.resources('aws_sqs_queue_policy').filter((p) => m.refersTo(p.body.queue_url, target));
        if (policies.some((p) => m.dependsOn(notification, p))) return [];
        return [
          {
            address: notification.address,
            message: `sends to ${target.address} but does not depend on ${policies[0]?.address ?? 'any policy of that queue'}`,
          },
        ];
      }),
  },
  {
    id: 'REL008',
    severity: 'error',
    title: 'S3 → Lambda notification without permission or dependency',
    why: 'S3 test-invokes the function when the notification is written; without an aws_lambda_permission for s3.amazonaws.com created first, apply fails.',
    fix: 'Add an aws_lambda_permission (principal s3.amazonaws.com, source_arn, source_account) and list it in the notification’s depends_on.',
    link: 'https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html',
    check: (m) =>
      notificationTargets(m, 'lambda_function').flatMap(({ notification, target }): Finding[] => {
        if (!target) return [];
        const permissions = m
          .resources('aws_lambda_permission')
          .filter((p) => p.body.principal === 's3.amazonaws.com' && m.refersTo(p.body.function_name, target));
        if (permissions.length === 0)
          return [{ address: notification.address, message: `invokes ${target.address}, which has no permission for s3.amazonaws.com` }];
        if (!permissions.some((p) => m.dependsOn(notification, p)))
          return [{ address: notification.address, message: `does not depend on ${permissions[0]!.address}` }];
        return [];
      }),
  },
  {
    id: 'REL009',
    severity: 'error',
    title: 'Asynchronously invoked function without an on-failure destination',
    why: 'S3 invokes Lambda asynchronously; after the retries an event that still fails is discarded unless a destination (or DLQ) receives it.',
    fix: 'Add an aws_lambda_function_event_invoke_config with bounded retries and destination_config.on_failure.',
    link: 'https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html',
    checkov: 'CKV_AWS_116',
    check: (m) =>
      notificationTargets(m, 'lambda_function').flatMap(({ target }): Finding[] => {
        if (!target) return [];
        const configured = m.resources('aws_lambda_function_event_invoke_config').some((c) => {
          const onFailure = (c.body.destination_config as { on_failure?: { destination?: string } } | undefined)?.on_failure?.destination;
          return m.refersTo(c.body.function_name, target) && Boolean(onFailure);
        });
        return configured ? [] : [{ address: target.address, message: 'is invoked by S3 but has no on-failure destination' }];
      }),
  },
  {
    id: 'REL010',
    severity: 'warning',
    title: 'Log group without retention',
    why: 'Logs are then kept, and billed, forever.',
    fix: 'Set retention_in_days.',
    link: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention',
    checkov: 'CKV_AWS_66',
    check: (m) =>
      m
        .resources('aws_cloudwatch_log_group')
        .filter((g) => !g.body.retention_in_days)
        .map((g) => ({ address: g.address, message: 'has no retention_in_days' })),
  },
  {
    id: 'REL011',
    severity: 'warning',
    title: 'Alarm without actions',
    why: 'An alarm nobody is told about changes nothing.',
    fix: 'Set alarm_actions (and ok_actions) to an SNS topic.',
    link: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html',
    check: (m) =>
      m
        .resources('aws_cloudwatch_metric_alarm')
        .filter((a) => ((a.body.alarm_actions as unknown[] | undefined) ?? []).length === 0)
        .map((a) => ({ address: a.address, message: 'has no alarm_actions' })),
  },
];
