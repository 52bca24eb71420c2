import { MetricName } from '../../src/app/telemetry-contract';
import { makeConfig } from '../helpers/factories';
import { policyOf, resourceOf, resourcesOf, synthPipeline } from '../helpers/synth';

type Mode = 'direct' | 'pusher' | 'eventbridge';
type Synth = ReturnType<typeof synthPipeline>;

/** AWS's documented metric names of each service the widgets read (the ones this pipeline can have). */
const AWS_METRICS: Record<string, string[]> = {
  'AWS/SQS': [
    'ApproximateNumberOfMessagesVisible',
    'ApproximateAgeOfOldestMessage',
    'ApproximateNumberOfMessagesNotVisible',
    'NumberOfMessagesSent',
  ],
  'AWS/Lambda': [
    'Invocations',
    'Errors',
    'Throttles',
    'Duration',
    'ConcurrentExecutions',
    'AsyncEventsReceived',
    'AsyncEventAge',
    'AsyncEventsDropped',
    'DestinationDeliveryFailures',
  ],
  'AWS/DynamoDB': ['ConsumedWriteCapacityUnits', 'ConsumedReadCapacityUnits', 'ThrottledRequests', 'SystemErrors'],
};

interface Row {
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
}

function rowsOf(body: string): Array<Row & { widget: string }> {
  const parsed = JSON.parse(body) as { widgets: Array<{ properties: { title: string; metrics: unknown[][] } }> };
  return parsed.widgets.flatMap((w) =>
    w.properties.metrics.map((r) => {
      const [namespace, metric, ...rest] = r as [string, string, ...unknown[]];
      const pairs = rest.filter((x) => typeof x === 'string') as string[];
      const dimensions: Record<string, string> = {};
      for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i]!] = pairs[i + 1]!;
      return { widget: w.properties.title, namespace, metric, dimensions };
    }),
  );
}

/** Why a row names something that does not exist, or undefined when it is real. */
function problem(row: Row, s: Synth): string | undefined {
  const emfNamespace = 'FileIngestion/ingest-test';
  const functions = resourcesOf(s, 'aws_lambda_function');
  const dims = Object.keys(row.dimensions).sort().join(',');
  if (row.namespace === emfNamespace) {
    if (!(Object.values(MetricName) as string[]).includes(row.metric)) return `${row.metric} is not a metric of the telemetry contract`;
    if (dims !== 'service') return `EMF metrics carry exactly the service dimension, not ${dims}`;
    const service = row.dimensions.service!;
    if (!functions.some((f) => (f.environment as { variables: Record<string, string> }).variables.POWERTOOLS_SERVICE_NAME === service))
      return `no function has service ${service}`;
    return undefined;
  }
  if (!AWS_METRICS[row.namespace]?.includes(row.metric)) return `${row.namespace} ${row.metric} is not a metric this pipeline has`;
  if (row.namespace === 'AWS/SQS') {
    if (dims !== 'QueueName') return `SQS dimensions ${dims}`;
    return resourcesOf(s, 'aws_sqs_queue').some((q) => q.name === row.dimensions.QueueName)
      ? undefined
      : `no queue ${row.dimensions.QueueName}`;
  }
  if (row.namespace === 'AWS/Lambda') {
    if (dims !== 'FunctionName') return `Lambda dimensions ${dims}`;
    return functions.some((f) => f.function_name === row.dimensions.FunctionName)
      ? undefined
      : `no function ${row.dimensions.FunctionName}`;
  }
  const table = resourceOf(s, 'aws_dynamodb_table');
  if (row.dimensions.TableName !== table.name) return `no table ${row.dimensions.TableName}`;
  if (row.dimensions.Operation) {
    const processorPolicy = resourcesOf(s, 'aws_iam_role_policy').find((p) => String(p.name).includes('processor'))!;
    const allowed = policyOf(processorPolicy).Statement.flatMap((st) => ([] as string[]).concat(st.Action as string | string[]));
    if (!allowed.includes(`dynamodb:${row.dimensions.Operation}`)) return `the processor never calls ${row.dimensions.Operation}`;
  }
  return undefined;
}

describe('dashboard', () => {
  it.each<Mode>(['direct', 'pusher', 'eventbridge'])(
    '%s: every widget metric is a resource of the stack or a metric the handlers emit',
    (mode) => {
      const s = synthPipeline(makeConfig({ mode }));
      const dashboard = resourceOf(s, 'aws_cloudwatch_dashboard');
      expect(dashboard.dashboard_name).toBe('ingest-test-pipeline');
      const rows = rowsOf(dashboard.dashboard_body as string);
      expect(rows.length).toBeGreaterThan(20);
      expect(rows.map((r) => ({ widget: r.widget, metric: r.metric, problem: problem(r, s) })).filter((r) => r.problem)).toEqual([]);
    },
  );

  it('shows what the issue asks for: queues, DLQ, processor, objects, table, and the pusher in pusher mode', () => {
    const titles = (mode: Mode) =>
      (
        JSON.parse(resourceOf(synthPipeline(makeConfig({ mode })), 'aws_cloudwatch_dashboard').dashboard_body as string) as {
          widgets: Array<{ properties: { title: string } }>;
        }
      ).widgets.map((w) => w.properties.title);
    expect(titles('direct')).toEqual([
      'Queue depth',
      'Oldest message age (s)',
      'Invocations and errors',
      'Duration (ms)',
      'Concurrent executions',
      'Objects (processor)',
      'End-to-end latency (ms)',
      'DynamoDB consumed capacity',
      'DynamoDB throttles and errors',
    ]);
    expect(titles('pusher')).toEqual([...titles('direct'), 'Pusher asynchronous events', 'Pusher event age (ms)']);
    const queues = rowsOf(
      resourceOf(synthPipeline(makeConfig({ mode: 'pusher' })), 'aws_cloudwatch_dashboard').dashboard_body as string,
    ).filter((r) => r.widget === 'Queue depth');
    expect(queues.map((r) => r.dimensions.QueueName)).toEqual([
      'ingest-test-ingest',
      'ingest-test-ingest-dlq',
      'ingest-test-pusher-failures',
    ]);
  });

  it('the check catches a widget naming what does not exist', () => {
    const s = synthPipeline(makeConfig());
    expect(
      problem({ namespace: 'AWS/SQS', metric: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'ingest-test-typo' } }, s),
    ).toMatch(/no queue/);
    expect(problem({ namespace: 'FileIngestion/ingest-test', metric: 'ObjectsStored', dimensions: { service: 'pusher' } }, s)).toMatch(
      /no function has service pusher/,
    );
    expect(problem({ namespace: 'FileIngestion/ingest-test', metric: 'ObjectStored', dimensions: { service: 'processor' } }, s)).toMatch(
      /telemetry contract/,
    );
    expect(
      problem(
        { namespace: 'AWS/DynamoDB', metric: 'ThrottledRequests', dimensions: { TableName: 'ingest-test-objects', Operation: 'Scan' } },
        s,
      ),
    ).toMatch(/never calls Scan/);
  });

  it('outputs the dashboard URL', () => {
    const s = synthPipeline(makeConfig());
    expect(s.parsed.output.dashboard_url!.value).toMatch(
      /^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=eu-west-1#dashboards\/dashboard\/\$\{aws_cloudwatch_dashboard\.\w+\.dashboard_name\}$/,
    );
  });
});
