import { EnqueueError, PoisonMessageError, PoisonReason } from './errors';
import { rejectByHead, rejectByKey, RejectReason, type PusherFilters } from './filters';
import { parseS3Record } from './messages';
import type { DeadLetters, ObjectStore, OutgoingMessage, QueueSender } from './ports';
import { EventFamily, eventFamily, PUSHER_MESSAGE_TYPE, type ObjectEvent, type PusherMessage } from './types';

/** SQS's SendMessageBatch limit. */
export const SEND_BATCH_SIZE = 10;

export interface PushSummary {
  testEvent: boolean;
  enqueued: Array<{ key: string; bucket: string }>;
  rejected: Array<{ key: string; bucket: string; reason: RejectReason }>;
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

type Decision = { message: PusherMessage } | { rejected: RejectReason } | { poison: PoisonMessageError };

/**
 * The pusher's core: an S3 event in, enriched messages on the queue out.
 * Rejected objects are reported with a reason; records that can never be processed go to
 * the DLQ. If enqueuing still fails after retries it throws {@link EnqueueError}, so the
 * invocation fails and Lambda's async retries, then the on-failure destination, take over.
 */
export function makePusher(deps: PusherDeps): (event: unknown) => Promise<PushSummary> {
  const maxAttempts = deps.maxSendAttempts ?? 3;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  async function decide(record: unknown, index: number): Promise<{ event?: ObjectEvent; decision: Decision }> {
    let event: ObjectEvent;
    try {
      event = parseS3Record(record, `Records[${index}]`);
    } catch (e) {
      if (e instanceof PoisonMessageError) return { decision: { poison: e } };
      throw e;
    }
    const family = eventFamily(event.eventName);
    const removed = family === EventFamily.REMOVED;
    if (family === EventFamily.OTHER || (removed && !deps.handleDeletes)) {
      return { event, decision: { rejected: RejectReason.EVENT_TYPE_NOT_HANDLED } };
    }
    const byKey = rejectByKey(event.key, deps.filters);
    if (byKey) return { event, decision: { rejected: byKey } };
    const base: PusherMessage = { type: PUSHER_MESSAGE_TYPE, ...event };
    if (removed) return { event, decision: { message: base } };

    const head = await deps.objects.head(event.bucket, event.key, event.versionId);
    if (head === null) return { event, decision: { rejected: RejectReason.OBJECT_MISSING } };
    const byHead = rejectByHead(head, deps.filters);
    if (byHead) return { event, decision: { rejected: byHead } };
    const message: PusherMessage = {
      ...base,
      size: event.size ?? head.size,
      etag: event.etag ?? head.etag,
      versionId: event.versionId ?? head.versionId,
      contentType: head.contentType,
      ...(Object.keys(head.metadata).length > 0 ? { metadata: head.metadata } : {}),
    };
    return { event, decision: { message } };
  }

  async function sendAll(messages: OutgoingMessage[]): Promise<string[]> {
    let pending = messages;
    for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(50 * 2 ** (attempt - 2));
      const failed = new Set<string>();
      for (let i = 0; i < pending.length; i += SEND_BATCH_SIZE) {
        const chunk = pending.slice(i, i + SEND_BATCH_SIZE);
        try {
          (await deps.sender.sendBatch(chunk)).failedIds.forEach((id) => failed.add(id));
        } catch {
          chunk.forEach((m) => failed.add(m.id));
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
    const records = e.Records as unknown[];
    const decisions = await Promise.all(records.map((r, i) => decide(r, i)));

    const outgoing: OutgoingMessage[] = [];
    for (const [i, { event: ev, decision }] of decisions.entries()) {
      if ('poison' in decision) {
        const { reason, message } = decision.poison;
        await deps.deadLetters.send(JSON.stringify({ Records: [records[i]] }), { code: reason, detail: message });
        summary.poison.push({ reason, detail: message });
      } else if ('rejected' in decision) {
        summary.rejected.push({ key: ev!.key, bucket: ev!.bucket, reason: decision.rejected });
      } else {
        outgoing.push({ id: String(i), body: JSON.stringify(decision.message) });
      }
    }
    const failedIds = await sendAll(outgoing);
    if (failedIds.length > 0) throw new EnqueueError(failedIds.map((id) => decisions[Number(id)]!.event!.key));
    for (const m of outgoing) summary.enqueued.push({ key: decisions[Number(m.id)]!.event!.key, bucket: decisions[Number(m.id)]!.event!.bucket });
    return summary;
  };
}
