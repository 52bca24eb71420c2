import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { FunctionHost } from './function-host';

export interface EventSourceMappingOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  host: FunctionHost;
  batchSize: number;
  batchingWindowSeconds: number;
  /** Pollers (and so concurrent invocations) at most: `scaling_config.maximum_concurrency`. */
  maxConcurrency: number;
  /**
   * Visibility timeout asked for on each receive, so a failed message reappears after it.
   * On AWS a failed message waits out the queue's visibility timeout (6 × function timeout +
   * window: minutes); locally the function timeout (the longest an invocation can hold a
   * message) keeps retries and the redrive to the DLQ within a run. null uses the queue's own
   * timeout, exactly as on AWS.
   *
   * It is set on the receive, not with ChangeMessageVisibility after a failure: the emulator
   * counts every visibility change as a receive, which would redrive after half the receives.
   */
  retryVisibilitySeconds: number | null;
  onBatch?: (info: { size: number; failed: number; error?: string }) => void;
}

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** A message as Lambda hands it to the function. */
function toRecord(m: Message, queueArn: string, region: string): SQSRecord {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
        k,
        { dataType: v.DataType!, stringValue: v.StringValue, stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Lambda's SQS event source mapping, reproduced: short-polls (backing off while idle), fills a batch up to the batch
 * size or until the batching window closes, invokes the function synchronously, deletes the
 * messages not listed in `batchItemFailures`, and leaves the failed ones to reappear, so the
 * queue's redrive policy moves them to the DLQ after `maxReceiveCount` receives. A function
 * error, timeout, or a response naming unknown ids fails the whole batch, as on AWS.
 */
export class EventSourceMapping {
  private running = false;
  private loops: Promise<void>[] = [];
  /** Batches being processed right now; the pipeline is drained only when this is 0. */
  public inFlight = 0;

  public constructor(private readonly o: EventSourceMappingOptions) {}

  public start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.o.maxConcurrency }, () => this.poll());
  }

  public async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async poll(): Promise<void> {
    while (this.running) {
      const held = { counted: false };
      try {
        const batch = await this.collect(held);
        if (batch.length > 0) await this.deliver(batch);
      } catch (e) {
        if (this.running) this.o.onBatch?.({ size: 0, failed: 0, error: (e as Error).message });
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        if (held.counted) this.inFlight--;
      }
    }
  }

  /**
   * Counts the batch in flight from its first message on, so a drain check never misses it.
   * The batching window opens at the first message and closes after `batchingWindowSeconds`.
   */
  private async collect(held: { counted: boolean }): Promise<Message[]> {
    const byId = new Map<string, Message>();
    let windowEnds = Infinity;
    let idleMs = 5;
    while (this.running && byId.size < this.o.batchSize) {
      const remaining = windowEnds - Date.now();
      if (byId.size > 0 && remaining <= 0) break;
      const out = await this.o.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.o.queueUrl,
          MaxNumberOfMessages: Math.min(10, this.o.batchSize - byId.size),
          // The emulator's long poll does not wake when a message arrives, so poll short and back off
          // while idle (5 → 50 ms): latency stays low and an idle run costs little.
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          ...(this.o.retryVisibilitySeconds === null ? {} : { VisibilityTimeout: this.o.retryVisibilitySeconds }),
        }),
      );
      const received = out.Messages ?? [];
      // The emulator can return one message twice in a response; Lambda would not.
      for (const m of received) byId.set(m.MessageId!, m);
      if (byId.size > 0 && !held.counted) {
        held.counted = true;
        this.inFlight++;
        windowEnds = Date.now() + this.o.batchingWindowSeconds * 1000;
      }
      if (received.length > 0) idleMs = 5;
      else if (byId.size > 0) await new Promise((r) => setTimeout(r, Math.min(100, Math.max(0, windowEnds - Date.now()))));
      else {
        await new Promise((r) => setTimeout(r, idleMs));
        idleMs = Math.min(50, idleMs * 2);
      }
    }
    return [...byId.values()];
  }

  private async deliver(batch: Message[]): Promise<void> {
    const records = batch.map((m) => toRecord(m, this.o.queueArn, this.o.region));
    let failedIds: Set<string>;
    let error: string | undefined;
    try {
      const response = await this.o.host.invoke<SQSBatchResponse | null | undefined>({ Records: records });
      const listed = (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
      const known = new Set(records.map((r) => r.messageId));
      // Lambda fails the whole batch when an identifier is empty or not in the batch.
      failedIds = listed.every((id) => id && known.has(id)) ? new Set(listed) : known;
    } catch (e) {
      error = `${(e as { errorType?: string }).errorType ?? 'Error'}: ${(e as Error).message}`;
      failedIds = new Set(records.map((r) => r.messageId));
    }
    const done = batch.filter((m) => !failedIds.has(m.MessageId!));
    const failed = batch.filter((m) => failedIds.has(m.MessageId!));
    for (const chunk of chunks(done, 10)) {
      await this.o.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.o.queueUrl,
          Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    // Failed messages are left alone: they reappear when their visibility timeout runs out.
    this.o.onBatch?.({ size: batch.length, failed: failed.length, error });
  }
}
