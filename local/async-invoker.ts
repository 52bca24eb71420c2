import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FunctionHost } from './function-host';

export interface AsyncInvokerOptions {
  host: FunctionHost;
  functionArn: string;
  /** Retries after the first attempt (`maximum_retry_attempts`). */
  maxRetryAttempts: number;
  /** Seconds between attempts; Lambda waits about 1 and 2 minutes, locally it is shorter. */
  retryDelaysSeconds: number[];
  /** The on-failure destination (the DLQ), and a client that sends as the function's role (a denied record is lost, as on AWS). */
  onFailure: { sqs: SQSClient; queueUrl: string };
  /** An event that could be neither processed nor sent to the destination: lost, on AWS too. */
  onLost: (error: Error, event: unknown) => void;
}

/**
 * Lambda's asynchronous invocation (how S3 invokes the pusher): the caller is not kept
 * waiting; a failed invocation is retried `maxRetryAttempts` times, then a record in
 * Lambda's destination format goes to the on-failure destination.
 */
export class AsyncInvoker {
  public pending = 0;

  public constructor(private readonly o: AsyncInvokerOptions) {}

  public async invokeAsync(event: unknown): Promise<void> {
    this.pending++;
    void this.run(event)
      .catch((e: Error) => this.o.onLost(e, event))
      .finally(() => this.pending--);
  }

  private async run(event: unknown): Promise<void> {
    let lastError: Error = new Error('not invoked');
    const attempts = this.o.maxRetryAttempts + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.o.host.invoke(event);
        return;
      } catch (e) {
        lastError = e as Error;
        if (attempt < attempts) await new Promise((r) => setTimeout(r, (this.o.retryDelaysSeconds[attempt - 1] ?? 1) * 1000));
      }
    }
    const record = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: randomUUID(),
        functionArn: `${this.o.functionArn}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: attempts,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: (lastError as { errorType?: string }).errorType ?? lastError.name, errorMessage: lastError.message },
    };
    await this.o.onFailure.sqs.send(new SendMessageCommand({ QueueUrl: this.o.onFailure.queueUrl, MessageBody: JSON.stringify(record) }));
  }
}
