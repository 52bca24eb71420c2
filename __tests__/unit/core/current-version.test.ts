import { currentAfterRemoval, namedVersion } from '../../../src/core/current-version';
import { bareEventName } from '../../../src/core/types';
import { MemoryObjects } from '../../helpers/fakes';

const event = (eventName: string, o: Record<string, unknown> = {}) => ({
  bucket: 'b',
  key: 'k',
  eventName,
  eventTime: '2026-12-01T10:00:00.000Z',
  sequencer: '0055AED6DCD90281E5',
  ...o,
});

/** The two rules the processor and the pusher share (issue #26, "domain logic once"). */
describe('what is current', () => {
  it('a new delete marker hides the key without asking S3; another removal asks S3', async () => {
    const objects = new MemoryObjects();
    expect(await currentAfterRemoval(event('ObjectRemoved:DeleteMarkerCreated'), objects)).toEqual({ gone: true });
    expect(objects.calls).toBe(0);
    expect(await currentAfterRemoval(event('ObjectRemoved:Delete'), objects)).toEqual({ gone: true });
    objects.put('b', 'k', { etag: '"v1"', size: 3, versionId: 'v1' });
    expect(await currentAfterRemoval(event('LifecycleExpiration:Delete'), objects)).toMatchObject({
      gone: false,
      current: { versionId: 'v1', size: 3 },
    });
    expect(objects.calls).toBe(2);
  });

  it('a created event’s version: size, ETag and version from the event, type and metadata from S3', () => {
    const head = { contentType: 'image/png', size: 99, etag: '"head"', versionId: 'current', metadata: { a: '1' } };
    expect(namedVersion(event('ObjectCreated:Put', { size: 5, etag: 'e', versionId: 'named' }), head)).toEqual({
      contentType: 'image/png',
      size: 5,
      etag: 'e',
      versionId: 'named',
      metadata: { a: '1' },
    });
    expect(namedVersion(event('ObjectCreated:Put'), head)).toEqual(head);
  });

  it('strips the s3: prefix in one place', () => {
    expect(bareEventName('s3:ObjectCreated:*')).toBe('ObjectCreated:*');
    expect(bareEventName('ObjectRemoved:Delete')).toBe('ObjectRemoved:Delete');
  });
});
