import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { fromAttributeValues } from '../../src/adapters/attribute-values';
import { FaultProxy } from '../../local/fault-proxy';
import { startLocalPipeline, type LocalPipeline } from '../../local/local-pipeline';
import { buildReport } from '../../local/run-report';
import { makeConfig } from '../helpers/factories';
import { tempDataDir, expectNoDenials } from '../helpers/local-env';

const items = async (p: LocalPipeline) =>
  ((await p.clients.dynamodb.send(new ScanCommand({ TableName: p.resources.tableName }))).Items ?? []).map(fromAttributeValues);

describe('local pipeline, direct mode, end to end', () => {
  const data = tempDataDir();
  let pipeline: LocalPipeline;

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      config: makeConfig({ processor: { maxConcurrency: 2, batchSize: 10 } }),
      dataDir: data.dir,
    });
  }, 60_000);

  afterAll(async () => {
    await pipeline?.stop();
    data.cleanup();
  });

  it('stores objects whose keys need encoding, exactly as uploaded', async () => {
    const keys = ['red flower.jpg', 'a+b=c.csv', '100% done.md', 'café/日本語 ファイル.txt', 'nested/deeper/(x) [y] {z}.json', 'empty.txt'];
    for (const key of keys) await pipeline.upload(key, key === 'empty.txt' ? '' : `body of ${key}`, 'text/plain');
    await pipeline.waitForDrain(30_000);
    const stored = await items(pipeline);
    expect(stored.map((i) => i.s3_key).sort()).toEqual([...keys].sort());
    expect(stored.find((i) => i.s3_key === 'empty.txt')).toMatchObject({ file_size: 0, content_type: 'text/plain' });
    const report = await buildReport(
      pipeline,
      keys.map((key) => ({ key, size: 0 })),
      [],
      [],
    );
    expect(report.objects.every((o) => o.outcome === 'stored')).toBe(true);
  }, 60_000);

  it('dead-letters a poison message at once with its reason, and acknowledges S3’s test event', async () => {
    const id = await pipeline.injectMessage('{"Records": [{"eventSource": "aws:s3", "s3": ');
    await pipeline.waitForDrain(30_000);
    const report = await buildReport(pipeline, [], [{ name: 'poison', messageId: id }], []);
    expect(report.injected).toEqual([{ name: 'poison', messageId: id, outcome: 'dead-lettered', reason: 'malformed-json' }]);
    expect(report.dlq).toEqual([
      expect.objectContaining({ reason: 'malformed-json', source: 'processor', sourceMessageId: id, receiveCount: expect.any(Number) }),
    ]);
    expect(pipeline.outcomes.count('test-event')).toBe(1);
  }, 60_000);

  // Last: after everything the suite made the pipeline do.
  it('made no call the synthesized policies deny (IAM enforced, as on AWS)', () => expectNoDenials(pipeline), 60_000);
});

describe('local pipeline, transient failures and redrive', () => {
  const data = tempDataDir();
  let pipeline: LocalPipeline;
  let throttleKeys: (key: string | undefined) => boolean = () => false;
  const proxy = new FaultProxy({ shouldThrottle: (key) => throttleKeys(key) });
  const written = () => proxy.stats.written;
  let failedDeliveries = 0;

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      config: makeConfig({ processor: { maxConcurrency: 2, timeoutSeconds: 5 }, queue: { maxReceiveCount: 5 } }),
      dataDir: data.dir,
      sendTestEvent: false,
      functionEndpoints: async (e) => ({ dynamodb: await proxy.start(e.dynamodb) }),
      onBatch: (b) => (failedDeliveries += b.failed),
    });
  }, 60_000);

  afterAll(async () => {
    await pipeline?.stop();
    await proxy.stop();
    data.cleanup();
  });

  it('retries a throttled write through SQS and stores the object once', async () => {
    // Throttle until a batch has reported the record as failed (past the SDK's own retries), then let it through.
    throttleKeys = (key) => key === 'flaky.txt' && pipeline.outcomes.count('transient-failure') === 0;
    await pipeline.upload('flaky.txt', 'eventually', 'text/plain');
    await pipeline.waitForDrain(30_000);
    expect(pipeline.outcomes.count('transient-failure')).toBeGreaterThanOrEqual(1);
    expect((await items(pipeline)).filter((i) => i.s3_key === 'flaky.txt')).toHaveLength(1);
    const writes = [...written().entries()].filter(([id]) => id.startsWith('flaky.txt|'));
    expect(writes).toEqual([[expect.any(String), 1]]);
  }, 60_000);

  it('moves a message that keeps failing to the DLQ after maxReceiveCount receives', async () => {
    throttleKeys = (key) => key === 'doomed.txt';
    failedDeliveries = 0;
    await pipeline.upload('doomed.txt', 'never', 'text/plain');
    await pipeline.waitForDrain(60_000);
    const report = await buildReport(pipeline, [{ key: 'doomed.txt', size: 5 }], [], []);
    expect(report.objects[0]).toMatchObject({
      key: 'doomed.txt',
      outcome: 'dead-lettered',
      reason: expect.stringContaining('max-receives-exceeded'),
    });
    const dead = report.dlq.find((d) => d.keys.includes('doomed.txt'))!;
    expect(dead.receiveCount).toBeGreaterThanOrEqual(1);
    // Each receive was a failed delivery (an error or a timeout) until the redrive after maxReceiveCount = 5.
    expect(failedDeliveries).toBe(5);
  }, 90_000);
});
