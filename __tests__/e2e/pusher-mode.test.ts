import { startLocalPipeline, type LocalPipeline } from '../../local/local-pipeline';
import { buildReport } from '../../local/run-report';
import { makeConfig } from '../helpers/factories';
import { tempDataDir } from '../helpers/local-env';

describe('local pipeline, pusher mode, end to end', () => {
  const data = tempDataDir();
  let pipeline: LocalPipeline;

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      config: makeConfig({
        mode: 'pusher',
        filters: { prefix: 'incoming/', ignoredPrefixes: ['incoming/tmp/'], allowedContentTypes: ['text/*', 'image/png'], maxSizeBytes: 100 },
      }),
      dataDir: data.dir,
    });
  }, 60_000);

  afterAll(async () => {
    await pipeline?.stop();
    data.cleanup();
  });

  it('stores what passes the filters and reports each rejection with its reason', async () => {
    const uploads = [
      { key: 'incoming/notes today.txt', body: 'hello', type: 'text/plain' },
      { key: 'incoming/pic+1.png', body: 'png', type: 'image/png' },
      { key: 'incoming/tmp/partial.txt', body: 'x', type: 'text/plain' },
      { key: 'incoming/doc.pdf', body: 'pdf', type: 'application/pdf' },
      { key: 'incoming/big.txt', body: 'x'.repeat(101), type: 'text/plain' },
      { key: 'elsewhere/ignored.txt', body: 'x', type: 'text/plain' },
    ];
    for (const u of uploads) await pipeline.upload(u.key, u.body, u.type);
    await pipeline.waitForDrain(30_000);
    const report = await buildReport(pipeline, uploads.map((u) => ({ key: u.key, size: u.body.length })), [], []);
    expect(Object.fromEntries(report.objects.map((o) => [o.key, [o.outcome, o.reason]]))).toEqual({
      'incoming/notes today.txt': ['stored', undefined],
      'incoming/pic+1.png': ['stored', undefined],
      'incoming/tmp/partial.txt': ['rejected', 'ignored-prefix'],
      'incoming/doc.pdf': ['rejected', 'content-type-not-allowed'],
      'incoming/big.txt': ['rejected', 'too-large'],
      'elsewhere/ignored.txt': ['filtered', 'outside the notification prefix/suffix filter'],
    });
    expect(report.items.find((i) => i.s3_key === 'incoming/pic+1.png')).toMatchObject({ content_type: 'image/png', file_size: 3 });
  }, 60_000);
});
