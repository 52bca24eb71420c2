import { backfillMessage, removalMessage, SEND_BATCH, sendAll } from './backfill-message';
import { scopeOf, type ScopeRules } from './ingest-scope';
import { addShard, decodeShards, shardOf, type ShardCounts } from './key-shards';
import { limitConcurrency } from './limit';
import { exportRow, objectRow, type ExportRow } from './map-items';
import type { ObjectStore, QueueSender } from './ports';
import { compare, type Difference, type ItemSummary, type ListedEntry } from './reconcile-verdict';
import type { BackfillMessage } from './types';

/**
 * One Distributed Map batch of the distributed reconcile: the same comparison as `npm run
 * reconcile` (src/core/reconcile-verdict.ts) and the same messages as `npm run backfill`
 * (src/core/backfill-message.ts), over the items Step Functions read for it.
 *
 * - `objects` pass: inventory rows or listed objects → each in-scope object against its item
 *   (BatchGetItem) → missing / stale; with `backfill`, a message for each (after HeadObject). Counts
 *   the live items it matched per key shard (src/core/key-shards.ts).
 * - `live` pass: DynamoDB export lines → the bucket's live in-scope items per key shard; no call.
 * - `orphans` pass: export lines again, only in the shards where more items are live than objects
 *   matched → each one whose object HeadObject finds gone; with `backfill` and tracked deletes, the
 *   removal message that never came.
 */

export const MapPass = { OBJECTS: 'objects', LIVE: 'live', ORPHANS: 'orphans' } as const;
export type MapPass = (typeof MapPass)[keyof typeof MapPass];

/** What the state machine's `ItemBatcher.BatchInput` carries. */
export interface BatchInput {
  pass: MapPass;
  /** Send what is missing, stale or orphaned to the processing queue. */
  backfill: boolean;
  /** Only keys under this prefix (narrows the environment's scope). */
  prefix: string;
  /** Orphans pass: the shards to check (`encodeShards`). */
  shards?: string;
}

export interface MapBatch {
  items: unknown[];
  input: BatchInput;
}

/** At most this many keys of each kind per batch result: a result stays far below Step Functions' 256 KiB. */
export const KEY_SAMPLE = 50;

export interface BatchCounts {
  /** Items in the batch. */
  rows: number;
  /** Rows that are not a current object (noncurrent versions, delete markers) or are outside the scope. */
  skipped: number;
  /** Rows that could not be read (reported in `invalid`, never guessed). */
  invalid: number;
  /** In-scope objects compared (objects pass). */
  objects: number;
  /** Live items: matched by an object (objects pass) or checked for one (orphans pass). */
  live: number;
  missing: number;
  stale: number;
  orphaned: number;
  /** Messages sent to the processing queue (backfill). */
  sent: number;
  /** Gone between the inventory or listing and HeadObject: no difference, nothing to send. */
  gone: number;
  /** Changed since the inventory, and the item already says so: no difference. */
  settled: number;
  /** Excluded by a filter only HeadObject can check (content type). */
  outOfScope: number;
}

export interface BatchResult {
  pass: MapPass;
  counts: BatchCounts;
  missing: string[];
  stale: Array<{ key: string; differs: Difference[] }>;
  orphaned: string[];
  /** Why rows could not be read (first few). */
  invalid: string[];
  /** Objects pass: live items an object matched, per key shard; live pass: live items, per key shard. */
  liveShards: ShardCounts;
}

export interface ItemLookup {
  /** The items of these keys in one bucket, by key (absent: no item). */
  lookUp(bucket: string, keys: string[]): Promise<Map<string, ItemSummary>>;
}

export interface BatchReconcilerDeps {
  items: ItemLookup;
  objects: ObjectStore;
  queue: QueueSender;
  /** The environment's uploads bucket: rows of any other bucket are refused. */
  bucket: string;
  rules: ScopeRules;
  handleDeletes: boolean;
  /** HeadObject calls at once. */
  headConcurrency: number;
  now?: () => Date;
}

export class BadBatchError extends Error {
  public constructor(problem: string) {
    super(`not a reconcile batch: ${problem}`);
    this.name = 'BadBatchError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ Items, BatchInput }` as a Distributed Map's ItemBatcher delivers it. */
export function parseBatch(event: unknown): MapBatch {
  if (!isRecord(event)) throw new BadBatchError('the event is not an object');
  const { Items: items, BatchInput: input } = event;
  if (!Array.isArray(items)) throw new BadBatchError('Items is not an array');
  if (!isRecord(input)) throw new BadBatchError('BatchInput is not an object');
  const passes: unknown[] = Object.values(MapPass);
  if (!passes.includes(input.pass))
    throw new BadBatchError(`BatchInput.pass must be "objects", "live" or "orphans" (got ${JSON.stringify(input.pass)})`);
  if (typeof input.backfill !== 'boolean') throw new BadBatchError('BatchInput.backfill must be true or false');
  const prefix = input.prefix ?? '';
  if (typeof prefix !== 'string') throw new BadBatchError('BatchInput.prefix must be a string');
  const pass = input.pass as MapPass;
  if (pass === MapPass.ORPHANS) {
    if (typeof input.shards !== 'string')
      throw new BadBatchError('BatchInput.shards (the shards to check) is required in the orphans pass');
    try {
      decodeShards(input.shards);
    } catch {
      throw new BadBatchError('BatchInput.shards is not a shard bitmap');
    }
    return { items, input: { pass, backfill: input.backfill, prefix, shards: input.shards } };
  }
  return { items, input: { pass, backfill: input.backfill, prefix } };
}

/** A batch's counts before anything was read. */
export const emptyBatchCounts = (rows = 0): BatchCounts => ({
  rows,
  skipped: 0,
  invalid: 0,
  objects: 0,
  live: 0,
  missing: 0,
  stale: 0,
  orphaned: 0,
  sent: 0,
  gone: 0,
  settled: 0,
  outOfScope: 0,
});

export function makeBatchReconciler(deps: BatchReconcilerDeps): (batch: MapBatch) => Promise<BatchResult> {
  const head = limitConcurrency(deps.headConcurrency, (key: string) => deps.objects.head(deps.bucket, key));
  const now = deps.now ?? (() => new Date());

  const send = async (messages: BackfillMessage[], result: BatchResult) => {
    for (let i = 0; i < messages.length; i += SEND_BATCH) {
      const chunk = messages.slice(i, i + SEND_BATCH);
      await sendAll(deps.queue, chunk);
      result.counts.sent += chunk.length;
    }
  };
  const sample = <T>(list: T[], value: T) => list.length < KEY_SAMPLE && list.push(value);
  const refuse = (result: BatchResult, why: string) => {
    result.counts.invalid++;
    sample(result.invalid, why);
  };

  async function objectsPass(batch: MapBatch, result: BatchResult): Promise<void> {
    const scope = scopeOf(deps.rules, batch.input.prefix);
    const c = result.counts;
    const entries: ListedEntry[] = [];
    for (const item of batch.items) {
      try {
        const row = objectRow(item);
        if (row.kind === 'skip') c.skipped++;
        else if (row.bucket !== undefined && row.bucket !== deps.bucket) refuse(result, `row of bucket ${row.bucket}, not ${deps.bucket}`);
        else if (!scope.byListing(row.entry.key, row.entry.size)) c.skipped++;
        else entries.push(row.entry);
      } catch (e) {
        refuse(result, (e as Error).message);
      }
    }
    const found = await deps.items.lookUp(
      deps.bucket,
      entries.map((e) => e.key),
    );
    // A live item whose object exists now: what the orphan search compares with the export, per shard.
    const matched = (key: string, item: ItemSummary | undefined) => {
      if (!item || item.deleted) return;
      c.live++;
      addShard(result.liveShards, key);
    };
    const differing: Array<{ entry: ListedEntry; item?: ItemSummary }> = [];
    for (const entry of entries) {
      const item = found.get(entry.key);
      if (compare(entry, item).kind === 'match') {
        c.objects++;
        matched(entry.key, item);
      } else differing.push({ entry, item });
    }
    // An inventory is up to a day (or a week) old: what differs is asked of S3 (HeadObject, the current
    // version) before it is reported, so a change made since is no difference; the answer also serves
    // the content-type filter and the backfill message.
    const heads = await Promise.all(differing.map((d) => head(d.entry.key)));
    const messages: BackfillMessage[] = [];
    differing.forEach((d, i) => {
      const h = heads[i]!;
      if (h === null) {
        // Deleted since the inventory: its item, if live, is left for the orphan search.
        c.gone++;
        return;
      }
      matched(d.entry.key, d.item);
      if (!scope.byHead(h)) {
        c.outOfScope++;
        return;
      }
      c.objects++;
      const current = compare(
        { ...d.entry, size: h.size, etag: h.etag ?? d.entry.etag, versionId: h.versionId ?? d.entry.versionId },
        d.item,
      );
      if (current.kind === 'match') {
        c.settled++;
        return;
      }
      if (current.kind === 'stale') {
        c.stale++;
        sample(result.stale, { key: d.entry.key, differs: current.differs });
      } else {
        c.missing++;
        sample(result.missing, d.entry.key);
      }
      if (batch.input.backfill) messages.push(backfillMessage(deps.bucket, d.entry, h, d.item?.messageId));
    });
    await send(messages, result);
  }

  /** The export's live items of the bucket under the scope's prefix (as the single-process orphan search takes them). */
  function liveRows(batch: MapBatch, result: BatchResult): ExportRow[] {
    const prefix = scopeOf(deps.rules, batch.input.prefix).listPrefix;
    const live: ExportRow[] = [];
    for (const item of batch.items) {
      try {
        const row = exportRow(item);
        if (row.bucket !== deps.bucket || row.deleted || !row.key.startsWith(prefix)) result.counts.skipped++;
        else live.push(row);
      } catch (e) {
        refuse(result, (e as Error).message);
      }
    }
    return live;
  }

  function livePass(batch: MapBatch, result: BatchResult): void {
    const live = liveRows(batch, result);
    result.counts.live = live.length;
    for (const row of live) addShard(result.liveShards, row.key);
  }

  async function orphansPass(batch: MapBatch, result: BatchResult): Promise<void> {
    const c = result.counts;
    const wanted = decodeShards(batch.input.shards!);
    const live = liveRows(batch, result).filter((row) => {
      if (wanted(shardOf(row.key))) return true;
      c.skipped++;
      return false;
    });
    c.live = live.length;
    const checked = await Promise.all(
      live.map(async (row) => {
        const checkedAt = now().toISOString();
        return (await head(row.key)) === null ? { key: row.key, checkedAt, seenMessageId: row.messageId } : null;
      }),
    );
    const orphans = checked.filter((o) => o !== null);
    c.orphaned = orphans.length;
    for (const o of orphans) sample(result.orphaned, o.key);
    if (batch.input.backfill && deps.handleDeletes)
      await send(
        orphans.map((o) => removalMessage(deps.bucket, o)),
        result,
      );
  }

  return async (batch) => {
    const result: BatchResult = {
      pass: batch.input.pass,
      counts: emptyBatchCounts(batch.items.length),
      missing: [],
      stale: [],
      orphaned: [],
      invalid: [],
      liveShards: {},
    };
    if (batch.input.pass === MapPass.OBJECTS) await objectsPass(batch, result);
    else if (batch.input.pass === MapPass.LIVE) livePass(batch, result);
    else await orphansPass(batch, result);
    return result;
  };
}
