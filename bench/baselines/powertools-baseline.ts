import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * What a team would write with Powertools and nothing more: BatchProcessor +
 * processPartialResponse, a plain PutItem per record, every record at once.
 */
export function powertoolsBaselineHandler(tableName: string, dynamodb = new DynamoDBClient({})) {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const s3 = JSON.parse(record.body).Records[0].s3;
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          s3_key: { S: decodeURIComponent(s3.object.key.replace(/\+/g, ' ')) },
          bucket: { S: s3.bucket.name },
          file_size: { N: String(s3.object.size ?? 0) },
          processed_at: { S: new Date().toISOString() },
          message_id: { S: record.messageId },
        },
      }),
    );
  };
  return (event: SQSEvent, context: Context) => processPartialResponse(event, recordHandler, processor, { context });
}
