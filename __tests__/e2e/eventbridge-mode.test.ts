import { startLocalPipeline, type LocalPipeline } from '../../local/local-pipeline';
import { buildReport, scanItems } from '../../local/run-report';
import { makeConfig } from '../helpers/factories';
import { tempDataDir, expectNoDenials } from '../helpers/local-env';

describe('local pipeline, eventbridge mode, end to end', () => {
  const data = tempDataDir();
  let pipeline: LocalPipeline;

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      config: makeConfig({ mode: 'eventbridge', handleDeletes: true, filters: { prefix: 'in/', minSizeBytes: 2, maxSizeBytes: 100 } }),
      dataDir: data.dir,
    });
  }, 60_000);

  afterAll(async () => {
    await pipeline?.stop();
    data.cleanup();
  });

  it('delivers what the rule’s pattern matches, keys with spaces, + and unicode decoded, and reports the rest as filtered', async () => {
    // Prepare
    const uploads = [
      { key: 'in/red flower.jpg', body: 'flowers' },
      { key: 'in/a+b=c.csv', body: 'a,b,c' },
      { key: 'in/café/日本語.txt', body: 'こんにちは' },
      { key: 'in/tiny.txt', body: 'x' },
      { key: 'in/huge.txt', body: 'x'.repeat(101) },
      { key: 'out/elsewhere.txt', body: 'elsewhere' },
    ];
    // Act
    for (const u of uploads) await pipeline.upload(u.key, u.body, 'text/plain');
    await pipeline.waitForDrain(30_000);
    const report = await buildReport(
      pipeline,
      uploads.map((u) => ({ key: u.key, size: Buffer.byteLength(u.body) })),
      [],
      [],
    );
    // Assess
    expect(Object.fromEntries(report.objects.map((o) => [o.key, [o.outcome, o.reason]]))).toEqual({
      'in/red flower.jpg': ['stored', undefined],
      'in/a+b=c.csv': ['stored', undefined],
      'in/café/日本語.txt': ['stored', undefined],
      'in/tiny.txt': ['filtered', "outside the EventBridge rule's size filter"],
      'in/huge.txt': ['filtered', "outside the EventBridge rule's size filter"],
      'out/elsewhere.txt': ['filtered', "outside the EventBridge rule's prefix/suffix filter"],
    });
    expect(report.items.map((i) => i.s3_key).sort()).toEqual(['in/a+b=c.csv', 'in/café/日本語.txt', 'in/red flower.jpg']);
    expect(report.items.find((i) => i.s3_key === 'in/red flower.jpg')).toMatchObject({
      content_type: 'text/plain',
      file_size: 7,
      event_name: 'ObjectCreated:Put',
    });
    expect(report.dlq).toEqual([]);
  }, 60_000);

  it('marks a deleted object deleted through the rule’s "Object Deleted" events', async () => {
    await pipeline.clients.s3.send(
      new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({ Bucket: pipeline.resources.bucket, Key: 'in/red flower.jpg' }),
    );
    await pipeline.waitForDrain(30_000);
    const items = await scanItems(pipeline);
    expect(items.find((i) => i.s3_key === 'in/red flower.jpg')).toMatchObject({ deleted: true, event_name: 'ObjectRemoved:Delete' });
  }, 60_000);

  // Last: after everything the suite made the pipeline do.
  it('made no call the synthesized policies deny (IAM enforced, as on AWS)', () => expectNoDenials(pipeline), 60_000);
});
