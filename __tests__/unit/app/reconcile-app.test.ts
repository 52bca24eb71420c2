import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createReconcileHandler } from '../../../src/app/reconcile-app';
import { capturedObservability } from '../../helpers/observability';
import { mockedClients, serviceError } from '../../helpers/aws-mocks';
import { lambdaContext } from '../../helpers/factories';

const ENV = {
  TABLE_NAME: 'ingest-test-objects',
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/ingest-test-ingest',
  BUCKET_NAME: 'amzn-s3-demo-source-bucket',
  HANDLE_DELETES: 'true',
  INGEST_SCOPE: JSON.stringify({ prefix: '', suffix: '', pusher: null, minSizeBytes: 0, maxSizeBytes: 0 }),
};
const SAMPLES = join(__dirname, '..', '..', 'fixtures', 'aws-samples');

function setup() {
  const mocks = mockedClients();
  const { observability, logs } = capturedObservability('FileIngestion/test', 'reconcile');
  mocks.dynamodb.on(BatchGetItemCommand).resolves({ Responses: { [ENV.TABLE_NAME]: [] } });
  mocks.s3
    .on(HeadObjectCommand)
    .resolves({ ContentType: 'text/csv', ContentLength: 3399671, ETag: '"e"', LastModified: new Date('2022-11-16T00:29:32Z') });
  mocks.sqs
    .on(SendMessageBatchCommand)
    .callsFake((input) => ({ Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] }));
  const handler = createReconcileHandler({ env: ENV, clients: mocks.clients, observability });
  return { ...mocks, handler, logs };
}

describe('reconcile handler', () => {
  it("takes a batch of the Step Functions guide's inventory items and backfills the missing object through the queue", async () => {
    const { handler, dynamodb, sqs, logs } = setup();
    const item = JSON.parse(readFileSync(join(SAMPLES, 'stepfunctions-inventory-child-input.json'), 'utf8'));
    const result = await handler(
      { Items: [item], BatchInput: { pass: 'objects', backfill: true, prefix: '' } },
      lambdaContext('reconcile'),
    );
    expect(result).toMatchObject({
      pass: 'objects',
      counts: { rows: 1, objects: 1, missing: 1, sent: 1 },
      missing: ['csvDataset/titles.csv'],
    });
    const get = dynamodb.commandCalls(BatchGetItemCommand)[0]!.args[0].input;
    expect(get.RequestItems![ENV.TABLE_NAME]!.Keys).toEqual([{ s3_key: { S: 'csvDataset/titles.csv' }, bucket: { S: ENV.BUCKET_NAME } }]);
    const sent = JSON.parse(sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!.MessageBody!);
    expect(sent).toMatchObject({ type: 'ingest.backfill.v1', key: 'csvDataset/titles.csv', size: 3399671, contentType: 'text/csv' });
    expect(logs.find((l) => l.message === 'Reconcile batch')?.fields).toMatchObject({ pass: 'objects', counts: { missing: 1 } });
  });

  it('fails the invocation (for the map to retry) on a throttled lookup, and on what is not a batch', async () => {
    const { handler, dynamodb } = setup();
    dynamodb.on(BatchGetItemCommand).rejects(serviceError('ProvisionedThroughputExceededException', 400));
    const batch = { Items: [{ Key: 'k', Size: 1 }], BatchInput: { pass: 'objects', backfill: false, prefix: '' } };
    await expect(handler(batch, lambdaContext('reconcile'))).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    await expect(handler({ Records: [] }, lambdaContext('reconcile'))).rejects.toThrow('not a reconcile batch: Items is not an array');
  });

  it('refuses to start without its table, queue and bucket, or with a scope it cannot read', () => {
    expect(() => createReconcileHandler({ env: { ...ENV, TABLE_NAME: '', BUCKET_NAME: '', INGEST_SCOPE: '{"prefix":1}' } })).toThrow(
      'Invalid Lambda environment: TABLE_NAME is required; BUCKET_NAME is required; INGEST_SCOPE must be JSON {prefix, suffix, pusher, minSizeBytes, maxSizeBytes} (got "{"prefix":1}")',
    );
  });
});
