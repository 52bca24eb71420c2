import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import type { AlarmConfig } from '../config/types';
import type { BundledFunction } from './bundled-function';

export interface PipelineAlarmsProps {
  namePrefix: string;
  /** Namespace of the log-derived metrics (the functions' own metrics namespace). */
  metricNamespace: string;
  topicArn: string;
  queueName: string;
  deadLetterQueueName: string;
  /** Pusher mode: the pusher's on-failure destination, alarmed like the DLQ. */
  pusherFailureQueueName?: string;
  functions: Record<string, BundledFunction>;
  thresholds: AlarmConfig;
}

/**
 * Alarms that tell a person something needs attention, each with alarm and OK actions
 * to the topic and missing data treated as not breaching (idle is healthy):
 * - DLQ `ApproximateNumberOfMessagesVisible` > 0 (`NumberOfMessagesSent` misses redriven messages);
 * - source queue `ApproximateAgeOfOldestMessage` ≥ threshold;
 * - per function: `Errors`, `Throttles`, and ERROR log lines (a metric filter on its log group).
 */
export class PipelineAlarms extends Construct {
  public readonly alarms: CloudwatchMetricAlarm[] = [];

  public constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const t = props.thresholds;
    const alarm = (alarmId: string, config: Omit<CloudwatchMetricAlarmConfig, 'alarmName' | 'evaluationPeriods'>): void => {
      this.alarms.push(
        new CloudwatchMetricAlarm(this, alarmId, {
          alarmName: `${props.namePrefix}-${alarmId}`,
          evaluationPeriods: 1,
          period: t.periodSeconds,
          treatMissingData: 'notBreaching',
          alarmActions: [props.topicArn],
          okActions: [props.topicArn],
          ...config,
        }),
      );
    };

    alarm('dlq-not-empty', {
      alarmDescription: 'Messages are waiting in the dead-letter queue: inspect them with `npm run dlq -- peek`.',
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: props.deadLetterQueueName },
      statistic: 'Maximum',
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
    });
    if (props.pusherFailureQueueName) {
      alarm('pusher-failures-not-empty', {
        alarmDescription: 'S3 events the pusher could not handle after every retry are waiting: fix the cause, then `npm run dlq -- replay`.',
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: props.pusherFailureQueueName },
        statistic: 'Maximum',
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
      });
    }
    alarm('queue-age', {
      alarmDescription: `The oldest message has waited ${t.queueAgeThresholdSeconds}s or more: the processor is falling behind or failing.`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: props.queueName },
      statistic: 'Maximum',
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: t.queueAgeThresholdSeconds,
    });

    for (const [name, fn] of Object.entries(props.functions)) {
      const functionName = fn.function.functionName;
      for (const [metric, threshold] of [['Errors', t.errorThreshold], ['Throttles', t.throttleThreshold]] as const) {
        alarm(`${name}-${metric.toLowerCase()}`, {
          alarmDescription: `The ${name} function reported ${metric}.`,
          namespace: 'AWS/Lambda',
          metricName: metric,
          dimensions: { FunctionName: functionName },
          statistic: 'Sum',
          comparisonOperator: 'GreaterThanOrEqualToThreshold',
          threshold,
        });
      }
      const metricName = `${name}-error-log-lines`;
      new CloudwatchLogMetricFilter(this, `${name}-error-logs-filter`, {
        name: metricName,
        logGroupName: fn.logGroup.name,
        // Matches Powertools' JSON `"level":"ERROR"` and the runtime's tab-separated ERROR lines.
        pattern: 'ERROR',
        metricTransformation: { name: metricName, namespace: props.metricNamespace, value: '1', defaultValue: '0' },
      });
      alarm(`${name}-error-logs`, {
        alarmDescription: `The ${name} function logged ERROR lines.`,
        namespace: props.metricNamespace,
        metricName,
        statistic: 'Sum',
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: t.errorLogThreshold,
      });
    }
  }
}
