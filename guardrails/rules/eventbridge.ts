import { asList, StackModel, statementsOf, type ModelResource } from '../stack-model';
import type { Finding, Rule } from '../types';

/** Targets of the stack's EventBridge rules, each with its rule (when the rule is in the stack). */
function targets(m: StackModel): Array<{ target: ModelResource; rule?: ModelResource }> {
  return m
    .resources('aws_cloudwatch_event_target')
    .map((target) => ({ target, rule: m.deref(target.body.rule, 'aws_cloudwatch_event_rule') }));
}

/** Bucket names an S3 rule's pattern matches (`source` aws.s3, `detail.bucket.name`). */
function s3BucketNames(rule: ModelResource): string[] {
  const pattern = StackModel.parseJson<{ source?: unknown; detail?: { bucket?: { name?: unknown } } }>(rule.body.event_pattern);
  if (!pattern || !asList(pattern.source as string | string[] | undefined).includes('aws.s3')) return [];
  return asList(pattern.detail?.bucket?.name as string | string[] | undefined).filter((n): n is string => typeof n === 'string');
}

/** True when the queue's policy lets events.amazonaws.com send, on condition that the source is `rule`. */
function allowsRule(m: StackModel, queue: ModelResource, rule: ModelResource): boolean {
  return m
    .resources('aws_sqs_queue_policy')
    .filter((p) => m.refersTo(p.body.queue_url, queue))
    .some((p) =>
      statementsOf(p.body.policy).some(
        (s) =>
          s.Effect === 'Allow' &&
          JSON.stringify(s.Principal ?? '').includes('events.amazonaws.com') &&
          asList(s.Action).some((a) => a === 'sqs:SendMessage' || a === 'sqs:*') &&
          m.refersTo(s.Condition ?? {}, rule),
      ),
    );
}

export const eventBridgeRules: Rule[] = [
  {
    id: 'REL012',
    severity: 'error',
    title: 'EventBridge target without a dead-letter queue',
    why: 'An event EventBridge cannot deliver after its retries (a missing permission, a deleted queue) is dropped unless the target has a dead-letter queue.',
    fix: 'Set dead_letter_config.arn on the aws_cloudwatch_event_target (and let the rule send to that queue).',
    link: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html',
    check: (m) =>
      targets(m)
        .filter(({ target }) => !(target.body.dead_letter_config as { arn?: unknown } | undefined)?.arn)
        .map(({ target }) => ({ address: target.address, message: 'has no dead_letter_config' })),
  },
  {
    id: 'REL013',
    severity: 'error',
    title: "EventBridge rule for a bucket's S3 events while the bucket does not send to EventBridge",
    why: 'S3 sends events to EventBridge only when the bucket notification has eventbridge = true; otherwise the rule never matches anything and nothing is ingested.',
    fix: 'Set eventbridge = true on the bucket’s aws_s3_bucket_notification.',
    link: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-event-notifications-eventbridge.html',
    check: (m) =>
      m.resources('aws_cloudwatch_event_rule').flatMap((rule): Finding[] =>
        m
          .resources('aws_s3_bucket')
          .filter((b) => typeof b.body.bucket === 'string' && s3BucketNames(rule).includes(b.body.bucket))
          .filter(
            (b) => !m.resources('aws_s3_bucket_notification').some((n) => m.refersTo(n.body.bucket, b) && n.body.eventbridge === true),
          )
          .map((b) => ({
            address: rule.address,
            message: `matches ${String(b.body.bucket)}, whose notification does not send to EventBridge`,
          })),
      ),
  },
  {
    id: 'SEC012',
    severity: 'error',
    title: 'SQS target whose queue policy does not allow the rule (aws:SourceArn)',
    why: 'EventBridge sends to an SQS target, and to its dead-letter queue, as events.amazonaws.com; without a policy statement scoped to the rule ARN delivery fails, and without the scope any rule could write.',
    fix: 'Add a queue policy statement allowing events.amazonaws.com sqs:SendMessage with aws:SourceArn = the rule ARN, on the target and on its dead-letter queue.',
    link: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sqs-permissions',
    check: (m) =>
      targets(m).flatMap(({ target, rule }): Finding[] => {
        if (!rule) return [];
        const queues = [target.body.arn, (target.body.dead_letter_config as { arn?: unknown } | undefined)?.arn]
          .map((arn) => m.deref(arn, 'aws_sqs_queue'))
          .filter((q): q is ModelResource => q !== undefined);
        return queues
          .filter((q) => !allowsRule(m, q, rule))
          .map((q) => ({ address: target.address, message: `sends to ${q.address}, whose policy does not allow ${rule.address}` }));
      }),
  },
];
