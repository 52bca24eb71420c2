import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import type { Deployment } from '../../../../tools/deployment';
import { awsSources, renderStatus, type StatusReport } from '../../../../tools/status/status';
import { makeConfig } from '../../../helpers/factories';

describe('npm run status on AWS: alarms, queue age and the functions’ log groups', () => {
  const cw = mockClient(CloudWatchClient);
  const logs = mockClient(CloudWatchLogsClient);
  const now = Date.parse('2026-11-27T12:00:00Z');
  const d = { config: makeConfig({ mode: 'pusher' }), local: false } as unknown as Deployment;
  const sources = () =>
    awsSources(
      d,
      { cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }), logs: new CloudWatchLogsClient({ region: 'eu-west-1' }) },
      now,
    );

  beforeEach(() => {
    cw.reset();
    logs.reset();
  });

  it('reads the alarms of this environment by their name prefix', async () => {
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        {
          AlarmName: 'ingest-test-dlq-not-empty',
          StateValue: 'ALARM',
          StateUpdatedTimestamp: new Date(now),
          StateReason: 'Threshold Crossed',
        },
      ],
    });
    expect(await sources().alarms()).toEqual([
      { name: 'ingest-test-dlq-not-empty', state: 'ALARM', since: '2026-11-27T12:00:00.000Z', reason: 'Threshold Crossed' },
    ]);
    expect(cw.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toMatchObject({ AlarmNamePrefix: 'ingest-test-' });
  });

  it('reads a queue’s oldest age from CloudWatch, null without data', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'age', Values: [42, 30] }] })
      .resolvesOnce({ MetricDataResults: [{ Id: 'age', Values: [] }] });
    const s = sources();
    expect(await s.queueAge('ingest-test-ingest')).toBe(42);
    expect(await s.queueAge('ingest-test-ingest')).toBeNull();
    const q = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries![0]!.MetricStat!;
    expect(q.Metric).toEqual({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: 'ingest-test-ingest' }],
    });
  });

  it('filters both functions’ log groups with JSON patterns on the contract’s message and level', async () => {
    logs.on(FilterLogEventsCommand).callsFake((input) => ({
      events: input.filterPattern.includes('ERROR')
        ? [
            {
              timestamp: now - 1000,
              message: JSON.stringify({ level: 'ERROR', message: 'Access denied; check the function role', key: 'a.txt' }),
            },
          ]
        : [
            {
              timestamp: now - 2000,
              message: JSON.stringify({
                level: 'INFO',
                message: 'Batch processed',
                records: 3,
                failed: 0,
                outcomes: [
                  { key: 'b.txt', status: 'stored', latencyMs: 12 },
                  { key: 'c.txt', status: 'duplicate' },
                  { key: 'd.txt', status: 'deleted', latencyMs: 3 },
                ],
              }),
            },
            { timestamp: now, message: 'not json' },
          ],
    }));
    const recent = await sources().recentLogs();
    const calls = logs.commandCalls(FilterLogEventsCommand).map((c) => [c.args[0].input.logGroupName, c.args[0].input.filterPattern]);
    expect(calls).toEqual([
      ['/aws/lambda/ingest-test-processor', '{ $.message = "Batch processed" }'],
      ['/aws/lambda/ingest-test-processor', '{ $.level = "ERROR" }'],
      ['/aws/lambda/ingest-test-pusher', '{ $.message = "Batch processed" }'],
      ['/aws/lambda/ingest-test-pusher', '{ $.level = "ERROR" }'],
    ]);
    // Written items only (not the duplicate), from both functions' groups.
    expect(recent.processed.map((p) => [p.function, p.key, p.status])).toEqual([
      ['ingest-test-processor', 'b.txt', 'stored'],
      ['ingest-test-processor', 'd.txt', 'deleted'],
      ['ingest-test-pusher', 'b.txt', 'stored'],
      ['ingest-test-pusher', 'd.txt', 'deleted'],
    ]);
    expect(recent.processed[0]).toMatchObject({ latencyMs: 12, time: new Date(now - 2000).toISOString() });
    expect(recent.errors[0]).toMatchObject({ level: 'ERROR', key: 'a.txt' });
  });

  it('renders alarms in ALARM first-hand and the queue age', () => {
    const report: StatusReport = {
      environment: 'prod',
      where: 'AWS',
      queue: { name: 'q', visible: 3, inFlight: 1, delayed: 0, oldestAgeSeconds: 400 },
      failureQueues: [
        {
          name: 'dlq',
          visible: 2,
          inFlight: 0,
          delayed: 0,
          oldestAgeSeconds: 90_000,
          byReason: { 'poison: not-json': { count: 2, oldestAgeSeconds: 90_000 } },
          peeked: 2,
        },
      ],
      alarms: [
        { name: 'prod-dlq-not-empty', state: 'ALARM', since: '2026-11-27T11:00:00.000Z', reason: 'Threshold Crossed' },
        { name: 'prod-queue-age', state: 'OK' },
      ],
      recentItems: [],
      recentErrors: [],
      logSource: 'CloudWatch Logs',
    };
    const text = renderStatus(report);
    expect(text).toContain('Queue q: 3 waiting, 1 in flight, 0 delayed · oldest 7 min');
    expect(text).toContain('✗ dlq: 2 message(s) · oldest 25 h\n    poison: not-json: 2, oldest 25 h');
    expect(text).toContain(
      'Alarms: 1 in ALARM, 0 insufficient data, 1 OK\n  ✗ prod-dlq-not-empty since 2026-11-27T11:00:00.000Z: Threshold Crossed',
    );
  });
});
