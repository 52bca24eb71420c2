import { SUBSCRIBER_REQUIRED_TAG } from '../../constructs/alert-topic';
import { asList, type ModelResource, type StackModel, statementsOf } from '../stack-model';
import type { Finding, Rule } from '../types';
import { RUNTIME_WARNING_DAYS, runtimeStatus } from '../../config/runtimes';

/** The day the runtime rules judge by (tests set it). */
export const runtimeRuleClock = { now: (): Date => new Date() };

/** Functions whose runtime has the given status today. */
const functionsWithRuntime = (m: StackModel, status: 'deprecated' | 'deprecating'): Finding[] =>
  m.resources('aws_lambda_function').flatMap((f): Finding[] => {
    const r = runtimeStatus(String(f.body.runtime), runtimeRuleClock.now());
    return r.status === status ? [{ address: f.address, message: r.detail }] : [];
  });

const ALARMS_DOC = 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html';

/** True when `value` is the literal `literal` or a reference to `target`'s attribute. */
const names = (m: StackModel, value: unknown, target: ModelResource, literal: unknown): boolean =>
  value === literal || m.refersTo(value, target);

/** Alarms on one metric whose dimension `key` names `target` (by literal name or reference). */
function alarmsOn(
  m: StackModel,
  namespace: string,
  metricName: string,
  key: string,
  target: ModelResource,
  literal: unknown,
): ModelResource[] {
  return m.resources('aws_cloudwatch_metric_alarm').filter((a) => {
    if (a.body.namespace !== namespace || a.body.metric_name !== metricName) return false;
    const dims = (a.body.dimensions as Record<string, unknown> | undefined) ?? {};
    return names(m, dims[key], target, literal);
  });
}

/** Topics some alarm notifies. */
const alarmTopics = (m: StackModel): ModelResource[] =>
  m.resources('aws_sns_topic').filter((t) => m.resources('aws_cloudwatch_metric_alarm').some((a) => m.refersTo(a.body.alarm_actions, t)));

export const operationsRules: Rule[] = [
  {
    id: 'OPS010',
    severity: 'error',
    title: 'Step Functions state machine without execution logging',
    why: 'A failed reconcile execution says why only in its execution history and logs; history alone is gone after 90 days and cannot be searched.',
    fix: 'Set logging_configuration { level = "ERROR" (or ALL), log_destination = "<log group arn>:*" } and allow the logs:*LogDelivery actions.',
    link: 'https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html',
    checkov: 'CKV_AWS_285',
    check: (m) =>
      m.resources('aws_sfn_state_machine').flatMap((s): Finding[] => {
        const logging = s.body.logging_configuration as { level?: string; log_destination?: string } | undefined;
        return logging?.log_destination && logging.level && logging.level !== 'OFF'
          ? []
          : [{ address: s.address, message: 'has no execution logging to CloudWatch Logs' }];
      }),
  },
  {
    id: 'OPS001',
    severity: 'error',
    title: 'Queue without depth and age alarms',
    why: 'A queue that fills up or stops draining is the first sign of a stuck consumer; a DLQ with a message is lost work waiting for a person.',
    fix: 'Alarm on ApproximateNumberOfMessagesVisible and ApproximateAgeOfOldestMessage of every queue (DLQs: first message, and age before retention).',
    link: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html',
    check: (m) =>
      m.resources('aws_sqs_queue').flatMap((q): Finding[] => {
        const missing = ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage'].filter(
          (metric) => alarmsOn(m, 'AWS/SQS', metric, 'QueueName', q, q.body.name).length === 0,
        );
        return missing.length > 0 ? [{ address: q.address, message: `has no alarm on ${missing.join(' or ')}` }] : [];
      }),
  },
  {
    id: 'OPS002',
    severity: 'error',
    title: 'Function without an error alarm',
    why: 'Invocation errors (crashes, timeouts, out of memory) are otherwise only seen by someone reading logs.',
    fix: "Alarm on the function's AWS/Lambda Errors metric, notifying the alert topic.",
    link: 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html',
    check: (m) =>
      m
        .resources('aws_lambda_function')
        .filter((f) => alarmsOn(m, 'AWS/Lambda', 'Errors', 'FunctionName', f, f.body.function_name).length === 0)
        .map((f) => ({ address: f.address, message: 'has no alarm on Errors' })),
  },
  {
    id: 'OPS003',
    severity: 'error',
    title: 'Alert topic key does not let CloudWatch encrypt',
    why: 'CloudWatch publishes to an encrypted topic with its own service principal: without kms:GenerateDataKey* and kms:Decrypt on the key, every alarm notification fails silently.',
    fix: "Give cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey* in the topic key's policy (the aws/sns managed key cannot be changed: use a customer managed key).",
    link: 'https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services',
    check: (m) =>
      alarmTopics(m).flatMap((t): Finding[] => {
        const keyRef = t.body.kms_master_key_id;
        if (keyRef === undefined) return [];
        const key = m.deref(keyRef, 'aws_kms_key');
        if (!key)
          return [
            {
              address: t.address,
              message: `is encrypted with ${String(keyRef)}, whose policy cannot be checked (a managed key cannot grant CloudWatch)`,
            },
          ];
        const grants = statementsOf(key.body.policy).filter(
          (s) =>
            s.Effect === 'Allow' &&
            asList((s.Principal as { Service?: string | string[] } | undefined)?.Service).includes('cloudwatch.amazonaws.com'),
        );
        const actions = grants.flatMap((s) => asList(s.Action as string | string[] | undefined));
        const has = (action: string) =>
          actions.some((a) => a === action || a === 'kms:*' || (a.endsWith('*') && action.startsWith(a.slice(0, -1))));
        const missing = ['kms:Decrypt', 'kms:GenerateDataKey'].filter((a) => !has(a));
        return missing.length > 0
          ? [{ address: key.address, message: `does not grant cloudwatch.amazonaws.com ${missing.join(', ')}` }]
          : [];
      }),
  },
  {
    id: 'OPS004',
    severity: 'error',
    title: 'Alert topic without a subscriber where CI deploys',
    why: 'Alarms of an environment CI deploys notify a topic nobody reads.',
    fix: "Add alertEmails to the environment's config (each address must confirm AWS's e-mail).",
    link: ALARMS_DOC,
    check: (m) =>
      m
        .resources('aws_sns_topic')
        .filter((t) => (t.body.tags as Record<string, string> | undefined)?.[SUBSCRIBER_REQUIRED_TAG] === 'true')
        .filter((t) => !m.resources('aws_sns_topic_subscription').some((s) => m.refersTo(s.body.topic_arn, t)))
        .map((t) => ({ address: t.address, message: 'has no subscription' })),
  },
  {
    id: 'OPS005',
    severity: 'error',
    title: 'Function log group not created before the function',
    why: 'Lambda creates a missing log group itself on the first log line, with no retention; Terraform then fails to create it ("already exists").',
    fix: "Create aws_cloudwatch_log_group /aws/lambda/<name> (or the logging_config.log_group) and list it in the function's depends_on.",
    link: 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html',
    check: (m) =>
      m.resources('aws_lambda_function').flatMap((f): Finding[] => {
        const configured = asList(f.body.logging_config as Record<string, unknown> | Array<Record<string, unknown>> | undefined)[0]
          ?.log_group;
        const group =
          m.deref(configured, 'aws_cloudwatch_log_group') ??
          m
            .resources('aws_cloudwatch_log_group')
            .find((g) => typeof f.body.function_name === 'string' && g.body.name === `/aws/lambda/${f.body.function_name}`);
        if (!group) return [{ address: f.address, message: 'has no log group in the stack' }];
        return m.dependsOn(f, group) ? [] : [{ address: f.address, message: `does not depend on ${group.address}` }];
      }),
  },
  {
    id: 'OPS006',
    severity: 'error',
    title: 'Function without reserved concurrency',
    why: "A burst (a bulk upload, a redrive) can take the whole account's concurrency and throttle every other function, or this one be starved by them.",
    fix: "Set reserved_concurrent_executions: the processor at its mapping's maximum concurrency, the pusher at a cap.",
    link: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html',
    check: (m) =>
      m
        .resources('aws_lambda_function')
        .filter((f) => typeof f.body.reserved_concurrent_executions !== 'number' || (f.body.reserved_concurrent_executions as number) < 1)
        .map((f) => ({ address: f.address, message: 'has no reserved_concurrent_executions' })),
  },
  {
    id: 'OPS007',
    severity: 'error',
    title: 'Function log level drops its metric lines',
    why: 'EMF metric lines carry no "level"; with JSON logs Lambda treats such lines as INFO and drops them below application_log_level, so WARN, ERROR or FATAL silences every metric the alarms read.',
    fix: 'Keep logging_config.application_log_level at TRACE, DEBUG or INFO (config "logLevel").',
    link: 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html',
    check: (m) =>
      m.resources('aws_lambda_function').flatMap((f): Finding[] => {
        const logging = asList(f.body.logging_config as Record<string, unknown> | Array<Record<string, unknown>> | undefined)[0] ?? {};
        const level = String(logging.application_log_level ?? '').toUpperCase();
        return logging.log_format === 'JSON' && ['WARN', 'ERROR', 'FATAL'].includes(level)
          ? [
              {
                address: f.address,
                message: `has application_log_level ${level}: its EMF metric lines (no level, treated as INFO) are dropped`,
              },
            ]
          : [];
      }),
  },
  {
    id: 'OPS008',
    severity: 'error',
    title: 'Function on a deprecated runtime',
    why: 'Lambda stops patching a deprecated runtime, then blocks creating and updating functions on it: the next deploy fails.',
    fix: 'Set "runtime" in the environment\'s config to a supported Node.js runtime (config/runtimes.ts).',
    link: 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html',
    check: (m) => functionsWithRuntime(m, 'deprecated'),
  },
  {
    id: 'OPS009',
    severity: 'warning',
    title: 'Function runtime deprecated within six months',
    why: `A runtime deprecated within ${RUNTIME_WARNING_DAYS} days needs moving while there is time to test the move.`,
    fix: 'Plan the move to the newest Node.js runtime ("runtime" in the config; config/runtimes.ts has the dates).',
    link: 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html',
    check: (m) => functionsWithRuntime(m, 'deprecating'),
  },
];
