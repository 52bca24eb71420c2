import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { metricNamespace, processorEnvironment, pusherEnvironment } from '../../config/derive';
import { createProcessorHandler } from '../../src/app/processor-app';
import { createPusherHandler } from '../../src/app/pusher-app';
import { mockedClients, serviceError } from '../helpers/aws-mocks';
import { lambdaContext, makeConfig, s3EventBody, s3EventRecord, sqsRecord } from '../helpers/factories';
import { resourcesOf, synthPipeline } from '../helpers/synth';

/**
 * The alarms on the handlers' EMF metrics must name exactly what the handlers emit: namespace,
 * metric name and dimension set. The handlers run here as deployed — Powertools configured
 * from the environment the stack gives them, EMF printed to stdout — and the alarms are read
 * from the synthesized stack, so neither side is a second copy of the other.
 */
const cfg = makeConfig({ mode: 'pusher', alarms: { heartbeatHours: 2 } });

interface Emitted {
  namespace: string;
  dimensions: Record<string, string>;
  metric: string;
}

/** Runs `act` with the function's environment in process.env and collects the EMF it prints. */
async function emittedBy(env: Record<string, string>, act: (env: Record<string, string>) => Promise<unknown>): Promise<Emitted[]> {
  const saved = { ...process.env };
  Object.assign(process.env, env, { POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_LOG_LEVEL: 'SILENT' });
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
  try {
    await act(env).catch(() => undefined);
  } finally {
    write.mockRestore();
    process.env = saved;
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .flatMap((l) => {
      const doc = JSON.parse(l) as {
        _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
      } & Record<string, string>;
      return doc._aws.CloudWatchMetrics.flatMap((d) =>
        d.Dimensions.flatMap((set) =>
          d.Metrics.map((m) => ({ namespace: d.Namespace, metric: m.Name, dimensions: Object.fromEntries(set.map((k) => [k, doc[k]!])) })),
        ),
      );
    });
}

async function processorEmits(): Promise<Emitted[]> {
  const env = processorEnvironment(cfg, {
    tableName: 'ingest-test-objects',
    deadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
  });
  return emittedBy(env, async (e) => {
    const mocks = mockedClients();
    mocks.s3.on(HeadObjectCommand).resolves({ ContentType: 'text/plain', ContentLength: 1 });
    mocks.sqs.on(SendMessageCommand).resolves({ MessageId: 'd' });
    mocks.dynamodb.on(PutItemCommand).callsFake((input) => {
      if (input.Item.s3_key.S === 'denied.txt') throw serviceError('AccessDeniedException', 400);
      return {};
    });
    const handler = createProcessorHandler({ env: e, clients: mocks.clients });
    const records = [
      sqsRecord(s3EventBody({ key: 'ok.txt' }), 'ok'),
      sqsRecord(s3EventBody({ key: 'denied.txt' }), 'denied'),
      sqsRecord('not json', 'poison'),
    ];
    await handler({ Records: records } as SQSEvent, lambdaContext());
  });
}

async function pusherEmits(): Promise<Emitted[]> {
  const env = pusherEnvironment(cfg, {
    queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
    deadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
  });
  return emittedBy(env, async (e) => {
    const mocks = mockedClients();
    mocks.s3.on(HeadObjectCommand).callsFake((input) => {
      if (input.Key === 'denied.txt') throw serviceError('AccessDenied', 403);
      return { ContentType: 'text/plain', ContentLength: 1 };
    });
    mocks.sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    const handler = createPusherHandler({ env: e, clients: mocks.clients, sleep: async () => undefined });
    await handler({ Records: [s3EventRecord({ key: 'denied.txt' })] }, lambdaContext('p')).catch(() => undefined);
    await handler({ Records: [s3EventRecord({ key: 'a.txt' })] }, lambdaContext('p'));
  });
}

describe('alarms on EMF metrics match what the handlers emit', () => {
  const alarms = resourcesOf(synthPipeline(cfg), 'aws_cloudwatch_metric_alarm');
  const namespace = metricNamespace(cfg);
  // Log-derived metrics (metric filters) carry no dimensions; EMF metrics always carry `service`.
  const emfAlarms = alarms.filter((a) => a.namespace === namespace && a.dimensions !== undefined);
  let emitted: Emitted[];
  beforeAll(async () => {
    emitted = [...(await processorEmits()), ...(await pusherEmits())];
  });

  it('covers the per-record failure metrics of both handlers and the heartbeat', () => {
    expect(emfAlarms.map((a) => `${(a.dimensions as Record<string, string>).service}:${a.metric_name}`).sort()).toEqual(
      [
        'processor:AccessDenied',
        'processor:ObjectsStored',
        'processor:PoisonMessages',
        'processor:TransientFailures',
        'pusher:AccessDenied',
        'pusher:EnqueueFailures',
      ].sort(),
    );
  });

  it.each(['processor', 'pusher'])(
    'every %s EMF alarm names a metric the handler emitted, with its namespace and exact dimensions',
    (service) => {
      const mine = emfAlarms.filter((a) => (a.dimensions as Record<string, string>).service === service);
      expect(mine.length).toBeGreaterThan(0);
      for (const alarm of mine) {
        const match = emitted.filter((e) => e.metric === alarm.metric_name && e.namespace === alarm.namespace);
        expect({ alarm: alarm.alarm_name, dimensions: match.map((e) => e.dimensions) }).toEqual({
          alarm: alarm.alarm_name,
          dimensions: expect.arrayContaining([alarm.dimensions]),
        });
      }
    },
  );

  it('would notice a renamed dimension (the comparison is exact)', () => {
    const emittedProcessor = emitted.filter((e) => e.dimensions.service === 'processor');
    expect(emittedProcessor.length).toBeGreaterThan(0);
    expect(emitted.some((e) => JSON.stringify(e.dimensions) === JSON.stringify({ service: 'processor', environment: 'x' }))).toBe(false);
    for (const e of emitted) expect(Object.keys(e.dimensions)).toEqual(['service']);
  });
});
