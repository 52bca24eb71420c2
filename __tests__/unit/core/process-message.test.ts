import { makeMessageProcessor } from '../../../src/core/process-message';
import { MemoryDeadLetters, MemoryItems, MemoryObjects, throttlingError } from '../../helpers/fakes';
import { pusherMessage, s3EventBody, snsEnvelope, testEventBody } from '../../helpers/factories';

const NOW = new Date('2026-11-27T10:00:01.500Z');

function setup(handleDeletes = false) {
  const objects = new MemoryObjects();
  const items = new MemoryItems();
  const deadLetters = new MemoryDeadLetters();
  const process = makeMessageProcessor({ objects, items, deadLetters, handleDeletes, now: () => NOW });
  return { objects, items, deadLetters, process };
}

describe('makeMessageProcessor', () => {
  it('stores a direct-mode object with HeadObject’s content type and the event’s size', async () => {
    // Prepare
    const { objects, items, process } = setup();
    objects.put('uploads', 'my folder/a+b.txt', { contentType: 'image/png', size: 999 });
    // Act
    const outcomes = await process({ messageId: 'm1', body: s3EventBody({ key: 'my folder/a+b.txt', size: 0, versionId: 'v1' }) });
    // Assess
    expect(outcomes).toEqual([{ status: 'stored', key: 'my folder/a+b.txt', bucket: 'uploads', latencyMs: 1500 }]);
    expect(items.items.get('uploads/my folder/a+b.txt')).toEqual({
      s3_key: 'my folder/a+b.txt',
      bucket: 'uploads',
      content_type: 'image/png',
      file_size: 0,
      event_time: '2026-11-27T10:00:00.000Z',
      processed_at: '2026-11-27T10:00:01.500Z',
      message_id: 'm1',
      event_name: 'ObjectCreated:Put',
      sequencer: '0055AED6DCD90281E5',
      ordering_key: '0055AED6DCD90281E5'.padEnd(64, '0'),
      etag: 'd41d8cd98f00b204e9800998ecf8427e',
      version_id: 'v1',
    });
  });

  it('stores a pusher message without calling HeadObject', async () => {
    const { objects, items, process } = setup();
    await process({ messageId: 'm1', body: JSON.stringify(pusherMessage({ contentType: 'application/pdf', size: 7 })) });
    expect(objects.calls).toBe(0);
    expect(items.items.get('uploads/folder/file.txt')).toMatchObject({ content_type: 'application/pdf', file_size: 7 });
  });

  it('skips, with a reason, an object that no longer exists', async () => {
    const { items, process } = setup();
    expect(await process({ messageId: 'm1', body: s3EventBody({ key: 'gone.txt' }) })).toEqual([
      { status: 'skipped', key: 'gone.txt', bucket: 'uploads', reason: 'object-missing' },
    ]);
    expect(items.writes).toBe(0);
  });

  it('acknowledges and reports an s3:TestEvent without writing', async () => {
    const { items, process } = setup();
    expect(await process({ messageId: 'm1', body: testEventBody() })).toEqual([{ status: 'test-event' }]);
    expect(items.writes).toBe(0);
  });

  it('counts a redelivery as a duplicate and keeps the first write', async () => {
    const { objects, items, process } = setup();
    objects.put('uploads', 'a.txt');
    await process({ messageId: 'm1', body: s3EventBody({ key: 'a.txt' }) });
    expect(await process({ messageId: 'm2', body: s3EventBody({ key: 'a.txt' }) })).toEqual([
      { status: 'duplicate', key: 'a.txt', bucket: 'uploads' },
    ]);
    expect(items.items.get('uploads/a.txt')).toMatchObject({ message_id: 'm1' });
  });

  it('never lets an older event overwrite a newer one', async () => {
    const { objects, items, process } = setup();
    objects.put('uploads', 'a.txt');
    await process({ messageId: 'new', body: s3EventBody({ key: 'a.txt', sequencer: '0055AED6DCD90281F0', size: 2 }) });
    expect(await process({ messageId: 'old', body: s3EventBody({ key: 'a.txt', sequencer: '0055AED6DCD90281E5', size: 1 }) })).toEqual([
      { status: 'duplicate', key: 'a.txt', bucket: 'uploads' },
    ]);
    expect(items.items.get('uploads/a.txt')).toMatchObject({ message_id: 'new', file_size: 2 });
  });

  it.each([
    ['{not json', 'malformed-json'],
    ['{"foo":1}', 'not-an-s3-event'],
    [s3EventBody({ rawKey: '%E0%A4%A' }), 'undecodable-key'],
    [s3EventBody({ sequencer: 'not-hex' }), 'schema-violation'],
  ])('sends poison %j to the DLQ with reason %s and acknowledges it', async (body, reason) => {
    const { deadLetters, items, process } = setup();
    const outcomes = await process({ messageId: 'm1', body });
    expect(outcomes).toEqual([{ status: 'poison', reason, detail: expect.any(String) }]);
    expect(deadLetters.sent).toEqual([{ body, code: reason, detail: expect.any(String), sourceMessageId: 'm1' }]);
    expect(items.writes).toBe(0);
  });

  it('throws (transient) when the DLQ send fails, so the message is never dropped', async () => {
    const { deadLetters, process } = setup();
    deadLetters.failWith = new Error('SQS unavailable');
    await expect(process({ messageId: 'm1', body: 'garbage' })).rejects.toThrow('SQS unavailable');
  });

  it('throws (transient) on a throttled write', async () => {
    const { objects, items, process } = setup();
    objects.put('uploads', 'a.txt');
    items.failNext = { count: 1, error: throttlingError() };
    await expect(process({ messageId: 'm1', body: s3EventBody({ key: 'a.txt' }) })).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
    });
  });

  it('ignores ObjectRemoved events unless deletes are handled', async () => {
    const { items, process } = setup(false);
    expect(await process({ messageId: 'm1', body: s3EventBody({ key: 'a.txt', eventName: 'ObjectRemoved:Delete' }) })).toEqual([
      { status: 'ignored', key: 'a.txt', bucket: 'uploads', eventName: 'ObjectRemoved:Delete' },
    ]);
    expect(items.writes).toBe(0);
  });

  it('marks the item deleted on a newer ObjectRemoved event when S3 says the key is gone', async () => {
    // Prepare
    const { objects, items, process } = setup(true);
    objects.put('uploads', 'a.txt');
    await process({ messageId: 'm1', body: s3EventBody({ key: 'a.txt', sequencer: '0055AED6DCD9028100' }) });
    objects.heads.delete('uploads/a.txt');
    // Act
    const outcomes = await process({
      messageId: 'm2',
      body: s3EventBody({ key: 'a.txt', sequencer: '0055AED6DCD9028110', eventName: 'ObjectRemoved:Delete' }),
    });
    // Assess
    expect(outcomes).toEqual([{ status: 'deleted', key: 'a.txt', bucket: 'uploads', latencyMs: 1500 }]);
    expect(items.items.get('uploads/a.txt')).toMatchObject({
      deleted: true,
      content_type: 'text/plain',
      event_name: 'ObjectRemoved:Delete',
    });
  });

  it('marks a delete marker deleted without asking S3', async () => {
    const { objects, items, process } = setup(true);
    const outcomes = await process({
      messageId: 'm1',
      body: s3EventBody({
        key: 'a.txt',
        sequencer: '0055AED6DCD9028110',
        eventName: 'ObjectRemoved:DeleteMarkerCreated',
        versionId: 'marker-1',
      }),
    });
    expect(outcomes).toMatchObject([{ status: 'deleted' }]);
    expect(objects.calls).toBe(0);
    expect(items.items.get('uploads/a.txt')).toMatchObject({ deleted: true, version_id: 'marker-1' });
  });

  it('keeps the item live, from the current version, when a noncurrent version is deleted', async () => {
    // Prepare: v2 is current; the event deletes v1
    const { objects, items, process } = setup(true);
    objects.put('uploads', 'a.txt', { versionId: 'v2', size: 7, etag: '"e2"', contentType: 'text/csv' });
    // Act
    const outcomes = await process({
      messageId: 'm1',
      body: s3EventBody({ key: 'a.txt', sequencer: '0055AED6DCD9028200', eventName: 'ObjectRemoved:Delete', versionId: 'v1' }),
    });
    // Assess
    expect(outcomes).toMatchObject([{ status: 'stored' }]);
    expect(items.items.get('uploads/a.txt')).toMatchObject({ version_id: 'v2', file_size: 7, etag: 'e2', content_type: 'text/csv' });
    expect(items.items.get('uploads/a.txt')).not.toHaveProperty('deleted');
  });

  it('ignores event types it does not know, such as restores', async () => {
    const { process } = setup(true);
    expect(await process({ messageId: 'm1', body: s3EventBody({ eventName: 'ObjectRestore:Completed' }) })).toMatchObject([
      { status: 'ignored' },
    ]);
  });
});

describe('makeMessageProcessor with real-AWS shapes', () => {
  const tagging = (key: string) => {
    const r = JSON.parse(s3EventBody({ key, eventName: 'ObjectTagging:Put' })).Records[0];
    delete r.s3.object.sequencer;
    delete r.s3.object.size;
    return { ...r, eventVersion: '2.3' };
  };

  it('stores the created object beside a tagging record that has no sequencer, and dead-letters nothing', async () => {
    // Prepare
    const { objects, items, deadLetters, process } = setup();
    objects.put('uploads', 'a.txt');
    const body = JSON.stringify({ Records: [JSON.parse(s3EventBody({ key: 'a.txt' })).Records[0], tagging('a.txt')] });
    // Act
    const outcomes = await process({ messageId: 'm1', body });
    // Assess
    expect(outcomes).toEqual([
      expect.objectContaining({ status: 'stored', key: 'a.txt' }),
      { status: 'ignored', key: 'a.txt', bucket: 'uploads', eventName: 'ObjectTagging:Put' },
    ]);
    expect(items.items.has('uploads/a.txt')).toBe(true);
    expect(deadLetters.sent).toEqual([]);
  });

  it('processes the good records of a partly-poison message and dead-letters only the bad ones, once, after them', async () => {
    // Prepare
    const { objects, items, deadLetters, process } = setup();
    objects.put('uploads', 'good.txt');
    const body = s3EventBody({ key: 'good.txt' }, { rawKey: '%E0%A4%A' }, { rawKey: '100%.txt' });
    // Act
    const outcomes = await process({ messageId: 'm1', body });
    // Assess
    expect(outcomes).toEqual([
      expect.objectContaining({ status: 'stored', key: 'good.txt' }),
      {
        status: 'poison',
        reason: 'undecodable-key',
        detail: expect.stringMatching(/^Records\[1\]: undecodable-key: .*; Records\[2\]: undecodable-key: /),
      },
    ]);
    expect(items.writes).toBe(1);
    expect(deadLetters.sent).toHaveLength(1);
    expect(JSON.parse(deadLetters.sent[0]!.body).Records.map((r: { s3: { object: { key: string } } }) => r.s3.object.key)).toEqual([
      '%E0%A4%A',
      '100%.txt',
    ]);
  });

  it('dead-letters nothing when the good part fails transiently, so a retry cannot dead-letter the bad part twice', async () => {
    // Prepare
    const { objects, items, deadLetters, process } = setup();
    objects.put('uploads', 'good.txt');
    const body = s3EventBody({ key: 'good.txt' }, { rawKey: '%E0%A4%A' });
    items.failNext = { count: 1, error: throttlingError() };
    // Act
    await expect(process({ messageId: 'm1', body })).rejects.toThrow();
    const sentAfterFailure = deadLetters.sent.length;
    await process({ messageId: 'm1', body });
    // Assess
    expect(sentAfterFailure).toBe(0);
    expect(deadLetters.sent).toHaveLength(1);
  });

  it('keeps the old meaning ("deleted") of a removal enqueued by a pusher that predates `state`, without asking S3', async () => {
    const { objects, items, process } = setup(true);
    const { contentType: _ct, ...old } = pusherMessage({ key: 'gone.txt', eventName: 'ObjectRemoved:Delete' });
    expect(await process({ messageId: 'm1', body: JSON.stringify(old) })).toMatchObject([{ status: 'deleted', key: 'gone.txt' }]);
    expect(objects.calls).toBe(0);
    expect(items.items.get('uploads/gone.txt')).toMatchObject({ deleted: true });
  });

  it('reads an S3 event inside an SNS envelope', async () => {
    const { objects, items, process } = setup();
    objects.put('uploads', 'fan/out.txt');
    expect(await process({ messageId: 'm1', body: snsEnvelope(s3EventBody({ key: 'fan/out.txt' })) })).toMatchObject([
      { status: 'stored', key: 'fan/out.txt' },
    ]);
    expect(items.items.has('uploads/fan/out.txt')).toBe(true);
  });

  it.each(['LifecycleExpiration:Delete', 'LifecycleExpiration:DeleteMarkerCreated'])('treats %s as a removal', async (eventName) => {
    const { items, process } = setup(true);
    expect(await process({ messageId: 'm1', body: s3EventBody({ key: 'old.txt', eventName }) })).toMatchObject([
      { status: 'deleted', key: 'old.txt' },
    ]);
    expect(items.items.get('uploads/old.txt')).toMatchObject({ deleted: true, event_name: eventName });
  });

  describe('backfill messages', () => {
    const listed = {
      type: 'ingest.backfill.v1',
      bucket: 'uploads',
      key: 'old/a.txt',
      size: 7,
      etag: '"e1"',
      contentType: 'text/csv',
      lastModified: '2026-11-27T09:00:00Z',
    };

    it('writes a listed object without asking S3, and with no latency (no event to measure from)', async () => {
      const { objects, items, process } = setup();
      expect(await process({ messageId: 'b1', body: JSON.stringify(listed) })).toEqual([
        { status: 'backfilled', key: 'old/a.txt', bucket: 'uploads' },
      ]);
      expect(objects.calls).toBe(0);
      expect(items.items.get('uploads/old/a.txt')).toMatchObject({
        content_type: 'text/csv',
        file_size: 7,
        etag: 'e1',
        event_time: '2026-11-27T09:00:00.000Z',
        backfill_last_modified: '2026-11-27T09:00:00.000Z',
        event_name: 'Backfill:ObjectListed',
        message_id: 'b1',
      });
    });

    it('a second delivery is a duplicate', async () => {
      const { process } = setup();
      await process({ messageId: 'b1', body: JSON.stringify(listed) });
      expect(await process({ messageId: 'b2', body: JSON.stringify(listed) })).toEqual([
        { status: 'duplicate', key: 'old/a.txt', bucket: 'uploads' },
      ]);
    });

    it('a removal marks the item deleted where deletes are tracked, and is ignored elsewhere', async () => {
      const removal = {
        type: 'ingest.backfill.v1',
        bucket: 'uploads',
        key: 'old/a.txt',
        state: 'deleted',
        checkedAt: '2026-11-27T10:00:00.000Z',
      };
      const tracked = setup(true);
      await tracked.process({ messageId: 'b1', body: JSON.stringify(listed) });
      expect(await tracked.process({ messageId: 'b2', body: JSON.stringify(removal) })).toEqual([
        { status: 'backfilled', key: 'old/a.txt', bucket: 'uploads' },
      ]);
      expect(tracked.items.items.get('uploads/old/a.txt')).toMatchObject({ deleted: true, event_name: 'Backfill:ObjectGone' });
      const untracked = setup(false);
      expect(await untracked.process({ messageId: 'b2', body: JSON.stringify(removal) })).toMatchObject([
        { status: 'ignored', key: 'old/a.txt' },
      ]);
    });

    it.each([
      [{ size: undefined }, 'backfill message.size must be a non-negative integer'],
      [{ lastModified: 'yesterday' }, 'backfill message.lastModified must be an ISO-8601 time'],
      [{ contentType: undefined }, 'backfill message.contentType must be a non-empty string'],
      [{ state: 'live' }, 'backfill message.state must be absent or "deleted"'],
    ])('dead-letters an unreadable one (%j)', async (change, detail) => {
      const { deadLetters, process } = setup();
      expect(await process({ messageId: 'b1', body: JSON.stringify({ ...listed, ...change }) })).toEqual([
        { status: 'poison', reason: 'schema-violation', detail },
      ]);
      expect(deadLetters.sent).toHaveLength(1);
    });
  });
});

/** Ordering keys the processor cannot trust: a forged sequencer, a tie with a backfill's whole-second time. */
describe('makeMessageProcessor: refused writes are checked with S3 before they are called duplicates', () => {
  const body = (o: {
    key: string;
    sequencer: string;
    etag: string;
    size: number;
    versionId?: string;
    eventTime?: string;
    eventName?: string;
  }) =>
    JSON.stringify({
      ...pusherMessage({
        key: o.key,
        sequencer: o.sequencer,
        etag: o.etag,
        size: o.size,
        versionId: o.versionId,
        eventTime: o.eventTime ?? '2026-11-27T10:00:00.000Z',
      }),
      ...(o.eventName ? { eventName: o.eventName } : {}),
    });

  it('refuses a sequencer no S3 sends (40 hex digits) as a schema violation, to the DLQ', async () => {
    const { items, deadLetters, process } = setup();
    const outcomes = await process({ messageId: 'forged', body: s3EventBody({ key: 'k.txt', sequencer: 'F'.repeat(40) }) });
    expect(outcomes).toEqual([
      { status: 'poison', reason: 'schema-violation', detail: expect.stringContaining('is not 16–32 hex digits, as S3 sends') },
    ]);
    expect(items.items.size).toBe(0);
    expect(deadLetters.sent).toHaveLength(1);
  });

  it('an in-range forged key (18 × F) heals on the next real event, which S3 confirms; later events need no S3 call', async () => {
    // Prepare: the forgery got in first, naming a state the object never had.
    const { objects, items, process } = setup();
    await process({ messageId: 'forged', body: body({ key: 'k.txt', sequencer: 'F'.repeat(18), etag: 'bogus', size: 1 }) });
    objects.put('uploads', 'k.txt', { etag: '"e1"', size: 10 });
    // Act: the real upload's event.
    const healed = await process({ messageId: 'm1', body: body({ key: 'k.txt', sequencer: '0055AED6DCD9028100', etag: 'e1', size: 10 }) });
    // Assess
    expect(healed).toEqual([{ status: 'stored', key: 'k.txt', bucket: 'uploads', latencyMs: 1500 }]);
    expect(items.items.get('uploads/k.txt')).toMatchObject({
      etag: 'e1',
      file_size: 10,
      message_id: 'm1',
      ordering_key: '0055AED6DCD9028100'.padEnd(64, '0'),
    });
    expect(objects.calls).toBe(1);
    objects.put('uploads', 'k.txt', { etag: '"e2"', size: 20 });
    expect(
      await process({ messageId: 'm2', body: body({ key: 'k.txt', sequencer: '0055AED6DCD9028200', etag: 'e2', size: 20 }) }),
    ).toMatchObject([{ status: 'stored' }]);
    expect(objects.calls).toBe(1);
  });

  it('a redelivery that matches the item is a duplicate without an S3 call', async () => {
    const { objects, process } = setup();
    const once = body({ key: 'k.txt', sequencer: '0055AED6DCD9028100', etag: 'e1', size: 10 });
    await process({ messageId: 'm1', body: once });
    expect(await process({ messageId: 'm1', body: once })).toEqual([{ status: 'duplicate', key: 'k.txt', bucket: 'uploads' }]);
    expect(objects.calls).toBe(0);
  });

  it('an older event the item differs from stays a duplicate when S3’s current version is another', async () => {
    const { objects, items, process } = setup();
    await process({ messageId: 'm2', body: body({ key: 'k.txt', sequencer: '0055AED6DCD9028200', etag: 'e2', size: 20 }) });
    objects.put('uploads', 'k.txt', { etag: '"e2"', size: 20 });
    expect(
      await process({ messageId: 'm1', body: body({ key: 'k.txt', sequencer: '0055AED6DCD9028100', etag: 'e1', size: 10 }) }),
    ).toMatchObject([{ status: 'duplicate' }]);
    expect(items.items.get('uploads/k.txt')).toMatchObject({ etag: 'e2', message_id: 'm2' });
    expect(objects.calls).toBe(1);
  });

  it('a forged key on a deleted object heals with the real removal, which S3 confirms (404)', async () => {
    const { items, process } = setup(true);
    await process({ messageId: 'forged', body: body({ key: 'k.txt', sequencer: 'F'.repeat(18), etag: 'bogus', size: 1 }) });
    const outcomes = await process({
      messageId: 'm9',
      body: s3EventBody({
        key: 'k.txt',
        sequencer: '0055AED6DCD9029900',
        eventName: 'ObjectRemoved:DeleteMarkerCreated',
        versionId: 'marker',
      }),
    });
    expect(outcomes).toMatchObject([{ status: 'deleted' }]);
    expect(items.items.get('uploads/k.txt')).toMatchObject({ deleted: true, message_id: 'm9' });
  });

  it('a late V1 event in the second of a backfilled V2 leaves V2 (S3 says V2 is current); a V3 of that second is written', async () => {
    // Prepare: V1 and V2 uploaded in the same second; both events held; the backfill wrote V2.
    const { objects, items, process } = setup();
    await items.putBackfillIfNewer(
      {
        s3_key: 'k.txt',
        bucket: 'uploads',
        content_type: 'text/plain',
        file_size: 20,
        etag: 'e2',
        version_id: 'v2',
        event_time: '2026-11-27T10:00:00.000Z',
        processed_at: NOW.toISOString(),
        message_id: 'b1',
        event_name: 'Backfill:ObjectListed',
        backfill_last_modified: '2026-11-27T10:00:00.000Z',
      },
      {},
    );
    objects.put('uploads', 'k.txt', { etag: '"e2"', size: 20, versionId: 'v2' });
    // Act: V1's event is released.
    const late = await process({
      messageId: 'm1',
      body: body({
        key: 'k.txt',
        sequencer: '0055AED6DCD9028100',
        etag: 'e1',
        size: 10,
        versionId: 'v1',
        eventTime: '2026-11-27T10:00:00.200Z',
      }),
    });
    // Assess
    expect(late).toMatchObject([{ status: 'duplicate' }]);
    expect(items.items.get('uploads/k.txt')).toMatchObject({ etag: 'e2', version_id: 'v2', message_id: 'b1' });
    // V3, uploaded later in that same second after the backfill read V2: S3 confirms it.
    objects.put('uploads', 'k.txt', { etag: '"e3"', size: 30, versionId: 'v3' });
    expect(
      await process({
        messageId: 'm3',
        body: body({
          key: 'k.txt',
          sequencer: '0055AED6DCD9028300',
          etag: 'e3',
          size: 30,
          versionId: 'v3',
          eventTime: '2026-11-27T10:00:00.900Z',
        }),
      }),
    ).toMatchObject([{ status: 'stored' }]);
    expect(items.items.get('uploads/k.txt')).toMatchObject({ etag: 'e3', version_id: 'v3' });
  });
});
