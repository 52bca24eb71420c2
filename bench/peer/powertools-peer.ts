// The cold-start peer (#27): a typical Powertools for AWS Lambda handler for this job, as a team would write
// it from the Powertools docs — Logger, Metrics, Tracer with traced S3 and DynamoDB clients, BatchProcessor
// over SQS — reading each S3 event, HeadObject, PutItem. Bundled with esbuild's usual settings (minified,
// a linked source map), not with ours: the yardstick the shipped processor's cold start is measured against.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

const logger = new Logger();
const metrics = new Metrics();
const tracer = new Tracer();
const s3 = tracer.captureAWSv3Client(new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' }));
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
const processor = new BatchProcessor(EventType.SQS);

async function recordHandler(record: SQSRecord): Promise<void> {
  const event = JSON.parse(record.body).Records[0];
  const bucket: string = event.s3.bucket.name;
  const key = decodeURIComponent(String(event.s3.object.key).replace(/\+/g, ' '));
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  await dynamodb.send(
    new PutItemCommand({
      TableName: process.env.TABLE_NAME,
      Item: {
        s3_key: { S: key },
        bucket: { S: bucket },
        content_type: { S: head.ContentType ?? 'binary/octet-stream' },
        file_size: { N: String(head.ContentLength ?? 0) },
        event_time: { S: event.eventTime },
        processed_at: { S: new Date().toISOString() },
        message_id: { S: record.messageId },
      },
    }),
  );
  metrics.addMetric('ObjectsStored', MetricUnit.Count, 1);
  logger.info('Object stored', { key, bucket });
}

export const handler = async (event: SQSEvent, context: Context) => {
  try {
    return await processPartialResponse(event, recordHandler, processor, { context });
  } finally {
    metrics.publishStoredMetrics();
  }
};
