import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { AwsClients } from '../adapters/clients';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

/**
 * Powertools' logger (JSON), metrics (EMF) and tracer (X-Ray). Service name and namespace
 * come from `POWERTOOLS_SERVICE_NAME` / `POWERTOOLS_METRICS_NAMESPACE`, set by the stack.
 * The tracer switches itself off outside Lambda.
 */
export function createObservability(): Observability {
  return { logger: new Logger(), metrics: new Metrics(), tracer: new Tracer() };
}

/** Every SDK call then shows up as a subsegment in the function's trace. */
export function traceClients(tracer: Tracer, clients: AwsClients): AwsClients {
  return {
    s3: tracer.captureAWSv3Client(clients.s3),
    sqs: tracer.captureAWSv3Client(clients.sqs),
    dynamodb: tracer.captureAWSv3Client(clients.dynamodb),
  };
}
