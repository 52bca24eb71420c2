import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { OutgoingMessage, QueueSender } from '../core/ports';

/** {@link QueueSender} over SendMessageBatch; entries SQS refused come back as failed ids. */
export class SqsQueueSender implements QueueSender {
  public constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  public async sendBatch(messages: OutgoingMessage[]): Promise<{ failedIds: string[] }> {
    const out = await this.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: messages.map((m) => ({ Id: m.id, MessageBody: m.body })),
      }),
    );
    return { failedIds: (out.Failed ?? []).map((f) => f.Id!).filter(Boolean) };
  }
}
