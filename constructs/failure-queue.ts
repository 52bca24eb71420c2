import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { Construct } from 'constructs';
import { DLQ_RETENTION_SECONDS } from '../config/derive';
import { denyInsecureTransport, policyDocument } from './policy-document';

export interface FailureQueueProps {
  queueName: string;
}

/**
 * A queue that parks what a function could not handle, for an operator to inspect and replay:
 * here, the pusher's on-failure destination (Lambda's destination records, each holding the
 * original S3 event as `requestPayload`).
 *
 * Defaults it applies: SSE-SQS, SQS's longest retention (14 days), a TLS-only policy. Lambda
 * sends with the function's own role, so no service principal is allowed in.
 */
export class FailureQueue extends Construct {
  public readonly queue: SqsQueue;

  public constructor(scope: Construct, id: string, props: FailureQueueProps) {
    super(scope, id);
    this.queue = new SqsQueue(this, 'queue', {
      name: props.queueName,
      messageRetentionSeconds: DLQ_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
    });
    new SqsQueuePolicy(this, 'policy', {
      queueUrl: this.queue.url,
      policy: policyDocument([denyInsecureTransport(['sqs:*'], [this.queue.arn])]),
    });
  }
}
