import { makeMessageProcessor } from '../../../src/core/process-message';
import { MemoryDeadLetters, MemoryItems, MemoryObjects, throttlingError } from '../../helpers/fakes';
import { pusherMessage, s3EventBody, testEventBody } from '../../helpers/factories';

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
    expect(await process({ messageId: 'm2', body: s3EventBody({ key: 'a.txt' }) })).toEqual([{ status: 'duplicate', key: 'a.txt', bucket: 'uploads' }]);
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
    await expect(process({ messageId: 'm1', body: s3EventBody({ key: 'a.txt' }) })).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });

  it('ignores ObjectRemoved events unless deletes are handled', async () => {
    const { items, process } = setup(false);
    expect(await process({ messageId: 'm1', body: s3EventBody({ key: 'a.txt', eventName: 'ObjectRemoved:Delete' }) })).toEqual([
      { status: 'ignored', key: 'a.txt', bucket: 'uploads', eventName: 'ObjectRemoved:Delete' },
    ]);
    expect(items.writes).toBe(0);
  });

  it('marks the item deleted on a newer ObjectRemoved event when deletes are handled', async () => {
    const { objects, items, process } = setup(true);
    objects.put('uploads', 'a.txt');
    await process({ messageId: 'm1', body: s3EventBody({ key: 'a.txt', sequencer: '10' }) });
    const outcomes = await process({ messageId: 'm2', body: s3EventBody({ key: 'a.txt', sequencer: '11', eventName: 'ObjectRemoved:Delete' }) });
    expect(outcomes).toEqual([{ status: 'deleted', key: 'a.txt', bucket: 'uploads', latencyMs: 1500 }]);
    expect(items.items.get('uploads/a.txt')).toMatchObject({ deleted: true, content_type: 'text/plain', event_name: 'ObjectRemoved:Delete' });
  });

  it('ignores event types it does not know, such as restores', async () => {
    const { process } = setup(true);
    expect(await process({ messageId: 'm1', body: s3EventBody({ eventName: 'ObjectRestore:Completed' }) })).toMatchObject([{ status: 'ignored' }]);
  });
});
