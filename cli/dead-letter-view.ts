import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { decodeS3Key } from '../src/core/s3-key';

/** A DLQ message, explained: why it is there and which objects it concerns. */
export interface DeadLetter {
  messageId: string;
  /**
   * What it is a copy of: the handler's `dead_letter_id` (one per dead-lettered part, the same for
   * copies a crash sent twice), or the SQS message id for what SQS or Lambda moved here.
   */
  id: string;
  reason: string;
  detail?: string;
  source?: string;
  /** The processing-queue message that was dead-lettered, when a handler sent it. */
  sourceMessageId?: string;
  receiveCount?: number;
  /** Decoded keys of the objects the body refers to, when it refers to any. */
  keys: string[];
  body: string;
  sentAt?: string;
}

function keysIn(body: unknown): string[] {
  const b = body as { Records?: unknown; key?: unknown; requestPayload?: unknown };
  if (typeof b?.key === 'string') return [b.key];
  if (b?.requestPayload) return keysIn(b.requestPayload);
  if (!Array.isArray(b?.Records)) return [];
  return b.Records.flatMap((r: { s3?: { object?: { key?: unknown } } }) => {
    const raw = r?.s3?.object?.key;
    if (typeof raw !== 'string') return [];
    try {
      return [decodeS3Key(raw)];
    } catch {
      return [raw];
    }
  });
}

/**
 * Explains a DLQ message from what put it there: the handlers' `reason`/`detail`
 * attributes (poison), Lambda's on-failure destination record (pusher retries
 * exhausted), or, with neither, the queue's redrive after `maxReceiveCount` receives.
 */
export function explainDeadLetter(m: Message, maxReceiveCount?: number): DeadLetter {
  const attrs = m.MessageAttributes ?? {};
  const body = m.Body ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const destination = parsed as
    | { requestContext?: { condition?: string; approximateInvokeCount?: number }; responsePayload?: { errorMessage?: string } }
    | undefined;
  let reason = attrs.reason?.StringValue;
  let detail = attrs.detail?.StringValue;
  if (!reason && destination?.requestContext?.condition) {
    reason = `async-${destination.requestContext.condition}`;
    detail = `${destination.requestContext.approximateInvokeCount} invocation(s) failed: ${destination.responsePayload?.errorMessage ?? 'unknown error'}`;
  }
  if (!reason) {
    reason = 'max-receives-exceeded';
    detail = `redriven after ${maxReceiveCount ?? 'maxReceiveCount'} failed receives (transient errors that never cleared)`;
  }
  return {
    messageId: m.MessageId!,
    id: attrs.dead_letter_id?.StringValue ?? m.MessageId!,
    reason,
    detail,
    source: attrs.source?.StringValue,
    sourceMessageId: attrs.source_message_id?.StringValue,
    receiveCount: m.Attributes?.ApproximateReceiveCount ? Number(m.Attributes.ApproximateReceiveCount) : undefined,
    keys: keysIn(parsed),
    body,
    sentAt: m.Attributes?.SentTimestamp ? new Date(Number(m.Attributes.SentTimestamp)).toISOString() : undefined,
  };
}

/** One entry per distinct dead-lettered part, with how many copies of it the queue holds. */
export function distinctDeadLetters(letters: DeadLetter[]): Array<DeadLetter & { copies: number }> {
  const byId = new Map<string, DeadLetter & { copies: number }>();
  for (const d of letters) {
    const seen = byId.get(d.id);
    if (seen) seen.copies++;
    else byId.set(d.id, { ...d, copies: 1 });
  }
  return [...byId.values()];
}

/**
 * Reads up to `max` messages without consuming them: each is received, then made visible
 * again at once. Nothing is deleted.
 */
export async function peekQueue(sqs: SQSClient, queueUrl: string, max = 100): Promise<Message[]> {
  const seen = new Map<string, Message>();
  let emptyRounds = 0;
  while (seen.size < max && emptyRounds < 2) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 30,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        AttributeNames: ['All'],
      }),
    );
    const fresh = (out.Messages ?? []).filter((m) => !seen.has(m.MessageId!));
    emptyRounds = fresh.length === 0 ? emptyRounds + 1 : 0;
    fresh.forEach((m) => {
      seen.set(m.MessageId!, m);
    });
  }
  // Hand every peeked message back: visible again at once, as if never read.
  const all = [...seen.values()];
  for (let i = 0; i < all.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: all.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
    );
  }
  return all.slice(0, max);
}
