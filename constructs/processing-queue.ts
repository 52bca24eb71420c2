import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { SqsQueueRedriveAllowPolicy } from '@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy';
import { Construct } from 'constructs';
import type { QueueSettings } from '../config/derive';
import { denyInsecureTransport, policyDocument, type PolicyStatement } from './iam';

export interface ProcessingQueueProps {
  queueName: string;
  deadLetterQueueName: string;
  /** From `queueSettings(config)`: visibility is derived from the processor's timeout, never typed. */
  settings: QueueSettings;
  /**
   * Lets this bucket's S3 notifications send to the queue (direct mode), scoped by
   * `aws:SourceArn` and `aws:SourceAccount`. @default undefined — no S3 access.
   */
  allowS3From?: { bucketArn: string; accountId: string };
}

/**
 * The processing queue and its dead-letter queue.
 *
 * Defaults it applies: SSE-SQS on both (S3 can publish to it, unlike the `aws/sqs` key),
 * a redrive policy after `maxReceiveCount` receives, a DLQ keeping messages 14 days that
 * only this queue may redrive into (`byQueue`), and TLS-only queue policies.
 */
export class ProcessingQueue extends Construct {
  public readonly queue: SqsQueue;
  public readonly deadLetterQueue: SqsQueue;
  /** The source queue's policy; S3 notifications must depend on it. */
  public readonly queuePolicy: SqsQueuePolicy;

  public constructor(scope: Construct, id: string, props: ProcessingQueueProps) {
    super(scope, id);
    const s = props.settings;
    this.deadLetterQueue = new SqsQueue(this, 'dead-letter-queue', {
      name: props.deadLetterQueueName,
      messageRetentionSeconds: s.deadLetterRetentionSeconds,
      sqsManagedSseEnabled: true,
    });
    this.queue = new SqsQueue(this, 'queue', {
      name: props.queueName,
      visibilityTimeoutSeconds: s.visibilityTimeoutSeconds,
      messageRetentionSeconds: s.retentionSeconds,
      sqsManagedSseEnabled: true,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: this.deadLetterQueue.arn, maxReceiveCount: s.maxReceiveCount }),
    });
    // A separate resource: inline on the DLQ it would reference the queue that references the DLQ.
    new SqsQueueRedriveAllowPolicy(this, 'redrive-allow', {
      queueUrl: this.deadLetterQueue.url,
      redriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [this.queue.arn] }),
    });

    const statements: PolicyStatement[] = [denyInsecureTransport(['sqs:*'], [this.queue.arn])];
    if (props.allowS3From) {
      statements.unshift({
        sid: 'AllowS3Notifications',
        principal: { Service: 's3.amazonaws.com' },
        actions: ['sqs:SendMessage'],
        resources: [this.queue.arn],
        conditions: {
          ArnEquals: { 'aws:SourceArn': props.allowS3From.bucketArn },
          StringEquals: { 'aws:SourceAccount': props.allowS3From.accountId },
        },
      });
    }
    this.queuePolicy = new SqsQueuePolicy(this, 'queue-policy', { queueUrl: this.queue.url, policy: policyDocument(statements) });
    new SqsQueuePolicy(this, 'dead-letter-queue-policy', {
      queueUrl: this.deadLetterQueue.url,
      policy: policyDocument([denyInsecureTransport(['sqs:*'], [this.deadLetterQueue.arn])]),
    });
  }
}
