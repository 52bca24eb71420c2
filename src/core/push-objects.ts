import { EnqueueError, PoisonReason } from './errors';
import { rejectByHead, rejectByKey, RejectReason, type PusherFilters } from './filters';
import { classifyS3Record } from './messages';
import type { DeadLetters, ObjectStore, OutgoingMessage, QueueSender } from './ports';
import { currentAfterRemoval, namedVersion } from './current-version';
import { deadLetterPart } from './poison-part';
import {
  EventFamily,
  eventFamily,
  ObjectState,
  PUSHER_MESSAGE_TYPE,
  type ObjectEvent,
  type ObjectHead,
  type PusherMessage,
  type EventRecordResult,
} from './types';

/** SQS's SendMessageBatch limit. */
export const SEND_BATCH_SIZE = 10;

export interface PushSummary {
  testEvent: boolean;
  enqueued: Array<{ key: string; bucket: string }>;
  rejected: Array<{ key: string; bucket: string; reason: RejectReason }>;
  /** Records (or the whole event) sent to the DLQ, at most one DLQ message per invocation. */
  poison: Array<{ reason: string; detail: string }>;
}

export interface PusherDeps {
  objects: ObjectStore;
  sender: QueueSender;
  deadLetters: DeadLetters;
  filters: PusherFilters;
  handleDeletes: boolean;
  /** Attempts per message before the invocation fails. @default 3 */
  maxSendAttempts?: number;
  /** @default setTimeout-based; injected in tests. */
  sleep?: (ms: number) => Promise<void>;
}

type Decision = { message: PusherMessage } | { rejected: RejectReason; key?: string; bucket?: string } | null;

/** A pusher message describing the key's current state: the version S3 reports, its type and metadata. */
function withHead(event: ObjectEvent, head: ObjectHead, state?: ObjectState): PusherMessage {
  return {
    type: PUSHER_MESSAGE_TYPE,
    ...event,
    size: head.size,
    etag: head.etag,
    versionId: head.versionId,
    contentType: head.contentType,
    ...(Object.keys(head.metadata).length > 0 ? { metadata: head.metadata } : {}),
    ...(state ? { state } : {}),
  };
}

/**
 * The pusher's core: an S3 event in, enriched messages on the queue out.
 *
 * Records are classified first; objects are looked up (created: the version the event names;
 * removals: what is current now, unless a delete marker says it already) and filtered. Messages
 * are enqueued first; unreadable records go to the DLQ afterwards, in one message, so a failed
 * enqueue (which fails the invocation and brings Lambda's retry) never dead-letters them twice.
 * If enqueuing still fails after retries it throws {@link EnqueueError}: Lambda's async retries,
 * then the on-failure destination, take over.
 */
export function makePusher(deps: PusherDeps): (event: unknown) => Promise<PushSummary> {
  const maxAttempts = deps.maxSendAttempts ?? 3;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  async function created(event: ObjectEvent): Promise<Decision> {
    const head = await deps.objects.head(event.bucket, event.key, event.versionId);
    if (head === null) return { rejected: RejectReason.OBJECT_MISSING };
    const byHead = rejectByHead(head, deps.filters);
    if (byHead) return { rejected: byHead };
    // Size and ETag from the event describe exactly the version it names; S3 adds type and metadata.
    return { message: withHead(event, namedVersion(event, head)) };
  }

  async function removed(event: ObjectEvent): Promise<Decision> {
    const after = await currentAfterRemoval(event, deps.objects);
    if (after.gone) return { message: { type: PUSHER_MESSAGE_TYPE, ...event, state: ObjectState.DELETED } };
    const byHead = rejectByHead(after.current, deps.filters);
    if (byHead) return { rejected: byHead };
    return { message: withHead(event, after.current, ObjectState.LIVE) };
  }

  async function decide(record: EventRecordResult): Promise<Decision> {
    if (record.kind === 'poison') return null;
    if (record.kind === 'ignored') return { rejected: RejectReason.EVENT_TYPE_NOT_HANDLED, key: record.key, bucket: record.bucket };
    const { event } = record;
    const family = eventFamily(event.eventName);
    if (family === EventFamily.OTHER || (family === EventFamily.REMOVED && !deps.handleDeletes))
      return { rejected: RejectReason.EVENT_TYPE_NOT_HANDLED };
    const byKey = rejectByKey(event.key, deps.filters);
    if (byKey) return { rejected: byKey };
    return family === EventFamily.CREATED ? created(event) : removed(event);
  }

  /** SendMessageBatch in chunks of 10, retrying only the entries SQS refused; returns the ids never accepted. */
  async function sendAll(messages: OutgoingMessage[]): Promise<string[]> {
    let pending = messages;
    for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(50 * 2 ** (attempt - 2));
      const failed = new Set<string>();
      for (let i = 0; i < pending.length; i += SEND_BATCH_SIZE) {
        const chunk = pending.slice(i, i + SEND_BATCH_SIZE);
        try {
          (await deps.sender.sendBatch(chunk)).failedIds.forEach((id) => {
            failed.add(id);
          });
        } catch {
          chunk.forEach((m) => {
            failed.add(m.id);
          });
        }
      }
      pending = pending.filter((m) => failed.has(m.id));
    }
    return pending.map((m) => m.id);
  }

  return async (event) => {
    const summary: PushSummary = { testEvent: false, enqueued: [], rejected: [], poison: [] };
    const e = event as { Records?: unknown; Event?: unknown };
    if (e?.Event === 's3:TestEvent') return { ...summary, testEvent: true };
    if (!Array.isArray(e?.Records) || e.Records.length === 0) {
      const detail = 'Event has no S3 Records';
      await deps.deadLetters.send(JSON.stringify(event) ?? 'undefined', { code: PoisonReason.NOT_AN_S3_EVENT, detail });
      summary.poison.push({ reason: PoisonReason.NOT_AN_S3_EVENT, detail });
      return summary;
    }
    const records = (e.Records as unknown[]).map((r, i) => classifyS3Record(r, `Records[${i}]`));
    const decisions = await Promise.all(records.map(decide));

    const outgoing: Array<OutgoingMessage & { message: PusherMessage }> = [];
    decisions.forEach((d, i) => {
      const ev = records[i]!.kind === 'object' ? (records[i] as { event: ObjectEvent }).event : undefined;
      if (d && 'rejected' in d)
        summary.rejected.push({ key: ev?.key ?? d.key ?? '', bucket: ev?.bucket ?? d.bucket ?? '', reason: d.rejected });
      else if (d) outgoing.push({ id: String(i), body: JSON.stringify(d.message), message: d.message });
    });
    const failedIds = await sendAll(outgoing);
    if (failedIds.length > 0) throw new EnqueueError(outgoing.filter((m) => failedIds.includes(m.id)).map((m) => m.message.key));
    for (const m of outgoing) summary.enqueued.push({ key: m.message.key, bucket: m.message.bucket });

    const poison = deadLetterPart(JSON.stringify(event), records);
    if (poison) {
      await deps.deadLetters.send(poison.body, { code: poison.reason, detail: poison.detail });
      summary.poison.push({ reason: poison.reason, detail: poison.detail });
    }
    return summary;
  };
}
