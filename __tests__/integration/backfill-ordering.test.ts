import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoItemRepository } from '../../src/adapters/dynamo-item-repository';
import { buildBackfillDeletionMark, buildBackfillItem, buildItem } from '../../src/core/items';
import type { ItemRepository } from '../../src/core/ports';
import type { GoneObject, ListedObject, ObjectEvent } from '../../src/core/types';
import { startEmulators, type Emulators } from '../../local/emulators';
import { localClients } from '../../local/local-clients';
import { ensureTable } from '../../local/resources';
import { MemoryItems } from '../helpers/fakes';
import { tempDataDir } from '../helpers/local-env';

/**
 * How real events and backfills of one key order, on the real condition expressions (dynalite)
 * and on the in-memory fake the unit tests use (which must agree). Each scenario is a history of
 * one key; the final item must describe the newest version S3 told anyone about.
 */
const BUCKET = 'uploads';
const NOW = new Date('2026-11-27T12:00:30.000Z');

interface Store {
  repo: ItemRepository;
  get(key: string): Promise<Record<string, unknown> | undefined>;
}

/** A real event of version `v`: sequencer grows with v; time as given. */
const event = (key: string, v: number, eventTime: string, eventName = 'ObjectCreated:Put'): ObjectEvent => ({
  bucket: BUCKET,
  key,
  eventName,
  eventTime,
  sequencer: `00000000000000${v.toString(16).padStart(2, '0')}`.toUpperCase(),
  size: v,
  etag: `etag-${v}`,
  versionId: `v${v}`,
  contentType: 'text/plain',
});
const listed = (key: string, v: number, lastModified: string, seenMessageId?: string): ListedObject => ({
  bucket: BUCKET,
  key,
  size: v,
  etag: `"etag-${v}"`,
  versionId: `v${v}`,
  contentType: 'text/plain',
  lastModified,
  seenMessageId,
});
const gone = (key: string, checkedAt: string, seenMessageId?: string): GoneObject => ({
  bucket: BUCKET,
  key,
  state: 'deleted',
  checkedAt,
  seenMessageId,
});

function scenarios(store: () => Store) {
  const real = (e: ObjectEvent, id: string) => store().repo.putIfNewer(buildItem(e, id, NOW));
  const removal = (e: ObjectEvent, id: string) =>
    store().repo.markDeletedIfNewer({ ...buildItem(e, id, NOW), content_type: undefined, file_size: undefined } as never);
  const backfill = (o: ListedObject, id: string) =>
    store().repo.putBackfillIfNewer(buildBackfillItem(o, id, NOW), { seenMessageId: o.seenMessageId });
  const backfillGone = (g: GoneObject, id: string) =>
    store().repo.markBackfillDeletedIfNewer(buildBackfillDeletionMark(g, id, NOW), { seenMessageId: g.seenMessageId });
  const item = (key: string) => store().get(key);

  it('a missing object is backfilled below every real sequencer', async () => {
    expect(await backfill(listed('missing', 1, '2026-11-27T12:00:00.000Z'), 'b1')).toBe('written');
    expect(await item('missing')).toMatchObject({
      file_size: 1,
      version_id: 'v1',
      etag: 'etag-1',
      ordering_key: '0'.repeat(64),
      backfill_last_modified: '2026-11-27T12:00:00.000Z',
    });
    // The version's own event, arriving late in the same second: a tie the table cannot settle (the
    // processor then finds the item already says the same, a duplicate); from a later second it writes.
    expect(await real(event('missing', 1, '2026-11-27T12:00:00.400Z'), 'm1')).toBe('stale');
    expect(await real(event('missing', 1, '2026-11-27T12:00:01.100Z'), 'm1')).toBe('written');
    expect(await item('missing')).toMatchObject({ file_size: 1, message_id: 'm1' });
  });

  it('race, real upload first: the backfill read V1, V2’s event lands, then the backfill — V2 stays', async () => {
    // The backfill saw no item and HeadObject said V1 (12:00:00); V2 is uploaded at 12:00:05.
    expect(await real(event('race-a', 2, '2026-11-27T12:00:05.200Z'), 'm2')).toBe('written');
    expect(await backfill(listed('race-a', 1, '2026-11-27T12:00:00.000Z'), 'b1')).toBe('stale');
    expect(await item('race-a')).toMatchObject({ file_size: 2, message_id: 'm2' });
  });

  it('race, real upload first, within the same second: V2 stays', async () => {
    expect(await real(event('race-a2', 2, '2026-11-27T12:00:00.900Z'), 'm2')).toBe('written');
    expect(await backfill(listed('race-a2', 1, '2026-11-27T12:00:00.000Z'), 'b1')).toBe('stale');
    expect(await item('race-a2')).toMatchObject({ file_size: 2 });
  });

  it('race, stale item: the backfill read item m0 and V1, V2’s event lands, then the backfill — V2 stays', async () => {
    await real(event('race-s', 0, '2026-11-27T11:59:00.000Z'), 'm0');
    expect(await real(event('race-s', 2, '2026-11-27T12:00:00.700Z'), 'm2')).toBe('written');
    expect(await backfill(listed('race-s', 1, '2026-11-27T12:00:00.000Z', 'm0'), 'b1')).toBe('stale');
    expect(await item('race-s')).toMatchObject({ file_size: 2, message_id: 'm2' });
  });

  it('race, backfill first: V1 is backfilled, then V2’s event of the same second is refused (the processor asks S3), a later second’s overwrites it', async () => {
    expect(await backfill(listed('race-b', 1, '2026-11-27T12:00:00.000Z'), 'b1')).toBe('written');
    expect(await real(event('race-b', 2, '2026-11-27T12:00:00.300Z'), 'm2')).toBe('stale');
    expect(await real(event('race-b', 2, '2026-11-27T12:00:01.000Z'), 'm2')).toBe('written');
    expect(await item('race-b')).toMatchObject({ file_size: 2, message_id: 'm2' });
    expect((await item('race-b'))?.backfill_last_modified).toBeUndefined();
  });

  it('a stale item is fixed, and a late event older than the backfilled version cannot undo it', async () => {
    await real(event('late', 0, '2026-11-27T11:00:00.000Z'), 'm0');
    expect(await backfill(listed('late', 2, '2026-11-27T12:00:00.000Z', 'm0'), 'b1')).toBe('written');
    // V1's event was lost and comes back (a redrive): newer sequencer than V0, older than V2.
    expect(await real(event('late', 1, '2026-11-27T11:30:00.000Z'), 'm1')).toBe('stale');
    // The backfill does not keep V0's ordering key (it cannot trust one): time orders what follows.
    expect(await item('late')).toMatchObject({ file_size: 2, ordering_key: '0'.repeat(64) });
  });

  it('a stale item written in the same second as the current version is fixed when unchanged since the read', async () => {
    await real(event('same-second', 0, '2026-11-27T12:00:00.300Z'), 'm0');
    // Last-Modified has whole seconds: by time alone the backfill could not tell V1 is newer.
    expect(await backfill(listed('same-second', 1, '2026-11-27T12:00:00.000Z', 'other'), 'b0')).toBe('stale');
    expect(await backfill(listed('same-second', 1, '2026-11-27T12:00:00.000Z', 'm0'), 'b1')).toBe('written');
    expect(await item('same-second')).toMatchObject({ file_size: 1 });
  });

  it('is idempotent: the same backfill delivered twice writes once', async () => {
    expect(await backfill(listed('twice', 1, '2026-11-27T12:00:00.000Z'), 'b1')).toBe('written');
    expect(await backfill(listed('twice', 1, '2026-11-27T12:00:00.000Z'), 'b1-again')).toBe('stale');
    expect(await item('twice')).toMatchObject({ message_id: 'b1' });
  });

  it('an EventBridge time (no milliseconds) compares by its second: a tie is refused, the next second writes', async () => {
    await backfill(listed('eb', 1, '2026-11-27T12:00:00.000Z'), 'b1');
    expect(await real(event('eb', 2, '2026-11-27T12:00:00Z'), 'm2')).toBe('stale');
    expect(await real(event('eb', 2, '2026-11-27T12:00:01Z'), 'm2')).toBe('written');
  });

  it('a forged ordering key is no longer kept by a backfill', async () => {
    expect(await real({ ...event('forged', 9, '2026-11-27T11:00:00.000Z'), sequencer: 'F'.repeat(18) }, 'forged')).toBe('written');
    expect(await backfill(listed('forged', 1, '2026-11-27T12:00:00.000Z', 'forged'), 'b1')).toBe('written');
    expect(await item('forged')).toMatchObject({ ordering_key: '0'.repeat(64), file_size: 1 });
    expect(await real(event('forged', 2, '2026-11-27T12:00:05.000Z'), 'm2')).toBe('written');
  });

  it('the confirmed write replaces the item only while it is the one read', async () => {
    await real({ ...event('confirm', 9, '2026-11-27T11:00:00.000Z'), sequencer: 'F'.repeat(18) }, 'forged');
    expect(await store().repo.stored(BUCKET, 'confirm')).toEqual({
      messageId: 'forged',
      deleted: false,
      etag: 'etag-9',
      size: 9,
      versionId: 'v9',
    });
    expect(await store().repo.putConfirmed(buildItem(event('confirm', 2, '2026-11-27T12:00:00.000Z'), 'm2', NOW), 'someone-else')).toBe(
      'stale',
    );
    expect(await store().repo.putConfirmed(buildItem(event('confirm', 2, '2026-11-27T12:00:00.000Z'), 'm2', NOW), 'forged')).toBe(
      'written',
    );
    expect(await item('confirm')).toMatchObject({ message_id: 'm2', ordering_key: event('confirm', 2, '').sequencer.padEnd(64, '0') });
    expect(
      await store().repo.markDeletedConfirmed(
        buildItem(event('confirm', 3, '2026-11-27T12:00:01.000Z', 'ObjectRemoved:Delete'), 'm3', NOW),
        'm2',
      ),
    ).toBe('written');
    expect(await store().repo.stored(BUCKET, 'confirm')).toMatchObject({ messageId: 'm3', deleted: true });
    expect(await store().repo.stored(BUCKET, 'never-written')).toBeNull();
  });

  it('an orphan is marked deleted; a later re-upload’s event revives it', async () => {
    await real(event('orphan', 1, '2026-11-27T11:00:00.000Z'), 'm1');
    expect(await backfillGone(gone('orphan', '2026-11-27T12:00:00.123Z', 'm1'), 'b1')).toBe('written');
    expect(await item('orphan')).toMatchObject({ deleted: true, event_name: 'Backfill:ObjectGone', file_size: 1 });
    expect(await real(event('orphan', 2, '2026-11-27T12:00:01.000Z'), 'm2')).toBe('written');
    expect((await item('orphan'))?.deleted).toBeUndefined();
  });

  it('race: an orphan re-uploaded before its removal lands stays live', async () => {
    await real(event('orphan-race', 1, '2026-11-27T11:00:00.000Z'), 'm1');
    await real(event('orphan-race', 2, '2026-11-27T12:00:00.500Z'), 'm2');
    expect(await backfillGone(gone('orphan-race', '2026-11-27T12:00:00.100Z', 'm1'), 'b1')).toBe('stale');
    expect((await item('orphan-race'))?.deleted).toBeUndefined();
  });

  it('a removal for a key without an item creates nothing', async () => {
    expect(await backfillGone(gone('never', '2026-11-27T12:00:00.000Z'), 'b1')).toBe('stale');
    expect(await item('never')).toBeUndefined();
  });

  it('a real removal after a backfill drops the backfill’s time', async () => {
    await backfill(listed('removed', 1, '2026-11-27T12:00:00.000Z'), 'b1');
    expect(await removal(event('removed', 2, '2026-11-27T12:00:09.000Z', 'ObjectRemoved:DeleteMarkerCreated'), 'm2')).toBe('written');
    expect(await item('removed')).toMatchObject({ deleted: true });
    expect((await item('removed'))?.backfill_last_modified).toBeUndefined();
  });
}

describe('backfill ordering on DynamoDB (dynalite, the real condition expressions)', () => {
  const data = tempDataDir();
  let emulators: Emulators;
  let store: Store;

  beforeAll(async () => {
    emulators = await startEmulators({ dataDir: data.dir, reset: true, accountId: '111111111111', region: 'eu-west-1' });
    const { dynamodb } = localClients(emulators.endpoints, 'eu-west-1');
    await ensureTable(dynamodb, { name: 'ordering', partitionKey: 's3_key', sortKey: 'bucket' });
    const plain = (i: Record<string, { S?: string; N?: string; BOOL?: boolean }>) =>
      Object.fromEntries(Object.entries(i).map(([k, v]) => [k, v.S ?? (v.N !== undefined ? Number(v.N) : v.BOOL)]));
    store = {
      repo: new DynamoItemRepository(dynamodb, 'ordering'),
      get: async (key) => {
        const out = await dynamodb.send(new GetItemCommand({ TableName: 'ordering', Key: { s3_key: { S: key }, bucket: { S: BUCKET } } }));
        return out.Item ? plain(out.Item as never) : undefined;
      },
    };
  }, 30_000);

  afterAll(async () => {
    await emulators?.stop();
    data.cleanup();
  });

  scenarios(() => store);
});

describe('backfill ordering on the in-memory fake (must agree with DynamoDB)', () => {
  const items = new MemoryItems();
  scenarios(() => ({ repo: items, get: async (key) => items.items.get(`${BUCKET}/${key}`) as Record<string, unknown> | undefined }));
});
