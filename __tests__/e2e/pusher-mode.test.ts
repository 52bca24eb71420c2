import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { startLocalPipeline, type LocalPipeline } from '../../local/local-pipeline';
import { buildReport, scanItems } from '../../local/run-report';
import { main as dlqCli } from '../../tools/commands/dlq';
import { makeConfig } from '../helpers/factories';
import { tempDataDir, expectNoDenials } from '../helpers/local-env';
import { eventually } from '../helpers/wait';
import { OutageProxy } from '../helpers/outage-proxy';

describe('local pipeline, pusher mode, end to end', () => {
  const data = tempDataDir();
  let pipeline: LocalPipeline;

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      config: makeConfig({
        mode: 'pusher',
        filters: {
          prefix: 'incoming/',
          ignoredPrefixes: ['incoming/tmp/'],
          allowedContentTypes: ['text/*', 'image/png'],
          maxSizeBytes: 100,
        },
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
    const report = await buildReport(
      pipeline,
      uploads.map((u) => ({ key: u.key, size: u.body.length })),
      [],
      [],
    );
    expect(Object.fromEntries(report.objects.map((o) => [o.key, [o.outcome, o.reason]]))).toEqual({
      'incoming/notes today.txt': ['stored', undefined],
      'incoming/pic+1.png': ['stored', undefined],
      'incoming/tmp/partial.txt': ['rejected', 'ignored-prefix'],
      'incoming/doc.pdf': ['rejected', 'content-type-not-allowed'],
      'incoming/big.txt': ['rejected', 'too-large'],
      'elsewhere/ignored.txt': ['filtered', "outside the notification's prefix/suffix filter"],
    });
    expect(report.items.find((i) => i.s3_key === 'incoming/pic+1.png')).toMatchObject({ content_type: 'image/png', file_size: 3 });
  }, 60_000);

  // Last: after everything the suite made the pipeline do.
  it('made no call the synthesized policies deny (IAM enforced, as on AWS)', () => expectNoDenials(pipeline), 60_000);
});

describe('local pipeline, pusher mode: failed events are parked and replayed', () => {
  const data = tempDataDir();
  const outage = new OutageProxy();
  let pipeline: LocalPipeline;

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      // No async retries: an event that fails once goes straight to the failure queue.
      config: makeConfig({ mode: 'pusher', pusher: { maxRetryAttempts: 0 } }),
      dataDir: data.dir,
      functionEndpoints: async (e) => ({ s3: await outage.start(e.s3) }),
    });
  }, 60_000);

  afterAll(async () => {
    await pipeline?.stop();
    await outage.stop();
    data.cleanup();
  });

  it('an event the pusher failed on during an S3 outage ends as an item after `npm run dlq -- replay`', async () => {
    // Prepare: S3 is down for the pusher while the object is uploaded
    outage.down = true;
    await pipeline.upload('during outage.txt', 'written while S3 was failing', 'text/plain');
    const parked = await eventually(
      async () => {
        const attrs = await pipeline.clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: pipeline.resources.pusherFailureQueueUrl!,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        );
        return Number(attrs.Attributes?.ApproximateNumberOfMessages) === 1 ? true : undefined;
      },
      30_000,
      'the failed event in the pusher failure queue',
    );
    expect(parked).toBe(true);
    expect((await scanItems(pipeline)).map((i) => i.s3_key)).not.toContain('during outage.txt');
    expect(outage.refused).toBeGreaterThan(0);
    // Act: the outage ends; the operator replays
    outage.down = false;
    const printed: string[] = [];
    const code = await dlqCli(
      ['replay', '--env', pipeline.config.environment, '--local', '--data-dir', data.dir],
      (s) => void printed.push(s),
    );
    await pipeline.waitForDrain(30_000);
    // Assess
    expect(code).toBe(0);
    expect(printed.join('')).toContain('Replayed 1 failed event(s) through ingest-test-pusher.');
    expect((await scanItems(pipeline)).find((i) => i.s3_key === 'during outage.txt')).toMatchObject({
      content_type: 'text/plain',
      file_size: 28,
    });
    const left = await pipeline.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: pipeline.resources.pusherFailureQueueUrl!,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(left.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  }, 90_000);
});
