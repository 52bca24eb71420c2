import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { createS3Client, createSqsClient, type AwsClients } from '../adapters/clients';
import { S3ObjectStore } from '../adapters/s3-object-store';
import { SqsDeadLetters } from '../adapters/sqs-dead-letters';
import { SqsQueueSender } from '../adapters/sqs-queue-sender';
import { EnqueueError } from '../core/errors';
import { makePusher, type PushSummary } from '../core/push-objects';
import { readPusherEnvironment } from './environment';
import { LogMessage, MetricName } from './telemetry-contract';
import { createObservability, reportIfAccessDenied, sampledTracing, traceClients, type Observability } from './observability';

export interface PusherAppOptions {
  env?: NodeJS.ProcessEnv;
  /** Ready clients (tests, local runtime), traced on every call; made from the environment otherwise, traced in sampled invocations only. */
  clients?: Pick<AwsClients, 's3' | 'sqs'>;
  observability?: Observability;
  sleep?: (ms: number) => Promise<void>;
}

/** Builds the pusher's Lambda handler (S3 → enrich and filter → SQS). */
export function createPusherHandler(options: PusherAppOptions = {}): (event: unknown, context: Context) => Promise<PushSummary> {
  const env = readPusherEnvironment(options.env ?? process.env);
  const observability = options.observability ?? createObservability();
  const { logger, metrics, tracer } = observability;
  const clients = options.clients
    ? traceClients(tracer, options.clients)
    : { s3: sampledTracing(tracer, () => createS3Client(options.env)), sqs: sampledTracing(tracer, createSqsClient) };
  const push = makePusher({
    objects: new S3ObjectStore(clients.s3),
    sender: new SqsQueueSender(clients.sqs, env.queueUrl),
    deadLetters: new SqsDeadLetters(clients.sqs, env.deadLetterQueueUrl, 'pusher'),
    filters: env.filters,
    handleDeletes: env.handleDeletes,
    sleep: options.sleep,
  });

  return async (event, context) => {
    logger.addContext(context);
    try {
      const summary = await push(event);
      if (summary.testEvent) metrics.addMetric(MetricName.TEST_EVENTS, MetricUnit.Count, 1);
      metrics.addMetric(MetricName.OBJECTS_ENQUEUED, MetricUnit.Count, summary.enqueued.length);
      for (const r of summary.rejected) {
        metrics.addMetric(MetricName.OBJECTS_REJECTED, MetricUnit.Count, 1);
        logger.info(LogMessage.OBJECT_REJECTED, { key: r.key, bucket: r.bucket, reason: r.reason });
      }
      for (const p of summary.poison) {
        metrics.addMetric(MetricName.POISON_MESSAGES, MetricUnit.Count, 1);
        logger.error(LogMessage.RECORD_DEAD_LETTERED, { ...p });
      }
      logger.info('Event pushed', { enqueued: summary.enqueued.length, rejected: summary.rejected.length, poison: summary.poison.length });
      return summary;
    } catch (e) {
      reportIfAccessDenied(observability, e);
      metrics.addMetric(MetricName.ENQUEUE_FAILURES, MetricUnit.Count, 1);
      // Failing the invocation hands the event to Lambda's async retries, then the on-failure destination.
      logger.error('Could not enqueue; failing the invocation', {
        error: e as Error,
        keys: e instanceof EnqueueError ? e.failedKeys : undefined,
      });
      throw e;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
