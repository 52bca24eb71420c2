import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * Powertools' BatchProcessor with the same write ours makes: the item from a pusher message,
 * conditional on S3's order (`attribute_not_exists OR ordering_key < :o`), a failed condition
 * counted as a duplicate. Equal semantics for created objects, no observability: the peer
 * our per-record cost is measured against.
 */
export function powertoolsConditionalHandler(tableName: string, dynamodb = new DynamoDBClient({})) {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const m = JSON.parse(record.body) as {
      bucket: string;
      key: string;
      sequencer: string;
      size: number;
      etag: string;
      contentType: string;
      eventTime: string;
      eventName: string;
    };
    const order = m.sequencer.padEnd(64, '0');
    try {
      await dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            s3_key: { S: m.key },
            bucket: { S: m.bucket },
            content_type: { S: m.contentType },
            file_size: { N: String(m.size) },
            etag: { S: m.etag },
            event_time: { S: m.eventTime },
            event_name: { S: m.eventName },
            sequencer: { S: m.sequencer },
            ordering_key: { S: order },
            processed_at: { S: new Date().toISOString() },
            message_id: { S: record.messageId },
          },
          ConditionExpression: 'attribute_not_exists(#k) OR #o < :o',
          ExpressionAttributeNames: { '#k': 's3_key', '#o': 'ordering_key' },
          ExpressionAttributeValues: { ':o': { S: order } },
        }),
      );
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
  };
  return (event: SQSEvent, context: Context) => processPartialResponse(event, recordHandler, processor, { context });
}
