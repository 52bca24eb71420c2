import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createPusherHandler } from '../../../src/app/pusher-app';
import { LogField, LogMessage, MetricName } from '../../../src/app/telemetry-contract';
import { capturedObservability } from '../../helpers/observability';
import { mockedClients, PUSHER_ENV, serviceError } from '../../helpers/aws-mocks';
import { lambdaContext, s3EventRecord } from '../../helpers/factories';

function setup() {
  const mocks = mockedClients();
  mocks.s3.on(HeadObjectCommand).resolves({ ContentType: 'text/plain', ContentLength: 3, ETag: '"e"', Metadata: { team: 'a' } });
  mocks.sqs
    .on(SendMessageBatchCommand)
    .callsFake((input) => ({ Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] }));
  const handler = createPusherHandler({ env: PUSHER_ENV, clients: mocks.clients, sleep: async () => undefined });
  return { ...mocks, handler };
}

describe('pusher handler', () => {
  it('sends enriched messages to the queue with SendMessageBatch', async () => {
    const { sqs, handler } = setup();
    const summary = await handler({ Records: [s3EventRecord({ key: 'a b.txt' }), s3EventRecord({ key: 'tmp/x' })] }, lambdaContext('p'));
    expect(summary).toMatchObject({ enqueued: [{ key: 'a b.txt' }], rejected: [{ key: 'tmp/x', reason: 'ignored-prefix' }] });
    const input = sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input;
    expect(input.QueueUrl).toBe(PUSHER_ENV.QUEUE_URL);
    expect(JSON.parse(input.Entries![0]!.MessageBody!)).toMatchObject({
      key: 'a b.txt',
      contentType: 'text/plain',
      metadata: { team: 'a' },
    });
  });

  it('fails the invocation when SQS keeps refusing, so async retries take over', async () => {
    const { sqs, handler } = setup();
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    await expect(handler({ Records: [s3EventRecord()] }, lambdaContext('p'))).rejects.toMatchObject({ name: 'EnqueueError' });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  it('fails the invocation when HeadObject fails transiently', async () => {
    const { s3, handler } = setup();
    s3.on(HeadObjectCommand).rejects(serviceError('SlowDown', 503));
    await expect(handler({ Records: [s3EventRecord()] }, lambdaContext('p'))).rejects.toMatchObject({ name: 'SlowDown' });
  });

  it('dead-letters an undecodable record with its reason', async () => {
    const { sqs, handler } = setup();
    sqs.on(SendMessageCommand).resolves({});
    await handler({ Records: [s3EventRecord({ rawKey: '%zz' })] }, lambdaContext('p'));
    expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input).toMatchObject({
      QueueUrl: PUSHER_ENV.DEAD_LETTER_QUEUE_URL,
      MessageAttributes: { reason: { StringValue: 'undecodable-key' }, source: { StringValue: 'pusher' } },
    });
  });

  it('refuses to start without its queue URL or with bad filters', () => {
    expect(() => createPusherHandler({ env: { ...PUSHER_ENV, QUEUE_URL: '', IGNORED_SUFFIXES: '[1]' } })).toThrow(
      'Invalid Lambda environment: QUEUE_URL is required; IGNORED_SUFFIXES must be a JSON array of strings (got "[1]")',
    );
  });
});

describe('pusher telemetry contract', () => {
  it('counts enqueued, rejected and failed enqueues under their contract names', async () => {
    // Prepare
    const { observability, totals, logs } = capturedObservability('FileIngestion/ingest-test', 'pusher');
    const mocks = mockedClients();
    mocks.s3.on(HeadObjectCommand).resolves({ ContentType: 'text/plain', ContentLength: 3 });
    mocks.sqs
      .on(SendMessageBatchCommand)
      .callsFake((input) => ({ Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] }));
    const handler = createPusherHandler({ env: PUSHER_ENV, clients: mocks.clients, observability, sleep: async () => undefined });
    // Act
    await handler({ Records: [s3EventRecord({ key: 'a.txt' }), s3EventRecord({ key: 'tmp/x' })] }, lambdaContext('p'));
    mocks.sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    await expect(handler({ Records: [s3EventRecord({ key: 'b.txt' })] }, lambdaContext('p'))).rejects.toThrow();
    // Assess
    // The failed invocation enqueued nothing: only its failure is counted.
    expect(totals()).toEqual({ [MetricName.OBJECTS_ENQUEUED]: 1, [MetricName.OBJECTS_REJECTED]: 1, [MetricName.ENQUEUE_FAILURES]: 1 });
    expect(logs.find((l) => l.message === LogMessage.OBJECT_REJECTED)!.fields).toMatchObject({
      [LogField.KEY]: 'tmp/x',
      [LogField.REASON]: 'ignored-prefix',
    });
  });
});
