import type { PusherFilters } from '../../../src/core/filters';
import type { OutgoingMessage, QueueSender } from '../../../src/core/ports';
import { makePusher } from '../../../src/core/push-objects';
import { MemoryDeadLetters, MemoryObjects } from '../../helpers/fakes';
import { s3EventRecord, type S3RecordOptions } from '../../helpers/factories';

class FlakySender implements QueueSender {
  public readonly calls: OutgoingMessage[][] = [];
  public readonly delivered: OutgoingMessage[] = [];
  /** Ids to refuse, each as many times as listed. */
  public refuse: string[] = [];
  public throwNext = 0;

  public async sendBatch(messages: OutgoingMessage[]): Promise<{ failedIds: string[] }> {
    this.calls.push(messages);
    if (this.throwNext > 0) {
      this.throwNext--;
      throw new Error('network');
    }
    const failedIds: string[] = [];
    for (const m of messages) {
      const i = this.refuse.indexOf(m.id);
      if (i >= 0) {
        this.refuse.splice(i, 1);
        failedIds.push(m.id);
      } else this.delivered.push(m);
    }
    return { failedIds };
  }
}

const NO_FILTERS: PusherFilters = { ignoredPrefixes: [], ignoredSuffixes: [], allowedContentTypes: [], maxSizeBytes: 0 };
const event = (...records: S3RecordOptions[]) => ({ Records: records.map(s3EventRecord) });

function setup(filters: Partial<PusherFilters> = {}, handleDeletes = false) {
  const objects = new MemoryObjects();
  const sender = new FlakySender();
  const deadLetters = new MemoryDeadLetters();
  const sleeps: number[] = [];
  const push = makePusher({
    objects,
    sender,
    deadLetters,
    filters: { ...NO_FILTERS, ...filters },
    handleDeletes,
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { objects, sender, deadLetters, push, sleeps };
}

describe('makePusher', () => {
  it('enriches objects with HeadObject data and enqueues them with decoded keys', async () => {
    const { objects, sender, push } = setup();
    objects.put('uploads', 'a b+c.txt', { contentType: 'text/csv', size: 5, metadata: { owner: 'ana' }, etag: '"x"' });
    const summary = await push(event({ key: 'a b+c.txt', size: 5, versionId: 'v9' }));
    expect(summary.enqueued).toEqual([{ key: 'a b+c.txt', bucket: 'uploads' }]);
    expect(JSON.parse(sender.delivered[0]!.body)).toEqual({
      type: 'ingest.object.v1',
      bucket: 'uploads',
      key: 'a b+c.txt',
      eventName: 'ObjectCreated:Put',
      eventTime: '2026-11-27T10:00:00.000Z',
      sequencer: '0055AED6DCD90281E5',
      size: 5,
      etag: 'd41d8cd98f00b204e9800998ecf8427e',
      versionId: 'v9',
      contentType: 'text/csv',
      metadata: { owner: 'ana' },
    });
  });

  it('rejects by key before HeadObject, then by content type and size, with reasons', async () => {
    const { objects, sender, push } = setup({
      ignoredPrefixes: ['tmp/'],
      ignoredSuffixes: ['.part'],
      allowedContentTypes: ['image/*'],
      maxSizeBytes: 100,
    });
    objects.put('uploads', 'doc.txt', { contentType: 'text/plain' });
    objects.put('uploads', 'big.png', { contentType: 'image/png', size: 101 });
    objects.put('uploads', 'ok.png', { contentType: 'image/png; q=1', size: 100 });
    const summary = await push(
      event({ key: 'tmp/x.png' }, { key: 'y.png.part' }, { key: 'doc.txt' }, { key: 'big.png' }, { key: 'ok.png' }, { key: 'gone.png' }),
    );
    expect(summary.rejected).toEqual([
      { key: 'tmp/x.png', bucket: 'uploads', reason: 'ignored-prefix' },
      { key: 'y.png.part', bucket: 'uploads', reason: 'ignored-suffix' },
      { key: 'doc.txt', bucket: 'uploads', reason: 'content-type-not-allowed' },
      { key: 'big.png', bucket: 'uploads', reason: 'too-large' },
      { key: 'gone.png', bucket: 'uploads', reason: 'object-missing' },
    ]);
    expect(summary.enqueued).toEqual([{ key: 'ok.png', bucket: 'uploads' }]);
    expect(objects.calls).toBe(4);
    expect(sender.delivered).toHaveLength(1);
  });

  it('sends in chunks of 10 and retries only the entries that failed', async () => {
    const { objects, sender, push, sleeps } = setup();
    const records = Array.from({ length: 23 }, (_, i) => ({ key: `k${i}` }));
    records.forEach((r) => {
      objects.put('uploads', r.key);
    });
    sender.refuse = ['3', '15', '15'];
    const summary = await push(event(...records));
    expect(summary.enqueued).toHaveLength(23);
    expect(sender.calls.map((c) => c.length)).toEqual([10, 10, 3, 2, 1]);
    expect(sender.calls[3]!.map((m) => m.id)).toEqual(['3', '15']);
    expect(new Set(sender.delivered.map((m) => m.id)).size).toBe(23);
    expect(sleeps).toEqual([50, 100]);
  });

  it('fails the invocation when entries still fail after every attempt', async () => {
    const { objects, sender, push } = setup();
    objects.put('uploads', 'a');
    objects.put('uploads', 'b');
    sender.refuse = ['1', '1', '1'];
    await expect(push(event({ key: 'a' }, { key: 'b' }))).rejects.toMatchObject({ name: 'EnqueueError', failedKeys: ['b'] });
  });

  it('retries a whole chunk when the call itself throws', async () => {
    const { objects, sender, push } = setup();
    objects.put('uploads', 'a');
    sender.throwNext = 1;
    expect((await push(event({ key: 'a' }))).enqueued).toHaveLength(1);
    expect(sender.calls).toHaveLength(2);
  });

  it('sends undecodable records to the DLQ and still enqueues the good ones', async () => {
    const { objects, deadLetters, push } = setup();
    objects.put('uploads', 'good');
    const summary = await push(event({ key: 'good' }, { rawKey: '%E0%A4%A' }));
    expect(summary.enqueued).toHaveLength(1);
    expect(summary.poison).toEqual([{ reason: 'undecodable-key', detail: expect.any(String) }]);
    expect(JSON.parse(deadLetters.sent[0]!.body).Records[0].s3.object.key).toBe('%E0%A4%A');
  });

  it('dead-letters a poison record once, however often Lambda retries the event', async () => {
    // Prepare: the good record cannot be enqueued on the first invocation
    const { objects, sender, deadLetters, push } = setup();
    objects.put('uploads', 'good');
    sender.refuse = ['0', '0', '0'];
    const e = event({ key: 'good' }, { rawKey: '%E0%A4%A' });
    // Act
    await expect(push(e)).rejects.toMatchObject({ name: 'EnqueueError' });
    const afterFailure = deadLetters.sent.length;
    await push(e); // Lambda's retry
    // Assess
    expect(afterFailure).toBe(0);
    expect(deadLetters.sent).toHaveLength(1);
    expect(sender.delivered.map((m) => JSON.parse(m.body).key)).toEqual(['good']);
  });

  it('ignores tagging records (no sequencer) instead of dead-lettering them', async () => {
    const { deadLetters, push } = setup();
    const tagging = { ...s3EventRecord({ key: 'a', eventName: 'ObjectTagging:Put' }), eventVersion: '2.3' } as unknown as {
      s3: { object: Record<string, unknown> };
    };
    delete tagging.s3.object.sequencer;
    const summary = await push({ Records: [tagging] });
    expect(summary.rejected).toEqual([{ key: 'a', bucket: 'uploads', reason: 'event-type-not-handled' }]);
    expect(deadLetters.sent).toEqual([]);
  });

  it('dead-letters an event with no records, and accepts a test event', async () => {
    const { deadLetters, push } = setup();
    expect((await push({ hello: 1 })).poison).toHaveLength(1);
    expect(deadLetters.sent[0]).toMatchObject({ code: 'not-an-s3-event' });
    expect((await push({ Service: 'Amazon S3', Event: 's3:TestEvent' })).testEvent).toBe(true);
  });

  it('forwards removals only when deletes are handled: a delete marker as is, others with what S3 says is current', async () => {
    // Prepare
    const off = setup({}, false);
    const on = setup({}, true);
    on.objects.put('uploads', 'restored', { versionId: 'v1', size: 5 });
    // Act
    const ignored = await off.push(event({ key: 'a', eventName: 'ObjectRemoved:Delete' }));
    const marker = await on.push(event({ key: 'a', eventName: 'ObjectRemoved:DeleteMarkerCreated' }));
    const callsAfterMarker = on.objects.calls;
    const gone = await on.push(event({ key: 'gone', eventName: 'ObjectRemoved:Delete' }));
    const restored = await on.push(event({ key: 'restored', eventName: 'ObjectRemoved:Delete', versionId: 'marker-1' }));
    // Assess
    expect(ignored.rejected).toEqual([{ key: 'a', bucket: 'uploads', reason: 'event-type-not-handled' }]);
    expect(marker.enqueued).toHaveLength(1);
    expect(callsAfterMarker).toBe(0);
    expect(gone.enqueued).toHaveLength(1);
    const bodies = on.sender.delivered.map((m) => JSON.parse(m.body));
    expect(bodies).toEqual([
      expect.objectContaining({ key: 'a', state: 'deleted' }),
      expect.objectContaining({ key: 'gone', state: 'deleted' }),
      expect.objectContaining({ key: 'restored', state: 'live', versionId: 'v1', size: 5, contentType: 'text/plain' }),
    ]);
    expect(restored.enqueued).toHaveLength(1);
  });
});
