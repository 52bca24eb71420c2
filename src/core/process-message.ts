import { PoisonMessageError } from './errors';
import { buildBackfillDeletionMark, buildBackfillItem, buildDeletionMark, buildItem } from './items';
import { parseMessageBody } from './messages';
import type { DeadLetters, ItemRepository, ObjectStore } from './ports';
import { deadLetterPart } from './poison-part';
import { createsDeleteMarker, EventFamily, eventFamily, ObjectState, type GoneObject, type ListedObject, type ObjectEvent, type RecordResult } from './types';

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

  async function store(event: ObjectEvent, messageId: string): Promise<Outcome> {
    const { key, bucket } = event;
    const at = now();
    const result = await deps.items.putIfNewer(buildItem(event, messageId, at));
    return result === 'stale' ? { status: 'duplicate', key, bucket } : { status: 'stored', key, bucket, latencyMs: latency(event, at) };
  }

  async function markDeleted(event: ObjectEvent, messageId: string): Promise<Outcome> {
    const { key, bucket } = event;
    const at = now();
    const result = await deps.items.markDeletedIfNewer(buildDeletionMark(event, messageId, at));
    return result === 'stale' ? { status: 'duplicate', key, bucket } : { status: 'deleted', key, bucket, latencyMs: latency(event, at) };
  }

  async function created(event: ObjectEvent, messageId: string): Promise<Outcome> {
    if (event.contentType !== undefined) return store(event, messageId);
    // The version the event names: its size and ETag come from the event, its type from S3.
    const head = await deps.objects.head(event.bucket, event.key, event.versionId);
    if (head === null) return { status: 'skipped', key: event.key, bucket: event.bucket, reason: 'object-missing' };
    return store({ ...event, contentType: head.contentType, size: event.size ?? head.size, etag: event.etag ?? head.etag, versionId: event.versionId ?? head.versionId }, messageId);
  }

  /**
   * A removal: the item must say what is current for the key after it. A new delete marker hides
   * the key; any other removal may have taken a noncurrent version or a delete marker away, so
   * S3 is asked for the current version (HeadObject without a version). Written with the event's
   * sequencer, an older event can never overwrite the result of a newer one.
   */
  async function removed(event: ObjectEvent, messageId: string): Promise<Outcome> {
    if (event.state === ObjectState.LIVE) return store(event, messageId);
    if (event.state === ObjectState.DELETED || createsDeleteMarker(event.eventName)) return markDeleted(event, messageId);
    const current = await deps.objects.head(event.bucket, event.key);
    if (current === null) return markDeleted(event, messageId);
    return store({ ...event, contentType: current.contentType, size: current.size, etag: current.etag, versionId: current.versionId }, messageId);
  }

  /** No event announced this object: no latency to measure, and real events always win ties. */
  async function backfill(object: ListedObject, messageId: string): Promise<Outcome> {
    const { key, bucket } = object;
    const result = await deps.items.putBackfillIfNewer(buildBackfillItem(object, messageId, now()), { seenMessageId: object.seenMessageId });
    return result === 'stale' ? { status: 'duplicate', key, bucket } : { status: 'backfilled', key, bucket };
  }

  async function backfillRemoval(gone: GoneObject, messageId: string): Promise<Outcome> {
    const { key, bucket } = gone;
    const result = await deps.items.markBackfillDeletedIfNewer(buildBackfillDeletionMark(gone, messageId, now()), { seenMessageId: gone.seenMessageId });
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
