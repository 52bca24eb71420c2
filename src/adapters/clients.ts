import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClients {
  s3: S3Client;
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
}

/*
 * The SDK clients a handler uses, created once per container. One function per service, so a
 * bundle holds only the services its handler calls (the pusher's has no DynamoDB). Endpoints follow
 * the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables, which is how the local runtime points the
 * very same bundles at the emulators; `S3_FORCE_PATH_STYLE=true` is the one extra switch it needs.
 *
 * `cacheMiddleware`: the middleware stack is resolved once per command class instead of on every
 * call — the SDK's option for hot paths, safe here because no adapter adds middleware to a single
 * command and the tracer adds its own when the handler is built, before the first call.
 */

export const createS3Client = (env: NodeJS.ProcessEnv = process.env): S3Client =>
  new S3Client({ forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true', cacheMiddleware: true });

/**
 * Calls go to the configured endpoint even when a QueueUrl names another host: on AWS the two are
 * the same; locally the endpoint is the IAM proxy, which the URL's host (the emulator) would bypass.
 */
export const createSqsClient = (): SQSClient => new SQSClient({ useQueueUrlAsEndpoint: false, cacheMiddleware: true });

export const createDynamoDBClient = (): DynamoDBClient => new DynamoDBClient({ cacheMiddleware: true });
