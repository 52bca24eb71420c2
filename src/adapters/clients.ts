import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClients {
  s3: S3Client;
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
}

/**
 * The SDK clients a handler uses, created once per container. Endpoints follow the SDK's
 * own `AWS_ENDPOINT_URL_<SERVICE>` variables, which is how the local runtime points the very
 * same bundles at the emulators; `S3_FORCE_PATH_STYLE=true` is the one extra switch it needs.
 */
export function createAwsClients(env: NodeJS.ProcessEnv = process.env): AwsClients {
  return {
    s3: new S3Client({ forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true' }),
    // Calls go to the configured endpoint even when a QueueUrl names another host: on AWS the two are
    // the same; locally the endpoint is the IAM proxy, which the URL's host (the emulator) would bypass.
    sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
    dynamodb: new DynamoDBClient({}),
  };
}
