import { PoisonMessageError } from './errors';
import { buildBackfillDeletionMark, buildBackfillItem, buildDeletionMark, buildItem, stripQuotes } from './items';
import { parseMessageBody } from './messages';
import type { DeadLetters, ItemRepository, ObjectStore, StoredState, WriteResult } from './ports';
import { currentAfterRemoval, namedVersion } from './current-version';
import { deadLetterPart } from './poison-part';
import {
  EventFamily,
  eventFamily,
  ObjectState,
  type DeletionMark,
  type GoneObject,
  type IngestItem,
  type ListedObject,
  type ObjectEvent,
  type ObjectHead,
  type RecordResult,
} from './types';

/** What happened to one object of a message (or to the message, for test events and poison). */
export type Outcome =
  | { status: 'stored'; key: string; bucket: string; latencyMs: number }
  | { status: 'deleted'; key: string; bucket: string; latencyMs: number }
  | { status: 'backfilled'; key: string; bucket: string }
  | { status: 'duplicate'; key: string; bucket: string }
  | { status: 'skipped'; key: string; bucket: string; reason: 'object-missing' }
  | { status: 'ignored'; key?: string; bucket?: string; eventName: string }
  | { status: 'test-event' }
  | { status: 'poison'; reason: string; detail: string };

export interface MessageProcessorDeps {
  objects: ObjectStore;
  items: ItemRepository;
  deadLetters: DeadLetters;
  /** Track removals (`ObjectRemoved:*`, lifecycle expirations); otherwise they are ignored. */
  handleDeletes: boolean;
  now?: () => Date;
}

export interface IncomingMessage {
  messageId: string;
  body: string;
}

const latency = (event: ObjectEvent, at: Date): number => Math.max(0, at.getTime() - Date.parse(event.eventTime));

/** The item already says what this live item says: a redelivery (or the same state again). */
const sameLiveState = (s: StoredState, item: IngestItem): boolean =>
  !s.deleted && stripQuotes(s.etag) === stripQuotes(item.etag) && s.size === item.file_size && s.versionId === item.version_id;

/** S3's current version is the one this item describes. */
const isCurrent = (head: ObjectHead, item: IngestItem): boolean =>
  stripQuotes(head.etag) === stripQuotes(item.etag) && head.size === item.file_size && (head.versionId ?? undefined) === item.version_id;

/**
 * The processor's core: one SQS message in, its outcomes out.
 *
 * Each record is handled on its own. A message whose body is unreadable goes to the DLQ whole;
 * a message with some unreadable records has its readable ones processed first, and only then
 * are the others dead-lettered, together, in one DLQ message (see `poison-part.ts`). Anything
 * thrown is transient: the caller reports the message as a batch item failure and SQS delivers
 * it again; the conditional writes make the replay of its good part harmless, and as the DLQ
 * send comes last, the poison part is never dead-lettered twice. If the DLQ send itself fails,
 * that error is thrown too, so a poison message is never dropped.
 */
export function makeMessageProcessor(deps: MessageProcessorDeps): (message: IncomingMessage) => Promise<Outcome[]> {
  const now = deps.now ?? (() => new Date());

  /**
   * A write the ordering rule refused is a duplicate only if the item already says the same, or S3
   * says the event is not the current state. The rule can be wrong: an ordering key no real event
   * had (a forged sequencer from a queue that also takes SNS or EventBridge deliveries), or a tie
   * with a backfill's whole-second `Last-Modified`. So when the item differs, S3 is asked (HeadObject
   * of the current version): if the event describes it, the event is written over the item as long
   * as the item is still the one read, and the item's ordering key becomes the event's. A plain
   * redelivery matches the item and costs no S3 call.
   */
  async function confirmRefused(event: ObjectEvent, written: { live: IngestItem } | { mark: DeletionMark }): Promise<WriteResult> {
    const stored = await deps.items.stored(event.bucket, event.key);
    if (stored === null) return 'stale';
    if ('live' in written ? sameLiveState(stored, written.live) : stored.deleted) return 'stale';
    const current = await deps.objects.head(event.bucket, event.key);
    if ('live' in written)
      return current !== null && isCurrent(current, written.live) ? deps.items.putConfirmed(written.live, stored.messageId) : 'stale';
    return current === null ? deps.items.markDeletedConfirmed(written.mark, stored.messageId) : 'stale';
  }

  async function store(event: ObjectEvent, messageId: string): Promise<Outcome> {
    const { key, bucket } = event;
    const at = now();
    const item = buildItem(event, messageId, at);
    let result = await deps.items.putIfNewer(item);
    if (result === 'stale') result = await confirmRefused(event, { live: item });
    return result === 'stale' ? { status: 'duplicate', key, bucket } : { status: 'stored', key, bucket, latencyMs: latency(event, at) };
  }

  async function markDeleted(event: ObjectEvent, messageId: string): Promise<Outcome> {
    const { key, bucket } = event;
    const at = now();
    const mark = buildDeletionMark(event, messageId, at);
    let result = await deps.items.markDeletedIfNewer(mark);
    if (result === 'stale') result = await confirmRefused(event, { mark });
    return result === 'stale' ? { status: 'duplicate', key, bucket } : { status: 'deleted', key, bucket, latencyMs: latency(event, at) };
  }

  async function created(event: ObjectEvent, messageId: string): Promise<Outcome> {
    if (event.contentType !== undefined) return store(event, messageId);
    // The version the event names: its size and ETag come from the event, its type from S3.
    const head = await deps.objects.head(event.bucket, event.key, event.versionId);
    if (head === null) return { status: 'skipped', key: event.key, bucket: event.bucket, reason: 'object-missing' };
    const named = namedVersion(event, head);
    return store({ ...event, contentType: named.contentType, size: named.size, etag: named.etag, versionId: named.versionId }, messageId);
  }

  /**
   * A removal: the item must say what is current for the key after it. A new delete marker hides
   * the key; any other removal may have taken a noncurrent version or a delete marker away, so
   * S3 is asked for the current version (HeadObject without a version). Written with the event's
   * sequencer, an older event can never overwrite the result of a newer one.
   */
  async function removed(event: ObjectEvent, messageId: string): Promise<Outcome> {
    // The pusher already asked S3 (its message says the state); a raw S3 event is decided here.
    if (event.state === ObjectState.LIVE) return store(event, messageId);
    if (event.state === ObjectState.DELETED) return markDeleted(event, messageId);
    const after = await currentAfterRemoval(event, deps.objects);
    if (after.gone) return markDeleted(event, messageId);
    const { contentType, size, etag, versionId } = after.current;
    return store({ ...event, contentType, size, etag, versionId }, messageId);
  }

  /** No event announced this object: no latency to measure, and real events always win ties. */
  async function backfill(object: ListedObject, messageId: string): Promise<Outcome> {
    const { key, bucket } = object;
    const result = await deps.items.putBackfillIfNewer(buildBackfillItem(object, messageId, now()), {
      seenMessageId: object.seenMessageId,
    });
    return result === 'stale' ? { status: 'duplicate', key, bucket } : { status: 'backfilled', key, bucket };
  }

  async function backfillRemoval(gone: GoneObject, messageId: string): Promise<Outcome> {
    const { key, bucket } = gone;
    const result = await deps.items.markBackfillDeletedIfNewer(buildBackfillDeletionMark(gone, messageId, now()), {
      seenMessageId: gone.seenMessageId,
    });
    return result === 'stale' ? { status: 'duplicate', key, bucket } : { status: 'backfilled', key, bucket };
  }

  async function processRecord(record: RecordResult, messageId: string): Promise<Outcome | null> {
    if (record.kind === 'poison') return null;
    if (record.kind === 'ignored') return { status: 'ignored', key: record.key, bucket: record.bucket, eventName: record.eventName };
    if (record.kind === 'backfill') return backfill(record.object, messageId);
    if (record.kind === 'backfill-removal') {
      if (deps.handleDeletes) return backfillRemoval(record.object, messageId);
      return { status: 'ignored', key: record.object.key, bucket: record.object.bucket, eventName: 'Backfill:ObjectGone' };
    }
    const { event } = record;
    const family = eventFamily(event.eventName);
    if (family === EventFamily.CREATED) return created(event, messageId);
    if (family === EventFamily.REMOVED && deps.handleDeletes) return removed(event, messageId);
    return { status: 'ignored', key: event.key, bucket: event.bucket, eventName: event.eventName };
  }

  return async ({ messageId, body }) => {
    let records: RecordResult[];
    try {
      const parsed = parseMessageBody(body);
      if (parsed.kind === 'test-event') return [{ status: 'test-event' }];
      records = parsed.records;
    } catch (e) {
      if (!(e instanceof PoisonMessageError)) throw e;
      await deps.deadLetters.send(body, { code: e.reason, detail: e.message, sourceMessageId: messageId });
      return [{ status: 'poison', reason: e.reason, detail: e.message }];
    }
    // Records of one message are few (S3 sends one); in order keeps per-key ordering simple.
    const outcomes: Outcome[] = [];
    for (const record of records) {
      const outcome = await processRecord(record, messageId);
      if (outcome) outcomes.push(outcome);
    }
    const poison = deadLetterPart(body, records);
    if (poison) {
      await deps.deadLetters.send(poison.body, { code: poison.reason, detail: poison.detail, sourceMessageId: messageId });
      outcomes.push({ status: 'poison', reason: poison.reason, detail: poison.detail });
    }
    return outcomes;
  };
}
