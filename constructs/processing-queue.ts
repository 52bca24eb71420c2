import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { SqsQueueRedriveAllowPolicy } from '@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy';
import { Construct } from 'constructs';
import type { QueueSettings } from '../config/derive';
import { denyInsecureTransport, policyDocument, type PolicyStatement } from './policy-document';

export interface ProcessingQueueProps {
  queueName: string;
  deadLetterQueueName: string;
  /** From `queueSettings(config)`: visibility is derived from the processor's timeout, never typed. */
  settings: QueueSettings;
  /**
   * Lets one AWS service send to the queue, scoped by `aws:SourceArn` and `aws:SourceAccount`:
   * S3 notifications of one bucket (direct mode), or one EventBridge rule (eventbridge mode),
   * which also needs the DLQ as its target's dead-letter queue. @default undefined — none.
   */
  allowServiceFrom?: ServiceSender;
}

export interface ServiceSender {
  service: 's3.amazonaws.com' | 'events.amazonaws.com';
  sourceArn: string;
  accountId: string;
  /** Allow the DLQ too (EventBridge sends undeliverable events there itself). */
  deadLetterToo?: boolean;
}

const SENDER_SID: Record<ServiceSender['service'], string> = {
  's3.amazonaws.com': 'AllowS3Notifications',
  'events.amazonaws.com': 'AllowEventBridgeRule',
};

function allowSender(sender: ServiceSender, queueArn: string): PolicyStatement {
  return {
    sid: SENDER_SID[sender.service],
    principal: { Service: sender.service },
    actions: ['sqs:SendMessage'],
    resources: [queueArn],
    conditions: { ArnEquals: { 'aws:SourceArn': sender.sourceArn }, StringEquals: { 'aws:SourceAccount': sender.accountId } },
  };
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
  public readonly deadLetterQueuePolicy: SqsQueuePolicy;

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

    const sender = props.allowServiceFrom;
    this.queuePolicy = new SqsQueuePolicy(this, 'queue-policy', {
      queueUrl: this.queue.url,
      policy: policyDocument([
        ...(sender ? [allowSender(sender, this.queue.arn)] : []),
        denyInsecureTransport(['sqs:*'], [this.queue.arn]),
      ]),
    });
    this.deadLetterQueuePolicy = new SqsQueuePolicy(this, 'dead-letter-queue-policy', {
      queueUrl: this.deadLetterQueue.url,
      policy: policyDocument([
        ...(sender?.deadLetterToo ? [allowSender(sender, this.deadLetterQueue.arn)] : []),
        denyInsecureTransport(['sqs:*'], [this.deadLetterQueue.arn]),
      ]),
    });
  }
}
