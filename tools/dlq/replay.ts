import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';

export interface ReplayTarget {
  /** The pusher's failure queue (its on-failure destination). */
  failureQueueUrl: string;
  /** The function whose failed events are replayed. */
  functionName: string;
}

export interface ReplayResult {
  /** Events handed back to the function (asynchronously: retries and the destination apply again). */
  replayed: number;
  /** Messages left in the queue, with why: not a destination record, or the invoke was refused. */
  left: Array<{ messageId: string; why: string }>;
}

/** Lambda's on-failure destination record: the original event is `requestPayload`. */
function requestPayloadOf(m: Message): unknown {
  try {
    const record = JSON.parse(m.Body ?? '') as { requestContext?: unknown; requestPayload?: unknown };
    return record.requestContext && record.requestPayload !== undefined ? record.requestPayload : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Replays events parked in a failure queue: each destination record's `requestPayload` (the
 * original S3 event) is invoked again, asynchronously, as S3 invoked it; the record is deleted
 * only once Lambda has accepted the invocation (202). Anything else stays in the queue and is
 * reported. Each message is received once per run (it stays invisible while the run goes on),
 * so a replay that fails again lands in the queue as a new record and is not replayed in a loop.
 */
export async function replayFailures(
  sqs: SQSClient,
  lambda: LambdaClient,
  t: ReplayTarget,
  max = Number.POSITIVE_INFINITY,
): Promise<ReplayResult> {
  const result: ReplayResult = { replayed: 0, left: [] };
  while (result.replayed + result.left.length < max) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: t.failureQueueUrl,
        MaxNumberOfMessages: Math.min(10, max - result.replayed - result.left.length),
        VisibilityTimeout: 300,
        WaitTimeSeconds: 0,
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    const done: Message[] = [];
    for (const m of messages) {
      const payload = requestPayloadOf(m);
      if (payload === undefined) {
        result.left.push({ messageId: m.MessageId!, why: 'not a Lambda destination record (no requestPayload)' });
        continue;
      }
      try {
        const r = await lambda.send(
          new InvokeCommand({ FunctionName: t.functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }),
        );
        if (r.StatusCode === 202) done.push(m);
        else result.left.push({ messageId: m.MessageId!, why: `invoke answered ${r.StatusCode}` });
      } catch (e) {
        result.left.push({ messageId: m.MessageId!, why: `invoke failed: ${(e as Error).message}` });
      }
    }
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: t.failureQueueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      result.replayed += done.length;
    }
  }
  return result;
}
