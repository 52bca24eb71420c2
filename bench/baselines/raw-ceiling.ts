import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { limitConcurrency } from '../../src/core/limit';

/**
 * The ceiling: exactly the SDK calls our processor makes per record (HeadObject for raw S3
 * events, then the conditional PutItem), at the same concurrency, with no handler logic:
 * no parsing beyond the key, no logging, no metrics, no batch bookkeeping.
 */
export function rawCeilingHandler(options: {
  tableName: string;
  head: boolean;
  concurrency: number;
  dynamodb?: DynamoDBClient;
  s3?: S3Client;
}) {
  const dynamodb = options.dynamodb ?? new DynamoDBClient({});
  const s3 = options.s3 ?? new S3Client({ forcePathStyle: true });
  const one = limitConcurrency(options.concurrency, async (body: string, messageId: string) => {
    const m = JSON.parse(body);
    const o = m.Records ? m.Records[0].s3 : { bucket: { name: m.bucket }, object: { key: m.key, sequencer: m.sequencer, size: m.size } };
    const key = m.Records ? decodeURIComponent(o.object.key.replace(/\+/g, ' ')) : o.object.key;
    if (options.head) await s3.send(new HeadObjectCommand({ Bucket: o.bucket.name, Key: key }));
    const order = String(o.object.sequencer).padEnd(64, '0');
    await dynamodb
      .send(
        new PutItemCommand({
          TableName: options.tableName,
          Item: {
            s3_key: { S: key },
            bucket: { S: o.bucket.name },
            ordering_key: { S: order },
            message_id: { S: messageId },
            file_size: { N: String(o.object.size ?? 0) },
          },
          ConditionExpression: 'attribute_not_exists(s3_key) OR ordering_key < :o',
          ExpressionAttributeValues: { ':o': { S: order } },
        }),
      )
      .catch((e: Error) => {
        if (e.name !== 'ConditionalCheckFailedException') throw e;
      });
  });
  return async (event: SQSEvent): Promise<void> => {
    await Promise.all(event.Records.map((r) => one(r.body, r.messageId)));
  };
}
