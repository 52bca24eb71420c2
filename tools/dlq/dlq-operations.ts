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
import { distinctDeadLetters, explainDeadLetter, peekQueue, type DeadLetter } from '../../cli/dead-letter-view';

export interface QueuePair {
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
}

export interface DlqStats {
  visible: number;
  inFlight: number;
  /** Age of the oldest message seen, from its SentTimestamp (seconds), or null when none was read. */
  oldestAgeSeconds: number | null;
  /** Distinct dead-lettered parts by reason, among the messages read. */
  byReason: Record<string, number>;
  /** Messages read, distinct parts among them, and copies beyond the first (a crash between DLQ send and delete). */
  read: number;
  distinct: number;
  duplicateCopies: number;
  /** True when the queue holds more than was read: `byReason` then describes a sample. */
  sampled: boolean;
}

export async function dlqStats(sqs: SQSClient, q: QueuePair, sample = 100, now = Date.now()): Promise<DlqStats> {
  const attrs =
    (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: q.deadLetterQueueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      )
    ).Attributes ?? {};
  const read = await peekQueue(sqs, q.deadLetterQueueUrl, sample).then((ms) => ms.map((m) => explainDeadLetter(m)));
  const distinct = distinctDeadLetters(read);
  const byReason: Record<string, number> = {};
  for (const d of distinct) byReason[d.reason] = (byReason[d.reason] ?? 0) + 1;
  const sent = read.map((d) => (d.sentAt ? Date.parse(d.sentAt) : NaN)).filter((t) => !Number.isNaN(t));
  const visible = Number(attrs.ApproximateNumberOfMessages ?? 0);
  const inFlight = Number(attrs.ApproximateNumberOfMessagesNotVisible ?? 0);
  return {
    visible,
    inFlight,
    oldestAgeSeconds: sent.length ? Math.round((now - Math.min(...sent)) / 1000) : null,
    byReason,
    read: read.length,
    distinct: distinct.length,
    duplicateCopies: read.length - distinct.length,
    sampled: visible + inFlight > read.length,
  };
}

/** The first `max` DLQ messages, explained, one entry per distinct part (with its copies), without consuming them. */
export async function peekDeadLetters(sqs: SQSClient, q: QueuePair, max = 10): Promise<Array<DeadLetter & { copies: number }>> {
  return distinctDeadLetters((await peekQueue(sqs, q.deadLetterQueueUrl, max)).map((m) => explainDeadLetter(m)));
}

export interface RedriveResult {
  method: 'StartMessageMoveTask' | 'receive-send-delete';
  moved: number;
  failed: number;
  /** Extra copies of a part already moved in this run, deleted instead of sent again (receive-send-delete only). */
  duplicatesDropped: number;
}

/** Attributes the handlers add when dead-lettering; a redriven message starts clean. */
const DEAD_LETTER_ATTRIBUTES = new Set(['reason', 'detail', 'source', 'failed_at', 'source_message_id', 'dead_letter_id']);
const UNSUPPORTED = /UnsupportedOperation|InvalidAction|UnknownOperation|not ?supported|AWS\.SimpleQueueService\.UnsupportedOperation/i;

/**
 * Moves every DLQ message back to its source queue. On AWS this is one StartMessageMoveTask,
 * awaited to completion. Where that is unsupported (emulators), messages are received, sent
 * to the source, and only then deleted from the DLQ: a copy always exists.
 */
export async function redrive(
  sqs: SQSClient,
  q: QueuePair,
  options: { pollMs?: number; timeoutMs?: number; forceManual?: boolean } = {},
): Promise<RedriveResult> {
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
      if (task.Status === 'FAILED' || task.Status === 'CANCELLED')
        throw new Error(`Message move task ${task.Status}: ${task.FailureReason ?? 'no reason given'}`);
      // SQS moves every copy; the processor's conditional writes make a copy's replay harmless.
      return { method: 'StartMessageMoveTask', moved: task.ApproximateNumberOfMessagesMoved ?? 0, failed: 0, duplicatesDropped: 0 };
    }
    if (Date.now() > deadline) throw new Error('Message move task still running; check it with ListMessageMoveTasks');
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function manualRedrive(sqs: SQSClient, q: QueuePair): Promise<RedriveResult> {
  let moved = 0;
  let failed = 0;
  let duplicatesDropped = 0;
  const movedIds = new Set<string>();
  for (;;) {
    const messages =
      (
        await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: q.deadLetterQueueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 60,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
          }),
        )
      ).Messages ?? [];
    const unique = messages.filter((m, i) => messages.findIndex((x) => x.MessageId === m.MessageId) === i);
    if (unique.length === 0) break;
    // A copy of a part already sent in this run (or earlier in this batch) is deleted, not sent again.
    const idOf = new Map(unique.map((m) => [m, explainDeadLetter(m).id]));
    const ids = unique.map((m) => idOf.get(m)!);
    const copies = unique.filter((_m, i) => movedIds.has(ids[i]!) || ids.indexOf(ids[i]!) !== i);
    if (copies.length) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: q.deadLetterQueueUrl,
          Entries: copies.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      duplicatesDropped += copies.length;
    }
    const fresh = unique.filter((m) => !copies.includes(m));
    if (fresh.length === 0) continue;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: q.queueUrl,
        Entries: fresh.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body!,
          MessageAttributes: Object.fromEntries(
            Object.entries(m.MessageAttributes ?? {}).filter(([k]) => !DEAD_LETTER_ATTRIBUTES.has(k)),
          ) as Record<string, MessageAttributeValue>,
        })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    failed += fresh.length - ok.size;
    const toDelete = fresh.map((m, i) => ({ m, id: String(i) })).filter(({ id }) => ok.has(id));
    for (const { m } of toDelete) movedIds.add(idOf.get(m)!);
    if (toDelete.length) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: q.deadLetterQueueUrl,
          Entries: toDelete.map(({ m, id }) => ({ Id: id, ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    moved += toDelete.length;
    // Messages SQS refused stay in the DLQ (invisible for 60 s); stop rather than spin on them.
    if (ok.size === 0) break;
  }
  return { method: 'receive-send-delete', moved, failed, duplicatesDropped };
}
