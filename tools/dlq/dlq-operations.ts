import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { explainDeadLetter, peekQueue, type DeadLetter } from './dead-letter-view';

export interface QueuePair {
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
}

export interface DlqStats {
  visible: number;
  inFlight: number;
  /** Age of the oldest message seen, from its SentTimestamp (seconds), or null when empty. */
  oldestAgeSeconds: number | null;
  byReason: Record<string, number>;
}

export async function dlqStats(sqs: SQSClient, q: QueuePair, sample = 100, now = Date.now()): Promise<DlqStats> {
  const attrs =
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] })))
      .Attributes ?? {};
  const peeked = await peekDeadLetters(sqs, q, sample);
  const byReason: Record<string, number> = {};
  for (const d of peeked) byReason[d.reason] = (byReason[d.reason] ?? 0) + 1;
  const sent = peeked.map((d) => (d.sentAt ? Date.parse(d.sentAt) : NaN)).filter((t) => !Number.isNaN(t));
  return {
    visible: Number(attrs.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(attrs.ApproximateNumberOfMessagesNotVisible ?? 0),
    oldestAgeSeconds: sent.length ? Math.round((now - Math.min(...sent)) / 1000) : null,
    byReason,
  };
}

/** The first `max` DLQ messages, explained, without consuming them. */
export async function peekDeadLetters(sqs: SQSClient, q: QueuePair, max = 10): Promise<DeadLetter[]> {
  return (await peekQueue(sqs, q.deadLetterQueueUrl, max)).map((m) => explainDeadLetter(m));
}

export interface RedriveResult {
  method: 'StartMessageMoveTask' | 'receive-send-delete';
  moved: number;
  failed: number;
}

/** Attributes the handlers add when dead-lettering; a redriven message starts clean. */
const DEAD_LETTER_ATTRIBUTES = new Set(['reason', 'detail', 'source', 'failed_at', 'source_message_id']);
const UNSUPPORTED = /UnsupportedOperation|InvalidAction|UnknownOperation|not ?supported|AWS\.SimpleQueueService\.UnsupportedOperation/i;

/**
 * Moves every DLQ message back to its source queue. On AWS this is one StartMessageMoveTask,
 * awaited to completion. Where that is unsupported (emulators), messages are received, sent
 * to the source, and only then deleted from the DLQ: a copy always exists.
 */
export async function redrive(sqs: SQSClient, q: QueuePair, options: { pollMs?: number; timeoutMs?: number; forceManual?: boolean } = {}): Promise<RedriveResult> {
  if (!options.forceManual) {
    try {
      await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: q.deadLetterQueueArn, DestinationArn: q.queueArn }));
      return await awaitMoveTask(sqs, q, options.pollMs ?? 1000, options.timeoutMs ?? 15 * 60_000);
    } catch (e) {
      const err = e as Error & { Code?: string };
      if (!UNSUPPORTED.test(`${err.name} ${err.Code ?? ''} ${err.message}`)) throw e;
    }
  }
  return manualRedrive(sqs, q);
}

async function awaitMoveTask(sqs: SQSClient, q: QueuePair, pollMs: number, timeoutMs: number): Promise<RedriveResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tasks = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: q.deadLetterQueueArn, MaxResults: 1 }))).Results ?? [];
    const task = tasks[0];
    if (task && task.Status !== 'RUNNING') {
      if (task.Status === 'FAILED' || task.Status === 'CANCELLED') throw new Error(`Message move task ${task.Status}: ${task.FailureReason ?? 'no reason given'}`);
      return { method: 'StartMessageMoveTask', moved: task.ApproximateNumberOfMessagesMoved ?? 0, failed: 0 };
    }
    if (Date.now() > deadline) throw new Error('Message move task still running; check it with ListMessageMoveTasks');
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function manualRedrive(sqs: SQSClient, q: QueuePair): Promise<RedriveResult> {
  let moved = 0;
  let failed = 0;
  for (;;) {
    const messages =
      (
        await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: q.deadLetterQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
        )
      ).Messages ?? [];
    const fresh = messages.filter((m, i) => messages.findIndex((x) => x.MessageId === m.MessageId) === i);
    if (fresh.length === 0) break;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: q.queueUrl,
        Entries: fresh.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body!,
          MessageAttributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).filter(([k]) => !DEAD_LETTER_ATTRIBUTES.has(k))) as Record<string, MessageAttributeValue>,
        })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    failed += fresh.length - ok.size;
    const toDelete = fresh.map((m, i) => ({ m, id: String(i) })).filter(({ id }) => ok.has(id));
    if (toDelete.length) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: q.deadLetterQueueUrl, Entries: toDelete.map(({ m, id }) => ({ Id: id, ReceiptHandle: m.ReceiptHandle! })) }));
    }
    moved += toDelete.length;
    // Messages SQS refused stay in the DLQ (invisible for 60 s); stop rather than spin on them.
    if (ok.size === 0) break;
  }
  return { method: 'receive-send-delete', moved, failed };
}
