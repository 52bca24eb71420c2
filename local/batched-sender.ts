import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * Sends single messages to a queue through SendMessageBatch: calls made within `lingerMs`
 * of each other share one request (up to 10). Each message stays its own SQS message, and
 * each caller learns whether its own message was accepted. The local S3 → SQS bridge uses it
 * so a burst of uploads costs a tenth of the requests.
 */
export class BatchedSender {
  private pending: Array<{ body: string; resolve: () => void; reject: (e: Error) => void }> = [];
  private timer: NodeJS.Timeout | undefined;

  public constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly lingerMs = 2,
  ) {}

  public send(body: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ body, resolve, reject });
      if (this.pending.length >= 10) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0, 10);
    if (this.pending.length > 0) this.timer = setTimeout(() => this.flush(), this.lingerMs);
    if (batch.length === 0) return;
    this.sqs
      .send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch.map((m, i) => ({ Id: String(i), MessageBody: m.body })) }),
      )
      .then(
        (out) => {
          const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
          batch.forEach((m, i) => {
            const f = failed.get(String(i));
            if (f) m.reject(new Error(`SQS refused the message: ${f.Code} ${f.Message ?? ''}`));
            else m.resolve();
          });
        },
        (e: Error) =>
          batch.forEach((m) => {
            m.reject(e);
          }),
      );
  }
}
