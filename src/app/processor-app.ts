import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createAwsClients, type AwsClients } from '../adapters/clients';
import { DynamoItemRepository } from '../adapters/dynamo-item-repository';
import { S3ObjectStore } from '../adapters/s3-object-store';
import { SqsDeadLetters } from '../adapters/sqs-dead-letters';
import { limitConcurrency } from '../core/limit';
import { makeMessageProcessor, type Outcome } from '../core/process-message';
import { readProcessorEnvironment } from './environment';
import { createObservability, traceClients, type Observability } from './observability';

export interface ProcessorAppOptions {
  env?: NodeJS.ProcessEnv;
  /** Ready clients (tests, local runtime); created from the environment otherwise. */
  clients?: AwsClients;
  observability?: Observability;
  now?: () => Date;
}

/** Metric name for each outcome; EMF turns them into CloudWatch metrics. */
const OUTCOME_METRIC: Record<Outcome['status'], string> = {
  stored: 'ObjectsStored',
  deleted: 'ObjectsMarkedDeleted',
  duplicate: 'Duplicates',
  skipped: 'ObjectsSkipped',
  ignored: 'EventsIgnored',
  'test-event': 'TestEvents',
  poison: 'PoisonMessages',
};

/**
 * Builds the processor's Lambda handler. Everything here runs once per container:
 * environment validation, SDK clients, tracing.
 */
export function createProcessorHandler(options: ProcessorAppOptions = {}): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const env = readProcessorEnvironment(options.env ?? process.env);
  const { logger, metrics, tracer } = options.observability ?? createObservability();
  const clients = traceClients(tracer, options.clients ?? createAwsClients(options.env));
  const processMessage = makeMessageProcessor({
    objects: new S3ObjectStore(clients.s3),
    items: new DynamoItemRepository(clients.dynamodb, env.tableName),
    deadLetters: new SqsDeadLetters(clients.sqs, env.deadLetterQueueUrl, 'processor'),
    handleDeletes: env.handleDeletes,
    now: options.now,
  });

  const handleRecord = limitConcurrency(env.recordConcurrency, async (record: SQSRecord): Promise<void> => {
    const messageId = record.messageId;
    let outcomes: Outcome[];
    try {
      outcomes = await processMessage({ messageId, body: record.body });
    } catch (e) {
      metrics.addMetric('TransientFailures', MetricUnit.Count, 1);
      logger.warn('Transient failure; SQS will redeliver', { messageId, error: e as Error });
      throw e;
    }
    for (const outcome of outcomes) {
      metrics.addMetric(OUTCOME_METRIC[outcome.status], MetricUnit.Count, 1);
      if (outcome.status === 'stored' || outcome.status === 'deleted') {
        metrics.addMetric('EndToEndLatency', MetricUnit.Milliseconds, outcome.latencyMs);
        logger.info('Object processed', { messageId, ...outcome });
      } else if (outcome.status === 'poison') {
        logger.error('Poison message sent to the dead-letter queue', { messageId, ...outcome });
      } else {
        logger.info('Message not stored', { messageId, ...outcome });
      }
    }
  });

  return async (event, context) => {
    logger.addContext(context);
    // One processor per invocation: its state must not be shared by overlapping invocations.
    const processor = new BatchProcessor(EventType.SQS);
    try {
      const response = await processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false });
      logger.info('Batch done', { records: event.Records.length, failed: response.batchItemFailures.length });
      return response;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
