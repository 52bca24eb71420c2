import { metricNamespace, resourceNames } from '../config/derive';
import type { PipelineConfig } from '../config/types';
import type { MetricName } from '../src/app/telemetry-contract';

/** One CloudWatch metric, exactly as an alarm or a dashboard widget names it. */
export interface MetricRef {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

/** The functions whose EMF metrics carry `service` = this name (`POWERTOOLS_SERVICE_NAME`). */
export type ServiceName = 'processor' | 'pusher';

/** DynamoDB operations the processor calls; DynamoDB's per-request metrics have an `Operation` dimension. */
export const PROCESSOR_TABLE_OPERATIONS = ['PutItem', 'UpdateItem'] as const;

/**
 * Every metric the alarms and the dashboard read, built from the config's resource names
 * (plain strings, so a dashboard body is readable JSON) and from the handlers' telemetry
 * contract. Alarms and widgets take their metrics from here only, and a test checks each one
 * against the stack's resources and what the handlers emit.
 */
export class PipelineMetrics {
  public readonly names: ReturnType<typeof resourceNames>;
  public readonly namespace: string;
  private readonly hasPusher: boolean;
  /** Eventbridge mode: the rule whose deliveries are measured in `AWS/Events`. */
  public readonly eventRule?: string;

  public constructor(cfg: PipelineConfig) {
    this.names = resourceNames(cfg);
    this.namespace = metricNamespace(cfg);
    this.hasPusher = cfg.mode === 'pusher';
    if (cfg.mode === 'eventbridge') this.eventRule = this.names.eventRule;
  }

  /** The functions of this mode and their names. */
  public functions(): Array<{ service: ServiceName; functionName: string }> {
    return [
      { service: 'processor' as const, functionName: this.names.processor },
      ...(this.hasPusher ? [{ service: 'pusher' as const, functionName: this.names.pusher }] : []),
    ];
  }

  /** Queues of this mode: processing, its DLQ and (pusher mode) the pusher's failure queue. */
  public queues(): Array<{ role: 'processing' | 'dead-letter' | 'pusher-failures'; queueName: string }> {
    return [
      { role: 'processing' as const, queueName: this.names.queue },
      { role: 'dead-letter' as const, queueName: this.names.deadLetterQueue },
      ...(this.hasPusher ? [{ role: 'pusher-failures' as const, queueName: this.names.pusherFailureQueue }] : []),
    ];
  }

  public sqs(queueName: string, metricName: string): MetricRef {
    return { namespace: 'AWS/SQS', metricName, dimensions: { QueueName: queueName } };
  }

  public lambda(functionName: string, metricName: string): MetricRef {
    return { namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: functionName } };
  }

  /** A metric the handler publishes with Powertools (EMF): namespace of the env, `service` dimension. */
  public emf(service: ServiceName, metricName: MetricName): MetricRef {
    return { namespace: this.namespace, metricName, dimensions: { service } };
  }

  /** A metric derived from a function's log group by a metric filter (no dimensions). */
  public logDerived(metricName: string): MetricRef {
    return { namespace: this.namespace, metricName, dimensions: {} };
  }

  public dynamodb(metricName: string, operation?: string): MetricRef {
    return {
      namespace: 'AWS/DynamoDB',
      metricName,
      dimensions: { TableName: this.names.table, ...(operation ? { Operation: operation } : {}) },
    };
  }

  /** EventBridge's per-rule metrics (`RuleName` dimension), e.g. `FailedInvocations`. */
  public events(ruleName: string, metricName: string): MetricRef {
    return { namespace: 'AWS/Events', metricName, dimensions: { RuleName: ruleName } };
  }

  public sns(metricName: string): MetricRef {
    return { namespace: 'AWS/SNS', metricName, dimensions: { TopicName: this.names.topic } };
  }

  /** The metric filter's metric of a function's ERROR log lines. */
  public errorLogLines(service: ServiceName): MetricRef {
    return this.logDerived(`${service}-error-log-lines`);
  }
}
