import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createProcessorHandler } from '../../../src/app/processor-app';
import { LogField, LogMessage, MetricName } from '../../../src/app/telemetry-contract';
import { capturedObservability } from '../../helpers/observability';
import { mockedClients, PROCESSOR_ENV, serviceError } from '../../helpers/aws-mocks';
import { lambdaContext, pusherMessage, s3EventBody, sqsRecord, testEventBody } from '../../helpers/factories';

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

function setup(env: Record<string, string> = {}) {
  const mocks = mockedClients();
  mocks.s3.on(HeadObjectCommand).resolves({ ContentType: 'image/jpeg', ContentLength: 42, ETag: '"e"' });
  mocks.dynamodb.on(PutItemCommand).resolves({});
  mocks.sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  const handler = createProcessorHandler({
    env: { ...PROCESSOR_ENV, ...env },
    clients: mocks.clients,
    now: () => new Date('2026-11-27T10:00:02Z'),
  });
  const invoke = (...bodies: string[]) => handler({ Records: bodies.map((b) => sqsRecord(b)) } as SQSEvent, lambdaContext());
  return { ...mocks, handler, invoke };
}

describe('processor handler', () => {
  it('writes one conditional item per object with the product attributes', async () => {
    const { dynamodb, s3, invoke } = setup();
    const response = await invoke(s3EventBody({ key: 'photos/red flower.jpg', size: 1234 }));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(s3.commandCalls(HeadObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'uploads',
      Key: 'photos/red flower.jpg',
      VersionId: undefined,
    });
    const input = dynamodb.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(input.TableName).toBe('ingest-test-objects');
    expect(input.ConditionExpression).toBe('attribute_not_exists(#k) OR (#o < :o AND NOT #b >= :s)');
    expect(input.ExpressionAttributeNames).toEqual({ '#k': 's3_key', '#o': 'ordering_key', '#b': 'backfill_last_modified' });
    expect(input.ExpressionAttributeValues).toEqual({
      ':o': { S: '0055AED6DCD90281E5'.padEnd(64, '0') },
      ':s': { S: '2026-11-27T10:00:00.000Z' },
    });
    expect(input.Item).toMatchObject({
      s3_key: { S: 'photos/red flower.jpg' },
      bucket: { S: 'uploads' },
      content_type: { S: 'image/jpeg' },
      file_size: { N: '1234' },
      event_time: { S: '2026-11-27T10:00:00.000Z' },
      processed_at: { S: '2026-11-27T10:00:02.000Z' },
      message_id: { S: expect.any(String) },
      sequencer: { S: '0055AED6DCD90281E5' },
      event_name: { S: 'ObjectCreated:Put' },
      etag: { S: 'd41d8cd98f00b204e9800998ecf8427e' },
    });
  });

  it('treats a failed condition as a duplicate, not an error', async () => {
    const { dynamodb, invoke } = setup();
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    expect(await invoke(s3EventBody())).toEqual({ batchItemFailures: [] });
  });

  it('a poison body too big to dead-letter with its reason fails the record (the redrive policy moves it whole), logged and metered with its reason', async () => {
    // Prepare
    const obs = capturedObservability();
    const mocks = mockedClients();
    mocks.sqs.on(SendMessageCommand).resolves({});
    const handler = createProcessorHandler({ env: PROCESSOR_ENV, clients: mocks.clients, observability: obs.observability });
    // Act
    const response = await handler(
      { Records: [sqsRecord(`{"Records": [${'x'.repeat(1_048_576 - 200)}`, 'huge')] } as SQSEvent,
      lambdaContext(),
    );
    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'huge' }] });
    expect(mocks.sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    const line = obs.logs.find((l) => l.message === LogMessage.POISON_LEFT_TO_REDRIVE)!;
    expect(line).toMatchObject({
      level: 'error',
      fields: {
        messageId: 'huge',
        [LogField.REASON]: 'malformed-json',
        bytes: expect.any(Number),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
    expect(obs.totals()).toMatchObject({ [MetricName.POISON_LEFT_TO_REDRIVE]: 1 });
    expect(obs.totals()[MetricName.POISON_MESSAGES]).toBeUndefined();
  });

  it('a redelivery the item already matches is a duplicate without asking S3 again', async () => {
    // Prepare: pusher messages carry the object's state; the item says the same.
    const { dynamodb, s3, invoke } = setup();
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({ Item: { message_id: { S: 'earlier' }, etag: { S: 'e' }, file_size: { N: '42' } } });
    // Act
    expect(await invoke(JSON.stringify(pusherMessage({ key: 'a.txt', size: 42, etag: '"e"' })))).toEqual({ batchItemFailures: [] });
    // Assess
    expect(dynamodb.commandCalls(GetItemCommand)[0]!.args[0].input).toMatchObject({
      ConsistentRead: true,
      Key: { s3_key: { S: 'a.txt' }, bucket: { S: 'uploads' } },
    });
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(1);
  });

  it('a forged ordering key heals: a refused event that S3 confirms as current replaces the item it read', async () => {
    // Prepare: the item was written by a forged 18-digit FFFF… sequencer, with another state.
    const { dynamodb, s3, invoke } = setup();
    dynamodb.on(PutItemCommand, { ConditionExpression: 'message_id = :seen' }).resolves({});
    dynamodb
      .on(PutItemCommand, { ConditionExpression: 'attribute_not_exists(#k) OR (#o < :o AND NOT #b >= :s)' })
      .rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({ Item: { message_id: { S: 'forged' }, etag: { S: 'bogus' }, file_size: { N: '1' } } });
    s3.on(HeadObjectCommand).resolves({ ContentType: 'image/jpeg', ContentLength: 1234, ETag: '"d41d8cd98f00b204e9800998ecf8427e"' });
    // Act
    expect(await invoke(s3EventBody({ key: 'a.jpg', size: 1234 }))).toEqual({ batchItemFailures: [] });
    // Assess
    const confirmed = dynamodb.commandCalls(PutItemCommand).find((c) => c.args[0].input.ConditionExpression === 'message_id = :seen')!
      .args[0].input;
    expect(confirmed.ExpressionAttributeValues).toEqual({ ':seen': { S: 'forged' } });
    expect(confirmed.Item).toMatchObject({
      s3_key: { S: 'a.jpg' },
      ordering_key: { S: '0055AED6DCD90281E5'.padEnd(64, '0') },
      file_size: { N: '1234' },
    });
  });

  it('a refused event that is not S3’s current state stays a duplicate', async () => {
    const { dynamodb, s3, invoke } = setup();
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({ Item: { message_id: { S: 'newer' }, etag: { S: 'newer-etag' }, file_size: { N: '9' } } });
    s3.on(HeadObjectCommand).resolves({ ContentType: 'text/plain', ContentLength: 9, ETag: '"newer-etag"' });
    expect(await invoke(s3EventBody({ key: 'a.txt', size: 1234 }))).toEqual({ batchItemFailures: [] });
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(1);
  });

  it('reports exactly the throttled records for retry', async () => {
    const { dynamodb, handler } = setup();
    dynamodb.on(PutItemCommand).callsFake((input) => {
      if (input.Item.s3_key.S === 'slow.txt') throw serviceError('ThrottlingException', 400);
      return {};
    });
    const records = [
      sqsRecord(s3EventBody({ key: 'a.txt' }), 'ok-1'),
      sqsRecord(s3EventBody({ key: 'slow.txt' }), 'throttled'),
      sqsRecord(testEventBody(), 'test'),
    ];
    expect(await handler({ Records: records }, lambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: 'throttled' }] });
  });

  it('lists every record when the whole batch fails (never an empty list)', async () => {
    const { dynamodb, handler } = setup();
    dynamodb.on(PutItemCommand).rejects(serviceError('InternalServerError', 500));
    const records = ['a', 'b', 'c'].map((id) => sqsRecord(s3EventBody({ key: id }), id));
    expect(await handler({ Records: records }, lambdaContext())).toEqual({
      batchItemFailures: [{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }, { itemIdentifier: 'c' }],
    });
  });

  it('retries (never skips) when HeadObject fails with anything but 404', async () => {
    const { s3, handler } = setup();
    s3.on(HeadObjectCommand).rejects(serviceError('AccessDenied', 403));
    expect(await handler({ Records: [sqsRecord(s3EventBody(), 'm')] }, lambdaContext())).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm' }],
    });
  });

  it('reports a 403 from HeadObject as a permissions problem, and retries it', async () => {
    // Prepare
    const captured = capturedObservability();
    const mocks = mockedClients();
    mocks.s3.on(HeadObjectCommand).rejects(serviceError('Forbidden', 403));
    const handler = createProcessorHandler({ env: PROCESSOR_ENV, clients: mocks.clients, observability: captured.observability });
    // Act
    const response = await handler({ Records: [sqsRecord(s3EventBody({ key: 'secret.txt' }), 'm')] }, lambdaContext());
    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
    expect(captured.logs.find((l) => l.message === LogMessage.ACCESS_DENIED)).toMatchObject({ level: 'error' });
    expect(captured.totals()).toMatchObject({ [MetricName.ACCESS_DENIED]: 1, [MetricName.TRANSIENT_FAILURES]: 1 });
  });

  it('reports DynamoDB’s AccessDeniedException as a permissions problem too, and retries it', async () => {
    // Prepare
    const captured = capturedObservability();
    const mocks = mockedClients();
    mocks.s3.on(HeadObjectCommand).resolves({ ContentType: 'text/plain', ContentLength: 1 });
    mocks.dynamodb.on(PutItemCommand).rejects(serviceError('AccessDeniedException', 400));
    const handler = createProcessorHandler({ env: PROCESSOR_ENV, clients: mocks.clients, observability: captured.observability });
    // Act
    const response = await handler({ Records: [sqsRecord(s3EventBody({ key: 'a.txt' }), 'm')] }, lambdaContext());
    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
    expect(captured.totals()).toMatchObject({ [MetricName.ACCESS_DENIED]: 1, [MetricName.TRANSIENT_FAILURES]: 1 });
  });

  it('acknowledges a missing object without writing', async () => {
    const { s3, dynamodb, invoke } = setup();
    s3.on(HeadObjectCommand).rejects(serviceError('NotFound', 404));
    expect(await invoke(s3EventBody())).toEqual({ batchItemFailures: [] });
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  it('sends poison to the DLQ with its reason as message attributes, and acknowledges it', async () => {
    const { sqs, handler } = setup();
    const response = await handler({ Records: [sqsRecord('not json', 'poison-1')] }, lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    const input = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(input.QueueUrl).toBe(PROCESSOR_ENV.DEAD_LETTER_QUEUE_URL);
    expect(input.MessageBody).toBe('not json');
    expect(input.MessageAttributes).toMatchObject({
      reason: { DataType: 'String', StringValue: 'malformed-json' },
      source: { DataType: 'String', StringValue: 'processor' },
      source_message_id: { DataType: 'String', StringValue: 'poison-1' },
    });
  });

  it('reports a poison record as failed when the DLQ send fails', async () => {
    const { sqs, handler } = setup();
    sqs.on(SendMessageCommand).rejects(serviceError('ServiceUnavailable', 503));
    expect(await handler({ Records: [sqsRecord('not json', 'p')] }, lambdaContext())).toEqual({
      batchItemFailures: [{ itemIdentifier: 'p' }],
    });
  });

  it('stores pusher messages without HeadObject', async () => {
    const { s3, dynamodb, invoke } = setup();
    await invoke(JSON.stringify(pusherMessage({ contentType: 'text/csv' })));
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
    expect(dynamodb.commandCalls(PutItemCommand)[0]!.args[0].input.Item!.content_type).toEqual({ S: 'text/csv' });
  });

  it('marks deletions with a conditional UpdateItem', async () => {
    const { dynamodb, invoke } = setup();
    dynamodb.on(UpdateItemCommand).resolves({});
    await invoke(s3EventBody({ key: 'a.txt', eventName: 'ObjectRemoved:DeleteMarkerCreated' }));
    const input = dynamodb.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(input.Key).toEqual({ s3_key: { S: 'a.txt' }, bucket: { S: 'uploads' } });
    expect(input.UpdateExpression).toContain('#deleted = :deleted');
    expect(input.ExpressionAttributeValues![':deleted']).toEqual({ BOOL: true });
    expect(input.ConditionExpression).toContain('#o < :o');
    // A real removal supersedes a backfill's time for the key.
    expect(input.UpdateExpression).toMatch(/ REMOVE backfill_last_modified$/);
  });

  it('runs at most RECORD_CONCURRENCY records at once', async () => {
    const { dynamodb, handler } = setup({ RECORD_CONCURRENCY: '2' });
    let active = 0;
    let peak = 0;
    dynamodb.on(PutItemCommand).callsFake(async () => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 2));
      active--;
      return {};
    });
    await handler({ Records: Array.from({ length: 12 }, (_, i) => sqsRecord(s3EventBody({ key: `k${i}` }))) }, lambdaContext());
    expect(peak).toBe(2);
  });

  it('refuses to start with a missing or invalid environment, naming every variable', () => {
    expect(() =>
      createProcessorHandler({ env: { RECORD_CONCURRENCY: 'lots', HANDLE_DELETES: 'yes', DEAD_LETTER_QUEUE_URL: 'queue' } }),
    ).toThrow(
      'Invalid Lambda environment: TABLE_NAME is required; DEAD_LETTER_QUEUE_URL must be an http(s) URL (got "queue"); ' +
        'RECORD_CONCURRENCY must be an integer from 1 to 100 (got "lots"); HANDLE_DELETES must be "true" or "false" (got "yes")',
    );
  });
});

describe('processor telemetry contract', () => {
  function observed() {
    const captured = capturedObservability('FileIngestion/ingest-test', 'processor');
    const mocks = mockedClients();
    mocks.s3.on(HeadObjectCommand).resolves({ ContentType: 'text/plain', ContentLength: 1 });
    mocks.sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    const handler = createProcessorHandler({ env: PROCESSOR_ENV, clients: mocks.clients, observability: captured.observability });
    return { ...captured, ...mocks, handler };
  }

  it('emits one EMF document per invocation in the configured namespace, dimensioned by service', async () => {
    // Prepare
    const { handler, dynamodb, emitted, totals } = observed();
    dynamodb.on(PutItemCommand).resolves({});
    // Act
    await handler(
      { Records: [sqsRecord(s3EventBody({ key: 'a' })), sqsRecord(s3EventBody({ key: 'b' })), sqsRecord(testEventBody())] },
      lambdaContext(),
    );
    // Assess
    expect(emitted).toHaveLength(1);
    expect(emitted[0]!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'FileIngestion/ingest-test', Dimensions: [['service']] });
    expect(emitted[0]!.service).toBe('processor');
    expect(totals()).toEqual({ [MetricName.OBJECTS_STORED]: 2, [MetricName.END_TO_END_LATENCY]: 2, [MetricName.TEST_EVENTS]: 1 });
  });

  it('counts poison, duplicates and transient failures under their contract names', async () => {
    // Prepare
    const { handler, dynamodb, totals, logs } = observed();
    dynamodb.on(PutItemCommand).callsFake((input) => {
      if (input.Item.s3_key.S === 'dup') throw new ConditionalCheckFailedException({ message: 'no', $metadata: {} });
      throw serviceError('ThrottlingException', 400);
    });
    // Act
    await handler(
      { Records: [sqsRecord('{"Records": ['), sqsRecord(s3EventBody({ key: 'dup' })), sqsRecord(s3EventBody({ key: 'slow' }))] },
      lambdaContext(),
    );
    // Assess
    expect(totals()).toEqual({ [MetricName.POISON_MESSAGES]: 1, [MetricName.DUPLICATES]: 1, [MetricName.TRANSIENT_FAILURES]: 1 });
    expect(logs.map((l) => l.message)).toEqual(
      expect.arrayContaining([LogMessage.POISON_DEAD_LETTERED, LogMessage.BATCH_PROCESSED, LogMessage.TRANSIENT_FAILURE]),
    );
    const batch = logs.find((l) => l.message === LogMessage.BATCH_PROCESSED)!;
    expect(batch).toMatchObject({ level: 'info', fields: { records: 3, failed: 1 } });
    expect(batch.fields[LogField.OUTCOMES]).toEqual([
      expect.objectContaining({
        [LogField.STATUS]: 'duplicate',
        [LogField.KEY]: 'dup',
        [LogField.BUCKET]: 'uploads',
        [LogField.MESSAGE_ID]: expect.any(String),
      }),
    ]);
  });

  it('counts backfilled objects apart, without an end-to-end latency (no event started them)', async () => {
    // Prepare
    const { handler, dynamodb, totals, logs } = observed();
    dynamodb.on(UpdateItemCommand).resolves({});
    const body = JSON.stringify({
      type: 'ingest.backfill.v1',
      bucket: 'uploads',
      key: 'old.txt',
      size: 1,
      contentType: 'text/plain',
      lastModified: '2020-01-01T00:00:00Z',
    });
    // Act
    await handler({ Records: [sqsRecord(body)] }, lambdaContext());
    // Assess
    expect(totals()).toEqual({ [MetricName.OBJECTS_BACKFILLED]: 1 });
    expect(logs.find((l) => l.message === LogMessage.BATCH_PROCESSED)!.fields[LogField.OUTCOMES]).toEqual([
      expect.objectContaining({ [LogField.STATUS]: 'backfilled', [LogField.KEY]: 'old.txt' }),
    ]);
  });

  it('logs one INFO line per invocation (per 100 records), not one per record; per-record lines only at DEBUG', async () => {
    // Prepare
    const { handler, logs } = observed();
    const records = Array.from({ length: 250 }, (_, i) => sqsRecord(s3EventBody({ key: `k${i}.txt` }), `m${i}`));
    // Act
    await handler({ Records: records }, lambdaContext());
    // Assess
    const infos = logs.filter((l) => l.level === 'info');
    expect(infos.map((l) => l.message)).toEqual([LogMessage.BATCH_PROCESSED, LogMessage.BATCH_PROCESSED, LogMessage.BATCH_PROCESSED]);
    expect(infos.map((l) => (l.fields[LogField.OUTCOMES] as unknown[]).length)).toEqual([100, 100, 50]);
    const keys = infos.flatMap((l) => (l.fields[LogField.OUTCOMES] as Array<Record<string, unknown>>).map((o) => o[LogField.KEY]));
    expect(new Set(keys).size).toBe(250);
    expect(logs.filter((l) => l.level === 'debug' && l.message === LogMessage.OBJECT_PROCESSED)).toHaveLength(250);
  });
});
