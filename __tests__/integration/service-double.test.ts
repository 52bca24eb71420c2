import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { compileCondition, startServiceDouble, type ServiceDouble } from '../../bench/lib/service-double';
import { LOCAL_CREDENTIALS } from '../../local/local-clients';
import { createProcessorHandler } from '../../src/app/processor-app';
import { PROCESSOR_ENV } from '../helpers/aws-mocks';
import { lambdaContext, pusherMessage, sqsRecord } from '../helpers/factories';

/** The bench's service double keeps the meaning of what the handlers ask, or its figures would flatter them. */
describe('bench service double', () => {
  let double: ServiceDouble;
  let clients: { s3: S3Client; sqs: SQSClient; dynamodb: DynamoDBClient };
  beforeAll(async () => {
    double = await startServiceDouble(0);
    const base = { region: 'eu-west-1', endpoint: double.url, credentials: LOCAL_CREDENTIALS };
    clients = {
      s3: new S3Client({ ...base, forcePathStyle: true }),
      sqs: new SQSClient({ ...base, useQueueUrlAsEndpoint: false }),
      dynamodb: new DynamoDBClient(base),
    };
  });
  afterAll(async () => {
    Object.values(clients).forEach((c) => {
      c.destroy();
    });
    await double.close();
  });

  it('evaluates the handlers’ condition expressions as DynamoDB does', () => {
    const c = compileCondition('attribute_not_exists(#k) OR (#o < :o AND NOT #b > :t)');
    const names = { '#k': 's3_key', '#o': 'ordering_key', '#b': 'backfill_last_modified' };
    const values = { ':o': { S: '0002' }, ':t': { S: '2026-01-02' } };
    expect(c(undefined, names, values)).toBe(true);
    expect(c({ s3_key: { S: 'k' }, ordering_key: { S: '0001' } }, names, values)).toBe(true);
    expect(c({ s3_key: { S: 'k' }, ordering_key: { S: '0003' } }, names, values)).toBe(false);
    expect(c({ s3_key: { S: 'k' }, ordering_key: { S: '0001' }, backfill_last_modified: { S: '2026-01-03' } }, names, values)).toBe(false);
    expect(c({ s3_key: { S: 'k' }, ordering_key: { S: '0001' }, backfill_last_modified: { S: '2026-01-01' } }, names, values)).toBe(true);
  });

  it('keeps conditional writes in its map: a failed condition is ConditionalCheckFailedException', async () => {
    const put = (order: string) =>
      clients.dynamodb.send(
        new PutItemCommand({
          TableName: 't',
          Item: { s3_key: { S: 'a' }, bucket: { S: 'b' }, ordering_key: { S: order } },
          ConditionExpression: 'attribute_not_exists(#k) OR #o < :o',
          ExpressionAttributeNames: { '#k': 's3_key', '#o': 'ordering_key' },
          ExpressionAttributeValues: { ':o': { S: order } },
        }),
      );
    await put('0002');
    await expect(put('0001')).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await put('0003');
    const item = await clients.dynamodb.send(new GetItemCommand({ TableName: 't', Key: { s3_key: { S: 'a' }, bucket: { S: 'b' } } }));
    expect(item.Item!.ordering_key).toEqual({ S: '0003' });
  });

  it('answers HeadObject and SendMessageBatch, and counts trace datagrams', async () => {
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'x/y.txt' }));
    expect(head).toMatchObject({ ContentType: 'text/plain', ContentLength: 12 });
    const sent = await clients.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: `${double.url}/123456789012/q`, Entries: [{ Id: '0', MessageBody: 'x' }] }),
    );
    expect(sent.Successful).toHaveLength(1);
    expect(double.xrayDaemon).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('runs the real processor: stores, then treats the replay as a duplicate', async () => {
    const handler = createProcessorHandler({ env: PROCESSOR_ENV, clients });
    const body = JSON.stringify(pusherMessage({ key: 'doubled.txt' }));
    const before = double.stats().conditionalFailures;
    expect(await handler({ Records: [sqsRecord(body, 'one')] } as SQSEvent, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await handler({ Records: [sqsRecord(body, 'two')] } as SQSEvent, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(double.stats().conditionalFailures).toBe(before + 1);
  });
});
