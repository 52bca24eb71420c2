import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { Construct } from 'constructs';
import { MetricName } from '../src/app/telemetry-contract';
import { PROCESSOR_TABLE_OPERATIONS, type MetricRef, type PipelineMetrics } from './pipeline-metrics';

export interface PipelineDashboardProps {
  dashboardName: string;
  region: string;
  metrics: PipelineMetrics;
}

interface Line {
  metric: MetricRef;
  stat: string;
  label: string;
}

/** A widget's metric row in CloudWatch's dashboard body syntax: namespace, name, dimension pairs, options. */
const row = ({ metric, stat, label }: Line): unknown[] => [
  metric.namespace,
  metric.metricName,
  ...Object.entries(metric.dimensions).flat(),
  { stat, label },
];

/**
 * One CloudWatch dashboard per environment: what an operator looks at after an alarm. Every
 * metric comes from {@link PipelineMetrics}, so a widget cannot name a queue or a metric the
 * stack and the handlers do not have (a test checks each one).
 */
export class PipelineDashboard extends Construct {
  public readonly dashboard: CloudwatchDashboard;
  /** The widgets' metrics, for tests and the guardrails. */
  public readonly widgets: Array<{ title: string; lines: Line[] }> = [];

  public constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const m = props.metrics;
    const n = m.names;
    const queues = m.queues();
    const fns = m.functions();

    this.widget(
      'Queue depth',
      queues.map((q) => ({ metric: m.sqs(q.queueName, 'ApproximateNumberOfMessagesVisible'), stat: 'Maximum', label: q.role })),
    );
    this.widget(
      'Oldest message age (s)',
      queues.map((q) => ({ metric: m.sqs(q.queueName, 'ApproximateAgeOfOldestMessage'), stat: 'Maximum', label: q.role })),
    );
    this.widget(
      'Invocations and errors',
      fns.flatMap((f) =>
        ['Invocations', 'Errors', 'Throttles'].map((metric) => ({
          metric: m.lambda(f.functionName, metric),
          stat: 'Sum',
          label: `${f.service} ${metric}`,
        })),
      ),
    );
    this.widget(
      'Duration (ms)',
      fns.flatMap((f) =>
        ['p50', 'p99'].map((stat) => ({ metric: m.lambda(f.functionName, 'Duration'), stat, label: `${f.service} ${stat}` })),
      ),
    );
    this.widget(
      'Concurrent executions',
      fns.map((f) => ({ metric: m.lambda(f.functionName, 'ConcurrentExecutions'), stat: 'Maximum', label: f.service })),
    );
    this.widget(
      'Objects (processor)',
      [
        MetricName.OBJECTS_STORED,
        MetricName.OBJECTS_MARKED_DELETED,
        MetricName.OBJECTS_BACKFILLED,
        MetricName.DUPLICATES,
        MetricName.POISON_MESSAGES,
        MetricName.TRANSIENT_FAILURES,
      ].map((metric) => ({
        metric: m.emf('processor', metric),
        stat: 'Sum',
        label: metric,
      })),
    );
    this.widget(
      'End-to-end latency (ms)',
      ['p50', 'p99'].map((stat) => ({ metric: m.emf('processor', MetricName.END_TO_END_LATENCY), stat, label: stat })),
    );
    this.widget('DynamoDB consumed capacity', [
      { metric: m.dynamodb('ConsumedWriteCapacityUnits'), stat: 'Sum', label: 'write units' },
      { metric: m.dynamodb('ConsumedReadCapacityUnits'), stat: 'Sum', label: 'read units' },
    ]);
    this.widget(
      'DynamoDB throttles and errors',
      PROCESSOR_TABLE_OPERATIONS.flatMap((op) =>
        ['ThrottledRequests', 'SystemErrors'].map((metric) => ({ metric: m.dynamodb(metric, op), stat: 'Sum', label: `${op} ${metric}` })),
      ),
    );
    if (fns.some((f) => f.service === 'pusher')) {
      this.widget('Pusher asynchronous events', [
        ...['AsyncEventsReceived', 'AsyncEventsDropped', 'DestinationDeliveryFailures'].map((metric) => ({
          metric: m.lambda(n.pusher, metric),
          stat: 'Sum',
          label: metric,
        })),
        ...[MetricName.OBJECTS_ENQUEUED, MetricName.OBJECTS_REJECTED, MetricName.ENQUEUE_FAILURES].map((metric) => ({
          metric: m.emf('pusher', metric),
          stat: 'Sum',
          label: metric,
        })),
      ]);
      this.widget('Pusher event age (ms)', [{ metric: m.lambda(n.pusher, 'AsyncEventAge'), stat: 'Maximum', label: 'AsyncEventAge' }]);
    }

    const body = {
      widgets: this.widgets.map((w, i) => ({
        type: 'metric',
        x: (i % 2) * 12,
        y: Math.floor(i / 2) * 6,
        width: 12,
        height: 6,
        properties: { title: w.title, region: props.region, view: 'timeSeries', stacked: false, period: 60, metrics: w.lines.map(row) },
      })),
    };
    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: props.dashboardName,
      dashboardBody: JSON.stringify(body),
    });
  }

  private widget(title: string, lines: Line[]): void {
    this.widgets.push({ title, lines });
  }
}
