import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetters } from '../core/ports';

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
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body.length > 0 ? body : '(empty body)',
        MessageAttributes: {
          reason: text(reason.code),
          detail: text(reason.detail.slice(0, MAX_DETAIL) || reason.code),
          source: text(this.source),
          failed_at: text(new Date().toISOString()),
          ...(reason.sourceMessageId ? { source_message_id: text(reason.sourceMessageId) } : {}),
        },
      }),
    );
  }
}
