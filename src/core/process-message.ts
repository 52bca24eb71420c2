import { PoisonMessageError } from './errors';
import { buildDeletionMark, buildItem } from './items';
import { parseMessageBody } from './messages';
import type { DeadLetters, ItemRepository, ObjectStore } from './ports';
import { EventFamily, eventFamily, type ObjectEvent } from './types';

/** What happened to one object of a message (or to the message, for test events and poison). */
export type Outcome =
  | { status: 'stored'; key: string; bucket: string; latencyMs: number }
  | { status: 'deleted'; key: string; bucket: string; latencyMs: number }
  | { status: 'duplicate'; key: string; bucket: string }
  | { status: 'skipped'; key: string; bucket: string; reason: 'object-missing' }
  | { status: 'ignored'; key: string; bucket: string; eventName: string }
  | { status: 'test-event' }
  | { status: 'poison'; reason: string; detail: string };

export interface MessageProcessorDeps {
  objects: ObjectStore;
  items: ItemRepository;
  deadLetters: DeadLetters;
  /** Mark items deleted on `ObjectRemoved:*`; otherwise such events are ignored. */
  handleDeletes: boolean;
  now?: () => Date;
}

export interface IncomingMessage {
  messageId: string;
  body: string;
}

/**
 * The processor's core: one SQS message in, its outcomes out.
 *
 * Permanent problems (poison) are sent to the DLQ with their reason and reported as an
 * outcome; the message is then acknowledged. Anything thrown is transient: the caller
 * reports the message as a batch item failure and SQS delivers it again. If the DLQ send
 * itself fails, that error is thrown too, so a poison message is never dropped.
 */
export function makeMessageProcessor(deps: MessageProcessorDeps): (message: IncomingMessage) => Promise<Outcome[]> {
  const now = deps.now ?? (() => new Date());

  async function processEvent(event: ObjectEvent, messageId: string): Promise<Outcome> {
    const { key, bucket } = event;
    const family = eventFamily(event.eventName);
    if (family === EventFamily.REMOVED && deps.handleDeletes) {
      const at = now();
      const result = await deps.items.markDeletedIfNewer(buildDeletionMark(event, messageId, at));
      return result === 'stale' ? { status: 'duplicate', key, bucket } : { status: 'deleted', key, bucket, latencyMs: latency(event, at) };
    }
    if (family !== EventFamily.CREATED) return { status: 'ignored', key, bucket, eventName: event.eventName };

    let head;
    if (event.contentType === undefined) {
      head = await deps.objects.head(bucket, key, event.versionId);
      if (head === null) return { status: 'skipped', key, bucket, reason: 'object-missing' };
    }
    const at = now();
    const result = await deps.items.putIfNewer(buildItem(event, head, messageId, at));
    return result === 'stale' ? { status: 'duplicate', key, bucket } : { status: 'stored', key, bucket, latencyMs: latency(event, at) };
  }

  return async ({ messageId, body }) => {
    try {
      const parsed = parseMessageBody(body);
      if (parsed.kind === 'test-event') return [{ status: 'test-event' }];
      // Records of one message are few (S3 sends one); in order keeps per-key ordering simple.
      const outcomes: Outcome[] = [];
      for (const event of parsed.events) outcomes.push(await processEvent(event, messageId));
      return outcomes;
    } catch (e) {
      if (!(e instanceof PoisonMessageError)) throw e;
      await deps.deadLetters.send(body, { code: e.reason, detail: e.message, sourceMessageId: messageId });
      return [{ status: 'poison', reason: e.reason, detail: e.message }];
    }
  };
}

const latency = (event: ObjectEvent, at: Date): number => Math.max(0, at.getTime() - Date.parse(event.eventTime));
