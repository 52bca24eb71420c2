import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PoisonTooLargeError } from '../core/errors';
import type { DeadLetters } from '../core/ports';

/** SQS's largest message, body and attributes together (1 MiB since August 2025). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/** What SQS counts against that limit: the body, and each attribute's name, data type and value. */
function messageBytes(body: string, attributes: Record<string, { DataType: string; StringValue: string }>): number {
  return Object.entries(attributes).reduce(
    (n, [name, a]) => n + Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue),
    Buffer.byteLength(body),
  );
}

/**
 * The identity of one dead-lettered part: the same part of the same source message always gets the
 * same id. A handler that dies between its DLQ send and the source message's delete sends the part
 * again on the next receive (exactly-once is impossible with standard queues); the operator commands
 * and the load report count parts by this id, so such copies are visible and counted once.
 */
export function deadLetterId(body: string, sourceMessageId?: string): string {
  return createHash('sha256')
    .update(`${sourceMessageId ?? ''}\n${body}`)
    .digest('hex')
    .slice(0, 32);
}

/** SQS caps a message attribute value; reasons are short, details are cut. */
const MAX_DETAIL = 1000;

/**
 * {@link DeadLetters} over SendMessage to the DLQ. The original body is kept as is, so a
 * redrive after a fix replays exactly what failed; the reason travels as attributes.
 */
export class SqsDeadLetters implements DeadLetters {
  public constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly source: string,
  ) {}

  public async send(body: string, reason: { code: string; detail: string; sourceMessageId?: string }): Promise<void> {
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    const MessageBody = body.length > 0 ? body : '(empty body)';
    const MessageAttributes = {
      reason: text(reason.code),
      detail: text(reason.detail.slice(0, MAX_DETAIL) || reason.code),
      source: text(this.source),
      failed_at: text(new Date().toISOString()),
      ...(reason.sourceMessageId ? { source_message_id: text(reason.sourceMessageId) } : {}),
      dead_letter_id: text(deadLetterId(body, reason.sourceMessageId)),
    };
    const bytes = messageBytes(MessageBody, MessageAttributes);
    if (bytes > SQS_MAX_MESSAGE_BYTES)
      throw new PoisonTooLargeError(
        reason.code,
        reason.detail.slice(0, MAX_DETAIL),
        bytes,
        createHash('sha256').update(body).digest('hex'),
      );
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody, MessageAttributes }));
  }
}
