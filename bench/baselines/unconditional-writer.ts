import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { SQSEvent } from 'aws-lambda';

/**
 * The naive writer, as a baseline: records one after another, one unconditional PutItem each, and any
 * error fails the whole batch. No ordering, no idempotency, no partial batch response.
 */
export function unconditionalWriterHandler(tableName: string, dynamodb = new DynamoDBClient({})) {
  return async (event: SQSEvent): Promise<void> => {
    for (const record of event.Records) {
      const s3 = JSON.parse(record.body).Records[0].s3;
      const key = decodeURIComponent(s3.object.key.replace(/\+/g, ' '));
      await dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            s3_key: { S: key },
            bucket: { S: s3.bucket.name },
            content_type: { S: 'binary/octet-stream' },
            file_size: { N: String(s3.object.size ?? 0) },
            event_time: { S: new Date().toISOString() },
            processed_at: { S: new Date().toISOString() },
            message_id: { S: record.messageId },
          },
        }),
      );
    }
  };
}
