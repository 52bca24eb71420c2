import { limitConcurrency } from '../../src/core/limit';
import type { ObjectStore, QueueSender } from '../../src/core/ports';
import { backfillMessage, removalMessage, SEND_BATCH, sendAll } from '../../src/core/backfill-message';
import type { BackfillMessage, ObjectHead } from '../../src/core/types';
import type { Checkpoint, CheckpointFile, BackfillRunKey } from './checkpoint';
import type { RateLimiter } from './rate-limiter';
import { searchOrphans } from './orphans';
import { compareBucketWithTable, orphanSearch, type ComparedObject, type WalkTarget } from './table-walk';

export interface BackfillCounts {
  /** Objects listed (any scope). */
  listed: number;
  /** In-scope objects compared with the table. */
  compared: number;
  missing: number;
  stale: number;
  /** Messages sent (or, with `dryRun`, that would be). */
  sent: number;
  /** Gone between the listing and HeadObject: nothing to send. */
  gone: number;
  /** Filtered out by a check only HeadObject can make (content type). */
  outOfScope: number;
  /** Live items whose object is gone (searched only when deletes are tracked and not `onlyMissing`). */
  orphaned: number;
}

export interface BackfillReport {
  counts: BackfillCounts;
  /** The keys sent, up to the key limit. */
  sent: string[];
  truncated: boolean;
  /** Set when a checkpoint was found but could not apply to this data: why it was discarded. */
  checkpointDiscarded?: string;
  /** Set when this run continued an interrupted one. */
  resumedAfter?: string;
  dryRun: boolean;
}

export interface BackfillOptions extends WalkTarget {
  objects: ObjectStore;
  queue: QueueSender;
  limiter: RateLimiter;
  onlyMissing: boolean;
  /** The environment tracks deletions: orphaned items get a removal message too. */
  handleDeletes: boolean;
  dryRun: boolean;
  keyLimit: number;
  /** Null: no resuming (dry runs). */
  checkpoint: { file: CheckpointFile; run: BackfillRunKey } | null;
  onProgress?: (counts: Record<string, number>) => void;
}

const BATCH = SEND_BATCH;

/**
 * Sends the processing queue a backfill message for each in-scope object the table misses (and,
 * unless `onlyMissing`, holds stale), at the limiter's rate. The conditional write on the processor
 * side decides; this only proposes. After each listing page the checkpoint records its last key,
 * so an interrupted run resumes after the last page it finished (resending at most one page,
 * which the conditional write absorbs).
 */
export async function backfill(o: BackfillOptions): Promise<BackfillReport> {
  let checkpointDiscarded: string | undefined;
  const saved: Checkpoint | null = o.checkpoint ? o.checkpoint.file.load(o.checkpoint.run, (why) => (checkpointDiscarded = why)) : null;
  const report: BackfillReport = {
    counts: { listed: 0, compared: 0, missing: 0, stale: 0, sent: 0, gone: 0, outOfScope: 0, orphaned: 0 },
    sent: [],
    truncated: false,
    resumedAfter: saved?.lastKey,
    ...(checkpointDiscarded ? { checkpointDiscarded } : {}),
    dryRun: o.dryRun,
  };
  const c = report.counts;
  const progress = () => o.onProgress?.({ listed: c.listed, compared: c.compared, sent: c.sent });
  const head = limitConcurrency(o.headConcurrency, (key: string) => o.objects.head(o.bucket, key));
  const wanted = (x: ComparedObject) => x.verdict.kind === 'missing' || (x.verdict.kind === 'stale' && !o.onlyMissing);
  const send = async (messages: BackfillMessage[]) => {
    if (messages.length === 0) return;
    if (!o.dryRun) {
      // One message at a time through the limiter: at a low --rate, progress moves with every send.
      for (let i = 0; i < messages.length; i++) {
        await o.limiter.take(1);
        progress();
      }
      await sendAll(o.queue, messages);
    }
    c.sent += messages.length;
    for (const m of messages) report.sent.length < o.keyLimit ? report.sent.push(m.key) : (report.truncated = true);
    progress();
  };

  let liveMatched = 0;
  for await (const page of compareBucketWithTable(o, { startAfter: saved?.lastKey })) {
    c.listed += page.listed;
    c.compared += page.compared.length;
    liveMatched += page.compared.filter((x) => x.item && !x.item.deleted).length;
    const candidates = page.compared.filter(wanted);
    c.missing += candidates.filter((x) => x.verdict.kind === 'missing').length;
    c.stale += candidates.filter((x) => x.verdict.kind === 'stale').length;
    for (let i = 0; i < candidates.length; i += BATCH) await send(await messagesFor(o, candidates.slice(i, i + BATCH), head, c));
    if (o.checkpoint && page.lastKey !== undefined) {
      o.checkpoint.file.save({
        run: o.checkpoint.run,
        lastKey: page.lastKey,
        sent: (saved?.sent ?? 0) + c.sent,
        updatedAt: new Date().toISOString(),
      });
    }
    progress();
  }

  if (o.handleDeletes && !o.onlyMissing) await sendRemovals(o, liveMatched, send, c);
  o.checkpoint?.file.clear();
  return report;
}

/**
 * The messages for one batch of missing or stale objects, each looked up again first: an object gone since
 * the listing is counted, not sent, and so is one the environment's filters exclude by its content type.
 */
async function messagesFor(
  o: BackfillOptions,
  chunk: ComparedObject[],
  head: (key: string) => Promise<ObjectHead | null>,
  c: BackfillReport['counts'],
): Promise<BackfillMessage[]> {
  const heads = await Promise.all(chunk.map((x) => head(x.entry.key)));
  const messages: BackfillMessage[] = [];
  chunk.forEach((x, j) => {
    const h = heads[j];
    if (h === null || h === undefined) c.gone++;
    else if (!o.scope.byHead(h)) c.outOfScope++;
    else messages.push(backfillMessage(o.bucket, x.entry, h, x.item?.messageId));
  });
  return messages;
}

/** The removal events that never came: the processor marks each orphan's item deleted unless a newer event wrote it. */
async function sendRemovals(
  o: BackfillOptions,
  liveMatched: number,
  send: (messages: BackfillMessage[]) => Promise<void>,
  c: BackfillReport['counts'],
): Promise<void> {
  let removals: BackfillMessage[] = [];
  await searchOrphans(orphanSearch(o), liveMatched, async (orphan) => {
    c.orphaned++;
    removals.push(removalMessage(o.bucket, orphan));
    if (removals.length < BATCH) return;
    // Taken before the await: the Scan's segments call in parallel.
    const full = removals;
    removals = [];
    await send(full);
  });
  await send(removals);
}
