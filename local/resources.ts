import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { queueSettings, resourceNames, TABLE_KEYS } from '../config/derive';
import type { PipelineConfig } from '../config/types';

/**
 * What the local run creates, computed from the same config and the same derivations
 * (`config/derive.ts`) the stack synthesizes from. A test compares it with the stack.
 */
export interface LocalResourceSpec {
  bucket: string;
  queue: { name: string; visibilityTimeoutSeconds: number; retentionSeconds: number; maxReceiveCount: number };
  deadLetterQueue: { name: string; retentionSeconds: number };
  table: { name: string; partitionKey: string; sortKey: string };
  /** Pusher mode: the pusher's on-failure destination. */
  pusherFailureQueue?: { name: string; retentionSeconds: number };
  /** Distributed reconcile: where inventories, exports and map results go. */
  inventoryBucket?: string;
}

export function localResourceSpec(cfg: PipelineConfig): LocalResourceSpec {
  const names = resourceNames(cfg);
  const q = queueSettings(cfg);
  return {
    bucket: names.bucket,
    queue: {
      name: names.queue,
      visibilityTimeoutSeconds: q.visibilityTimeoutSeconds,
      retentionSeconds: q.retentionSeconds,
      maxReceiveCount: q.maxReceiveCount,
    },
    deadLetterQueue: { name: names.deadLetterQueue, retentionSeconds: q.deadLetterRetentionSeconds },
    table: { name: names.table, partitionKey: TABLE_KEYS.partitionKey, sortKey: TABLE_KEYS.sortKey },
    ...(cfg.mode === 'pusher'
      ? { pusherFailureQueue: { name: names.pusherFailureQueue, retentionSeconds: q.deadLetterRetentionSeconds } }
      : {}),
    ...(cfg.reconcile.distributed ? { inventoryBucket: names.inventoryBucket } : {}),
  };
}

/** Creates the table (on-demand, the stack's key schema) unless a persisted run already has it. */
export async function ensureTable(dynamodb: DynamoDBClient, table: LocalResourceSpec['table']): Promise<void> {
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: table.name }));
    return;
  } catch {
    // not there yet
  }
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table.name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: table.partitionKey, KeyType: 'HASH' },
        { AttributeName: table.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: table.partitionKey, AttributeType: 'S' },
        { AttributeName: table.sortKey, AttributeType: 'S' },
      ],
    }),
  );
}

export interface ProvisionedResources {
  bucket: string;
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
  tableName: string;
  pusherFailureQueueUrl?: string;
  inventoryBucket?: string;
}

const queueArn = async (sqs: SQSClient, url: string): Promise<string> =>
  (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;

/** Creates (or finds, on a persisted run) the bucket, the queues with their redrive, and the table. */
export async function provision(
  clients: { s3: S3Client; sqs: SQSClient; dynamodb: DynamoDBClient },
  spec: LocalResourceSpec,
): Promise<ProvisionedResources> {
  const { s3, sqs, dynamodb } = clients;
  for (const bucket of [spec.bucket, ...(spec.inventoryBucket ? [spec.inventoryBucket] : [])]) {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    }
  }

  const dlqUrl = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: spec.deadLetterQueue.name,
        Attributes: { MessageRetentionPeriod: String(spec.deadLetterQueue.retentionSeconds), SqsManagedSseEnabled: 'true' },
      }),
    )
  ).QueueUrl!;
  const dlqArn = await queueArn(sqs, dlqUrl);
  const url = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: spec.queue.name,
        Attributes: {
          VisibilityTimeout: String(spec.queue.visibilityTimeoutSeconds),
          MessageRetentionPeriod: String(spec.queue.retentionSeconds),
          SqsManagedSseEnabled: 'true',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: spec.queue.maxReceiveCount }),
        },
      }),
    )
  ).QueueUrl!;
  const arn = await queueArn(sqs, url);
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: dlqUrl,
      Attributes: { RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [arn] }) },
    }),
  );

  await ensureTable(dynamodb, spec.table);
  const failures = spec.pusherFailureQueue;
  const pusherFailureQueueUrl = failures
    ? (
        await sqs.send(
          new CreateQueueCommand({
            QueueName: failures.name,
            Attributes: { MessageRetentionPeriod: String(failures.retentionSeconds), SqsManagedSseEnabled: 'true' },
          }),
        )
      ).QueueUrl!
    : undefined;
  return {
    bucket: spec.bucket,
    queueUrl: url,
    queueArn: arn,
    deadLetterQueueUrl: dlqUrl,
    deadLetterQueueArn: dlqArn,
    tableName: spec.table.name,
    ...(pusherFailureQueueUrl ? { pusherFailureQueueUrl } : {}),
    ...(spec.inventoryBucket ? { inventoryBucket: spec.inventoryBucket } : {}),
  };
}
