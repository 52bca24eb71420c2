import type { Tracer } from '@aws-lambda-powertools/tracer';
import { createDynamoDBClient, createS3Client, createSqsClient, type AwsClients } from '../adapters/clients';
import { sampledTracing, traceClients } from './observability';

/**
 * The S3, SQS and DynamoDB clients of a handler that calls all three (the processor, the reconcile
 * function): ready ones (tests, local runtime) traced on every call; otherwise made from the
 * environment and traced in sampled invocations only. A file of its own, so the pusher's bundle,
 * which has no DynamoDB, never reaches this one.
 */
export function tracedClients(tracer: Tracer, ready: AwsClients | undefined, env: NodeJS.ProcessEnv | undefined): AwsClients {
  if (ready) return traceClients(tracer, ready);
  return {
    s3: sampledTracing(tracer, () => createS3Client(env)),
    sqs: sampledTracing(tracer, createSqsClient),
    dynamodb: sampledTracing(tracer, createDynamoDBClient),
  };
}
