import type { ItemSummary } from '../../../src/core/reconcile-verdict';
import { BadBatchError, makeBatchReconciler, parseBatch, type BatchReconcilerDeps } from '../../../src/core/reconcile-batch';
import type { ScopeRules } from '../../../src/core/ingest-scope';
import { encodeShards, KEY_SHARDS, shardOf } from '../../../src/core/key-shards';
import { BACKFILL_MESSAGE_TYPE, type BackfillMessage, type ObjectHead } from '../../../src/core/types';

const BUCKET = 'uploads';
const NO_FILTERS: ScopeRules = { prefix: '', suffix: '', pusher: null, minSizeBytes: 0, maxSizeBytes: 0 };

/**
 * A table of `items`, a bucket of `objects` (null: gone); any other key exists with the inventory rows'
 * defaults when `exists` is on (objects pass), and is gone otherwise (orphans pass).
 */
function world(
  o: {
    items?: ItemSummary[];
    objects?: Record<string, Partial<ObjectHead> | null>;
    exists?: boolean;
    rules?: ScopeRules;
    handleDeletes?: boolean;
  } = {},
) {
  const sent: BackfillMessage[] = [];
  const lookedUp: string[][] = [];
  const heads: string[] = [];
  const deps: BatchReconcilerDeps = {
    bucket: BUCKET,
    rules: o.rules ?? NO_FILTERS,
    handleDeletes: o.handleDeletes ?? true,
    headConcurrency: 4,
    now: () => new Date('2026-12-02T00:00:00.000Z'),
    items: {
      lookUp: async (bucket, keys) => {
        expect(bucket).toBe(BUCKET);
        lookedUp.push(keys);
        return new Map((o.items ?? []).filter((i) => keys.includes(i.key)).map((i) => [i.key, i]));
      },
    },
    objects: {
      head: async (_b, key) => {
        heads.push(key);
        const h = o.objects && key in o.objects ? o.objects[key] : o.exists ? { etag: 'e1' } : null;
        return h ? { contentType: 'text/plain', size: 1, metadata: {}, lastModified: '2026-12-01T00:00:00.000Z', ...h } : null;
      },
    },
    queue: {
      sendBatch: async (messages) => {
        expect(messages.length).toBeLessThanOrEqual(10);
        sent.push(...messages.map((m) => JSON.parse(m.body) as BackfillMessage));
        return { failedIds: [] };
      },
    },
  };
  return { reconcile: makeBatchReconciler(deps), sent, lookedUp, heads };
}

const inventoryRow = (key: string, size = 1, etag = 'e1', extra: Record<string, string> = {}) => ({
  Bucket: BUCKET,
  Key: encodeURIComponent(key),
  VersionId: '',
  IsLatest: 'true',
  IsDeleteMarker: 'false',
  Size: String(size),
  LastModifiedDate: '2026-12-01T00:00:00.000Z',
  ETag: etag,
  ...extra,
});
const objects = (items: unknown[], backfill = false, prefix = '') => ({ items, input: { pass: 'objects' as const, backfill, prefix } });
const ALL_SHARDS = encodeShards(Array.from({ length: KEY_SHARDS }, (_, i) => i));
const exported = (items: unknown[], backfill = false, shards = ALL_SHARDS) => ({
  items,
  input: { pass: 'orphans' as const, backfill, prefix: '', shards },
});
const counted = (items: unknown[]) => ({ items, input: { pass: 'live' as const, backfill: false, prefix: '' } });
const exportLine = (key: string, o: { bucket?: string; deleted?: boolean; messageId?: string } = {}) => ({
  Item: {
    s3_key: { S: key },
    bucket: { S: o.bucket ?? BUCKET },
    file_size: { N: '1' },
    ...(o.messageId ? { message_id: { S: o.messageId } } : {}),
    ...(o.deleted ? { deleted: { BOOL: true } } : {}),
  },
});

describe('parseBatch', () => {
  it('takes { Items, BatchInput } as the ItemBatcher sends it', () => {
    expect(parseBatch({ Items: [1], BatchInput: { pass: 'objects', backfill: false, prefix: 'p/' } })).toEqual({
      items: [1],
      input: { pass: 'objects', backfill: false, prefix: 'p/' },
    });
  });

  it.each([
    [undefined, 'the event is not an object'],
    [{ Items: {} }, 'Items is not an array'],
    [{ Items: [] }, 'BatchInput is not an object'],
    [{ Items: [], BatchInput: { pass: 'all', backfill: false } }, 'BatchInput.pass must be "objects", "live" or "orphans"'],
    [{ Items: [], BatchInput: { pass: 'orphans', backfill: false } }, 'BatchInput.shards (the shards to check) is required'],
    [{ Items: [], BatchInput: { pass: 'orphans', backfill: false, shards: 'AAAA' } }, 'BatchInput.shards is not a shard bitmap'],
    [{ Items: [], BatchInput: { pass: 'objects', backfill: 'yes' } }, 'BatchInput.backfill must be true or false'],
  ])('refuses %j', (event, why) => {
    expect(() => parseBatch(event)).toThrow(BadBatchError);
    expect(() => parseBatch(event)).toThrow(why);
  });
});

describe('objects pass', () => {
  const items: ItemSummary[] = [
    { key: 'same.txt', size: 1, etag: 'e1', deleted: false, messageId: 'm-same' },
    { key: 'changed.txt', size: 1, etag: 'old', deleted: false, messageId: 'm-changed' },
    { key: 'marked.txt', size: 1, etag: 'e1', deleted: true, messageId: 'm-marked' },
  ];

  it('counts matching, missing and stale objects, looking the whole batch up at once and asking S3 only about what differs', async () => {
    const w = world({ items, exists: true });
    const r = await w.reconcile(objects(['same.txt', 'changed.txt', 'marked.txt', 'new one.txt'].map((k) => inventoryRow(k))));
    expect(r.counts).toMatchObject({ rows: 4, objects: 4, live: 2, missing: 1, stale: 2, sent: 0, invalid: 0 });
    expect(r.missing).toEqual(['new one.txt']);
    expect(r.stale).toEqual([
      { key: 'changed.txt', differs: ['etag'] },
      { key: 'marked.txt', differs: ['deleted'] },
    ]);
    expect(w.lookedUp).toEqual([['same.txt', 'changed.txt', 'marked.txt', 'new one.txt']]);
    expect(w.heads.sort()).toEqual(['changed.txt', 'marked.txt', 'new one.txt']);
    // The live items an object matched, per key shard: what the orphan search compares with the export.
    const shards: Record<string, number> = {};
    for (const k of ['same.txt', 'changed.txt']) shards[shardOf(k)] = (shards[shardOf(k)] ?? 0) + 1;
    expect(r.liveShards).toEqual(shards);
  });

  it('backfill: a message for each missing or stale object from HeadObject, guarded by the item it saw; gone ones counted', async () => {
    const w = world({ items, exists: true, objects: { 'new one.txt': { etag: 'e9', size: 1 }, 'marked.txt': null } });
    const r = await w.reconcile(
      objects(
        ['same.txt', 'changed.txt', 'marked.txt', 'new one.txt'].map((k) => inventoryRow(k)),
        true,
      ),
    );
    expect(r.counts).toMatchObject({ objects: 3, missing: 1, stale: 1, sent: 2, gone: 1 });
    expect(w.sent.map((m) => [m.type, m.key, 'seenMessageId' in m ? m.seenMessageId : undefined])).toEqual([
      [BACKFILL_MESSAGE_TYPE, 'changed.txt', 'm-changed'],
      [BACKFILL_MESSAGE_TYPE, 'new one.txt', undefined],
    ]);
  });

  it("an object deleted since the inventory is no difference, and its live item is not counted as matched (the orphan search's to find)", async () => {
    const w = world({ items: [{ key: 'deleted.txt', size: 1, etag: 'old', deleted: false }], objects: { 'deleted.txt': null } });
    const r = await w.reconcile(objects([inventoryRow('deleted.txt')]));
    expect(r.counts).toMatchObject({ objects: 0, stale: 0, gone: 1, live: 0 });
    expect(r.liveShards).toEqual({});
  });

  it('a change since the inventory, which the item already holds, is no difference', async () => {
    const w = world({
      items: [{ key: 'edited.txt', size: 9, etag: 'new', deleted: false }],
      objects: { 'edited.txt': { etag: 'new', size: 9 } },
    });
    const r = await w.reconcile(objects([inventoryRow('edited.txt', 1, 'old')], true));
    expect(r.counts).toMatchObject({ objects: 1, missing: 0, stale: 0, settled: 1, sent: 0 });
  });

  it('sends in SQS batches of ten', async () => {
    const keys = Array.from({ length: 23 }, (_, i) => `k${i}`);
    const w = world({ exists: true });
    const r = await w.reconcile(
      objects(
        keys.map((k) => inventoryRow(k)),
        true,
      ),
    );
    expect(r.counts.sent).toBe(23);
    expect(w.sent).toHaveLength(23);
  });

  it("keeps the environment's scope: prefix, suffix, size range, the batch's narrower prefix; skips versions that are not current", async () => {
    const w = world({ exists: true, rules: { prefix: 'in/', suffix: '.csv', pusher: null, minSizeBytes: 2, maxSizeBytes: 10 } });
    const rows = [
      inventoryRow('in/a.csv', 5),
      inventoryRow('out/a.csv', 5),
      inventoryRow('in/a.txt', 5),
      inventoryRow('in/tiny.csv', 1),
      inventoryRow('in/huge.csv', 11),
      inventoryRow('in/old.csv', 5, 'e1', { IsLatest: 'false' }),
      inventoryRow('in/sub/b.csv', 5),
    ];
    expect((await w.reconcile(objects(rows))).counts).toMatchObject({ objects: 2, missing: 2, skipped: 5 });
    expect((await w.reconcile(objects(rows, false, 'in/sub/'))).missing).toEqual(['in/sub/b.csv']);
  });

  it('pusher content-type filters: only differing objects are asked HeadObject; filtered and gone ones are no difference', async () => {
    const pusher = { ignoredPrefixes: [], ignoredSuffixes: [], allowedContentTypes: ['image/*'], maxSizeBytes: 0 };
    const w = world({
      rules: { ...NO_FILTERS, pusher },
      objects: { 'a.png': { contentType: 'image/png' }, 'b.txt': { contentType: 'text/plain' } },
    });
    const r = await w.reconcile(objects([inventoryRow('a.png'), inventoryRow('b.txt'), inventoryRow('c.gone')]));
    expect(r.counts).toMatchObject({ objects: 1, missing: 1, outOfScope: 1, gone: 1 });
    expect(r.missing).toEqual(['a.png']);
  });

  it('refuses rows it cannot read, and rows of another bucket, naming them; the rest of the batch is still checked', async () => {
    const w = world({ items, exists: true });
    const r = await w.reconcile(
      objects([inventoryRow('same.txt'), { Bucket: 'other', Key: 'x', Size: '1' }, { Key: 7 }, inventoryRow('new.txt')]),
    );
    expect(r.counts).toMatchObject({ rows: 4, invalid: 2, objects: 2, missing: 1 });
    expect(r.invalid).toEqual(['row of bucket other, not uploads', expect.stringContaining('no Key')]);
  });
});

describe('live pass', () => {
  it('counts the live items of the bucket per key shard, asking nobody', async () => {
    const w = world();
    const r = await w.reconcile(
      counted([exportLine('a.txt'), exportLine('b.txt'), exportLine('old.txt', { deleted: true }), exportLine('x', { bucket: 'other' })]),
    );
    expect(r.counts).toMatchObject({ rows: 4, live: 2, skipped: 2, orphaned: 0 });
    expect(Object.values(r.liveShards).reduce((a, b) => a + b, 0)).toBe(2);
    expect(r.liveShards[shardOf('a.txt')]).toBeGreaterThanOrEqual(1);
    expect(w.heads).toEqual([]);
    expect(w.lookedUp).toEqual([]);
  });
});

describe('orphans pass', () => {
  it('asks HeadObject only about items in the shards it is given', async () => {
    const w = world();
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const r = await w.reconcile(
      exported(
        keys.map((k) => exportLine(k)),
        false,
        encodeShards([shardOf('k7')]),
      ),
    );
    const inShard = keys.filter((k) => shardOf(k) === shardOf('k7'));
    expect(w.heads.sort()).toEqual(inShard.sort());
    expect(r.counts).toMatchObject({ live: inShard.length, orphaned: inShard.length, skipped: 40 - inShard.length });
  });

  it("checks each live item of the bucket with HeadObject; ignores other buckets' and deleted items", async () => {
    const w = world({ objects: { 'here.txt': {} } });
    const r = await w.reconcile(
      exported([
        exportLine('here.txt'),
        exportLine('gone.txt', { messageId: 'm-gone' }),
        exportLine('old.txt', { deleted: true }),
        exportLine('x', { bucket: 'other' }),
      ]),
    );
    expect(r.counts).toMatchObject({ rows: 4, live: 2, orphaned: 1, skipped: 2, sent: 0 });
    expect(r.orphaned).toEqual(['gone.txt']);
    expect(w.heads.sort()).toEqual(['gone.txt', 'here.txt']);
  });

  it('backfill: the removal that never came, guarded by the message id the export saw — only when deletes are tracked', async () => {
    const tracked = world({ handleDeletes: true });
    await tracked.reconcile(exported([exportLine('gone.txt', { messageId: 'm-gone' })], true));
    expect(tracked.sent).toEqual([
      {
        type: BACKFILL_MESSAGE_TYPE,
        bucket: BUCKET,
        state: 'deleted',
        key: 'gone.txt',
        checkedAt: '2026-12-02T00:00:00.000Z',
        seenMessageId: 'm-gone',
      },
    ]);
    const untracked = world({ handleDeletes: false });
    expect((await untracked.reconcile(exported([exportLine('gone.txt')], true))).counts).toMatchObject({ orphaned: 1, sent: 0 });
  });
});
