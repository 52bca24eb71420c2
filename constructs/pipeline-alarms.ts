import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import { DLQ_EXPIRY_MARGIN_SECONDS, dlqAgeAlarmSeconds, FAILURE_QUEUE_AGE_ALARM_SECONDS } from '../config/derive';
import type { PipelineConfig } from '../config/types';
import { MetricName } from '../src/app/telemetry-contract';
import type { BundledFunction } from './bundled-function';
import { PROCESSOR_TABLE_OPERATIONS, type MetricRef, type PipelineMetrics, type ServiceName } from './pipeline-metrics';

export interface PipelineAlarmsProps {
  config: PipelineConfig;
  metrics: PipelineMetrics;
  topicArn: string;
  /** The functions of this mode, by service name (their log groups get the ERROR filter). */
  functions: Partial<Record<ServiceName, BundledFunction>>;
}

/**
 * How many periods an alarm looks at. `errors` is M of N (one bad minute is not a page);
 * `once` is 1 of 1, for things that are already a loss or a person's job: a message in a DLQ,
 * an event Lambda dropped.
 */
type Evaluation = 'errors' | 'once';

interface AlarmSpec {
  description: string;
  metric: MetricRef;
  statistic?: 'Sum' | 'Maximum' | 'Average';
  /** A percentile such as `p99`, instead of `statistic`. */
  extendedStatistic?: string;
  comparison: 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold';
  threshold: number;
  evaluation: Evaluation;
}

/** What each alarm is named after; the guardrails and tests look them up by these ids. */
export interface AlarmIndex {
  [id: string]: CloudwatchMetricAlarm;
}

/**
 * Alarms that tell a person something needs attention, each with alarm and OK actions to the
 * topic. Missing data is not breaching (an idle pipeline is healthy) — except the optional
 * heartbeat, where silence is the problem.
 *
 * Per-record failures are invisible to the functions' `Errors` (the processor answers
 * `batchItemFailures` and never fails the invocation), so the handlers' own EMF metrics are
 * alarmed too; their namespace, name and `service` dimension come from the telemetry contract.
 */
export class PipelineAlarms extends Construct {
  public readonly alarms: AlarmIndex = {};
  private readonly props: PipelineAlarmsProps;

  public constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    this.props = props;
    this.queueAlarms();
    for (const [service, fn] of Object.entries(props.functions) as Array<[ServiceName, BundledFunction]>) this.functionAlarms(service, fn);
    this.processorAlarms();
    if (props.functions.pusher) this.pusherAlarms();
    if (props.metrics.eventRule) this.eventRuleAlarms(props.metrics.eventRule);
    this.tableAlarms();
    this.topicAlarms();
    this.heartbeat();
  }

  /** What every alarm shares: its name, description, periods to evaluate, missing data, and the topic on ALARM and OK. */
  private common(alarmId: string, description: string, evaluation: Evaluation) {
    const t = this.props.config.alarms;
    return {
      alarmName: `${this.props.config.namePrefix}-${alarmId}`,
      alarmDescription: description,
      ...(evaluation === 'errors'
        ? { evaluationPeriods: t.evaluationPeriods, datapointsToAlarm: t.datapointsToAlarm }
        : { evaluationPeriods: 1, datapointsToAlarm: 1 }),
      treatMissingData: 'notBreaching',
      alarmActions: [this.props.topicArn],
      okActions: [this.props.topicArn],
    };
  }

  private add(alarmId: string, spec: AlarmSpec, overrides: Partial<CloudwatchMetricAlarmConfig> = {}): void {
    this.alarms[alarmId] = new CloudwatchMetricAlarm(this, alarmId, {
      ...this.common(alarmId, spec.description, spec.evaluation),
      namespace: spec.metric.namespace,
      metricName: spec.metric.metricName,
      dimensions: Object.keys(spec.metric.dimensions).length > 0 ? spec.metric.dimensions : undefined,
      statistic: spec.extendedStatistic ? undefined : (spec.statistic ?? 'Sum'),
      extendedStatistic: spec.extendedStatistic,
      comparisonOperator: spec.comparison,
      threshold: spec.threshold,
      period: this.props.config.alarms.periodSeconds,
      ...overrides,
    });
  }

  /** Every queue: depth and age. DLQs page on the first message and before their messages expire. */
  private queueAlarms(): void {
    const { metrics: m, config } = this.props;
    const t = config.alarms;
    for (const { role, queueName } of m.queues()) {
      if (role === 'processing') {
        this.add('queue-age', {
          description: `The oldest message has waited ${t.queueAgeThresholdSeconds} s or more: the processor is falling behind or failing.`,
          metric: m.sqs(queueName, 'ApproximateAgeOfOldestMessage'),
          statistic: 'Maximum',
          comparison: 'GreaterThanOrEqualToThreshold',
          threshold: t.queueAgeThresholdSeconds,
          evaluation: 'errors',
        });
        this.add('queue-depth', {
          description: `${t.queueDepthThreshold} or more messages are waiting in the processing queue: a backlog is building.`,
          metric: m.sqs(queueName, 'ApproximateNumberOfMessagesVisible'),
          statistic: 'Maximum',
          comparison: 'GreaterThanOrEqualToThreshold',
          threshold: t.queueDepthThreshold,
          evaluation: 'errors',
        });
        continue;
      }
      const id = role === 'dead-letter' ? 'dlq' : 'pusher-failures';
      const what =
        role === 'dead-letter'
          ? 'the dead-letter queue: inspect them with `npm run dlq -- peek`'
          : 'the pusher failure queue (S3 events the pusher could not handle after every retry): fix the cause, then `npm run dlq -- replay`';
      this.add(`${id}-not-empty`, {
        description: `Messages are waiting in ${what}.`,
        metric: m.sqs(queueName, 'ApproximateNumberOfMessagesVisible'),
        statistic: 'Maximum',
        comparison: 'GreaterThanThreshold',
        threshold: 0,
        evaluation: 'once',
      });
      this.add(`${id}-age`, { ...this.parkedAgeSpec(role, queueName), evaluation: 'once' });
    }
  }

  /**
   * When a parked message must be dealt with. A message moved to the DLQ by the redrive policy keeps
   * its first enqueue time for expiry, while the DLQ's age metric counts from the move: the threshold
   * leaves room for the time it may have spent in the processing queue (`dlqAgeAlarmSeconds`). A
   * pusher failure record is a new message: its age and its expiry both start when Lambda sends it.
   */
  private parkedAgeSpec(role: 'dead-letter' | 'pusher-failures', queueName: string): Omit<AlarmSpec, 'evaluation'> {
    const days = (seconds: number) => Math.round((seconds / 86400) * 10) / 10;
    const margin = days(DLQ_EXPIRY_MARGIN_SECONDS);
    const sourceDays = days(this.props.config.queue.retentionSeconds);
    const threshold = role === 'dead-letter' ? dlqAgeAlarmSeconds(this.props.config) : FAILURE_QUEUE_AGE_ALARM_SECONDS;
    const description =
      role === 'dead-letter'
        ? `A message has been in ${queueName} for ${days(threshold)} days. SQS expires it 14 days after its first enqueue in the processing queue, where it may have spent up to ${sourceDays} days: it may expire in ${margin} days. Redrive it (\`npm run dlq -- redrive\`) or export it now.`
        : `A record has been in ${queueName} for ${days(threshold)} days: it expires in ${margin} days. Fix the cause and \`npm run dlq -- replay\` now.`;
    return {
      description,
      metric: this.props.metrics.sqs(queueName, 'ApproximateAgeOfOldestMessage'),
      statistic: 'Maximum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold,
    };
  }

  /** Each function: invocation errors, throttles, ERROR log lines, access denied. */
  private functionAlarms(service: ServiceName, fn: BundledFunction): void {
    const { metrics: m, config } = this.props;
    const t = config.alarms;
    const functionName = service === 'processor' ? m.names.processor : m.names.pusher;
    for (const [metric, threshold] of [
      ['Errors', t.errorThreshold],
      ['Throttles', t.throttleThreshold],
    ] as const) {
      this.add(`${service}-${metric.toLowerCase()}`, {
        description: `The ${service} function reported ${metric} in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods.`,
        metric: m.lambda(functionName, metric),
        comparison: 'GreaterThanOrEqualToThreshold',
        threshold,
        evaluation: 'errors',
      });
    }
    const lines = m.errorLogLines(service);
    new CloudwatchLogMetricFilter(this, `${service}-error-logs-filter`, {
      name: lines.metricName,
      logGroupName: fn.logGroup.name,
      // JSON log format: the level field, not the word (an object key containing "ERROR" is not an error).
      pattern: '{ $.level = "ERROR" }',
      metricTransformation: { name: lines.metricName, namespace: lines.namespace, value: '1', defaultValue: '0' },
    });
    this.add(`${service}-error-logs`, {
      description: `The ${service} function logged ERROR lines.`,
      metric: lines,
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: t.errorLogThreshold,
      evaluation: 'errors',
    });
    this.add(`${service}-access-denied`, {
      description: `The ${service} function was denied an AWS call: its role or a resource policy is wrong (the records are retried, then dead-lettered).`,
      metric: m.emf(service, MetricName.ACCESS_DENIED),
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluation: 'once',
    });
  }

  /** Per-record outcomes the processor reports without failing its invocation; and its duration. */
  private processorAlarms(): void {
    const { metrics: m, config } = this.props;
    const t = config.alarms;
    this.add('processor-transient-failures', {
      description: `Records failed transiently (left for SQS to redeliver) in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods.`,
      metric: m.emf('processor', MetricName.TRANSIENT_FAILURES),
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: t.errorThreshold,
      evaluation: 'errors',
    });
    this.add('processor-poison-messages', {
      description: 'Messages that can never be processed were sent to the dead-letter queue.',
      metric: m.emf('processor', MetricName.POISON_MESSAGES),
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluation: 'errors',
    });
    const limitMs = Math.round(config.processor.timeoutSeconds * 1000 * 0.8);
    this.add('processor-duration-p99', {
      description: `The processor's p99 duration exceeded ${limitMs} ms, 80 % of its ${config.processor.timeoutSeconds} s timeout: batches are about to time out.`,
      metric: m.lambda(m.names.processor, 'Duration'),
      extendedStatistic: 'p99',
      comparison: 'GreaterThanThreshold',
      threshold: limitMs,
      evaluation: 'errors',
    });
  }

  /** Pusher mode: what Lambda's asynchronous invocation says about events S3 handed over. */
  private pusherAlarms(): void {
    const { metrics: m, config } = this.props;
    const t = config.alarms;
    const fn = m.names.pusher;
    const maxAgeMs = config.pusher.maxEventAgeSeconds * 1000;
    this.add('pusher-enqueue-failures', {
      description: `The pusher failed to enqueue objects in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods (the event is retried, then parked in the failure queue).`,
      metric: m.emf('pusher', MetricName.ENQUEUE_FAILURES),
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: t.errorThreshold,
      evaluation: 'errors',
    });
    this.add('pusher-async-event-age', {
      description: `S3 events waited more than half of the pusher's ${config.pusher.maxEventAgeSeconds} s maximum event age: at the maximum they are dropped to the failure queue.`,
      metric: m.lambda(fn, 'AsyncEventAge'),
      statistic: 'Maximum',
      comparison: 'GreaterThanThreshold',
      threshold: maxAgeMs / 2,
      evaluation: 'errors',
    });
    // No alarm on AsyncEventsDropped: with an on-failure destination Lambda counts every event it
    // parks there too, so it would page for each failure record (which pusher-failures-not-empty
    // already reports). Loss is an event that could not be parked: DestinationDeliveryFailures.
    this.add('pusher-destination-delivery-failures', {
      description:
        'Lambda could not deliver a failed S3 event to the failure queue: the event is lost. Check the queue and the pusher role; then run `npm run reconcile`.',
      metric: m.lambda(fn, 'DestinationDeliveryFailures'),
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluation: 'once',
    });
  }

  /**
   * Eventbridge mode: deliveries the rule failed. `FailedInvocations` counts events that failed
   * permanently (after the target's retries: they are sent to the DLQ); an event that could not
   * even be sent to the DLQ is lost (`InvocationsFailedToBeSentToDlq`). Both are 1 of 1: until
   * this alarm, a wrong queue policy or a deleted queue was silent.
   */
  private eventRuleAlarms(ruleName: string): void {
    const m = this.props.metrics;
    this.add('event-rule-failed-invocations', {
      description: `EventBridge could not deliver S3 events from rule ${ruleName} to the processing queue after its retries (they go to the DLQ): check the queue, its policy and its key.`,
      metric: m.events(ruleName, 'FailedInvocations'),
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluation: 'once',
    });
    this.add('event-rule-dlq-failures', {
      description: `EventBridge could not send undeliverable S3 events of rule ${ruleName} to the DLQ either: those events are lost. Fix the DLQ policy, then \`npm run reconcile\` and \`npm run backfill\`.`,
      metric: m.events(ruleName, 'InvocationsFailedToBeSentToDlq'),
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluation: 'once',
    });
  }

  /** DynamoDB per-request metrics have an `Operation` dimension: the processor's operations, summed. */
  private tableAlarms(): void {
    const { metrics: m, config } = this.props;
    const t = config.alarms;
    for (const [metricName, id, what] of [
      ['ThrottledRequests', 'table-throttles', 'throttled the processor'],
      ['SystemErrors', 'table-system-errors', 'answered the processor with server errors'],
    ] as const) {
      const queries = PROCESSOR_TABLE_OPERATIONS.map((operation, i) => {
        const metric = m.dynamodb(metricName, operation);
        return {
          id: `m${i}`,
          returnData: false,
          metric: {
            namespace: metric.namespace,
            metricName: metric.metricName,
            dimensions: metric.dimensions,
            period: t.periodSeconds,
            stat: 'Sum',
          },
        };
      });
      this.alarms[id] = new CloudwatchMetricAlarm(this, id, {
        ...this.common(
          id,
          `DynamoDB ${what} (${PROCESSOR_TABLE_OPERATIONS.join(', ')}) in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods; the records are retried.`,
          'errors',
        ),
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        metricQuery: [
          ...queries,
          {
            id: 'total',
            expression: `SUM([${queries.map((q) => q.id).join(', ')}])`,
            label: `${metricName} of ${PROCESSOR_TABLE_OPERATIONS.join(' + ')}`,
            returnData: true,
          },
        ],
      });
    }
  }

  /** The alert topic failing to deliver (an e-mail endpoint bouncing, a KMS problem). */
  private topicAlarms(): void {
    const { metrics: m } = this.props;
    this.add('alerts-delivery-failures', {
      description:
        'The alert topic failed to deliver notifications: check the subscriptions (confirmed? bouncing?) and the topic key. This alarm itself notifies the same topic: also watch it in the console.',
      metric: m.sns('NumberOfNotificationsFailed'),
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluation: 'once',
    });
  }

  /** Optional: nothing stored for N hours. Missing data is the signal here, so it breaches. */
  private heartbeat(): void {
    const { metrics: m, config } = this.props;
    const hours = config.alarms.heartbeatHours;
    if (hours === 0) return;
    this.add(
      'heartbeat',
      {
        description: `No object was ingested for ${hours} h: uploads stopped, or events no longer reach the pipeline (check the bucket notification and \`npm run status\`).`,
        metric: m.emf('processor', MetricName.OBJECTS_STORED),
        comparison: 'LessThanThreshold',
        threshold: 1,
        evaluation: 'once',
      },
      { period: 3600, evaluationPeriods: hours, datapointsToAlarm: hours, treatMissingData: 'breaching' },
    );
  }
}
