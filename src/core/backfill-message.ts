import type { QueueSender } from './ports';
import type { ListedEntry } from './reconcile-verdict';
import { BACKFILL_MESSAGE_TYPE, ObjectState, type BackfillMessage, type ObjectHead } from './types';

/** SendMessageBatch's limit. */
export const SEND_BATCH = 10;
const SEND_ATTEMPTS = 5;

/** The message for an object, from what HeadObject said of its current version. */
export function backfillMessage(bucket: string, entry: ListedEntry, head: ObjectHead, seenMessageId: string | undefined): BackfillMessage {
  const lastModified = head.lastModified ?? entry.lastModified;
  if (!lastModified) throw new Error(`S3 gave no Last-Modified for s3://${bucket}/${entry.key}`);
  return {
    type: BACKFILL_MESSAGE_TYPE,
    bucket,
    key: entry.key,
    size: head.size,
    etag: head.etag ?? entry.etag,
    versionId: head.versionId,
    contentType: head.contentType,
    lastModified,
    seenMessageId,
  };
}

/** The removal event that never came, for a live item whose object HeadObject found gone. */
export function removalMessage(bucket: string, orphan: { key: string; checkedAt: string; seenMessageId?: string }): BackfillMessage {
  return { type: BACKFILL_MESSAGE_TYPE, bucket, state: ObjectState.DELETED, ...orphan };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends up to ten messages in one batch, retrying the entries SQS refused; throws when some never go. */
export async function sendAll(queue: QueueSender, messages: BackfillMessage[], sleep = pause): Promise<void> {
  let pending = messages.map((m, i) => ({ id: String(i), body: JSON.stringify(m) }));
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > SEND_ATTEMPTS)
      throw new Error(
        `SQS refused ${pending.length} backfill message(s) ${SEND_ATTEMPTS} times (keys: ${pending.map((p) => messages[Number(p.id)]!.key).join(', ')})`,
      );
    const { failedIds } = await queue.sendBatch(pending);
    pending = pending.filter((p) => failedIds.includes(p.id));
    if (pending.length) await sleep(100 * 2 ** attempt);
  }
}
