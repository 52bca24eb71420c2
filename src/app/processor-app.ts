import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { AwsClients } from '../adapters/clients';
import { DynamoItemRepository } from '../adapters/dynamo-item-repository';
import { S3ObjectStore } from '../adapters/s3-object-store';
import { SqsDeadLetters } from '../adapters/sqs-dead-letters';
import { PoisonTooLargeError } from '../core/errors';
import { limitConcurrency } from '../core/limit';
import { makeMessageProcessor, type Outcome } from '../core/process-message';
import { readProcessorEnvironment } from './environment';
import { BATCH_OUTCOMES_PER_LINE, LogField, LogMessage, MetricName, WRITTEN_STATUSES } from './telemetry-contract';
import { createObservability, reportIfAccessDenied, type Observability } from './observability';
import { tracedClients } from './traced-clients';

export interface ProcessorAppOptions {
  env?: NodeJS.ProcessEnv;
  /** Ready clients (tests, local runtime), traced on every call; made from the environment otherwise, traced in sampled invocations only. */
  clients?: AwsClients;
  observability?: Observability;
  now?: () => Date;
}

/** Metric name for each outcome; EMF turns them into CloudWatch metrics. */
const OUTCOME_METRIC: Record<Outcome['status'], MetricName> = {
  stored: MetricName.OBJECTS_STORED,
  deleted: MetricName.OBJECTS_MARKED_DELETED,
  backfilled: MetricName.OBJECTS_BACKFILLED,
  duplicate: MetricName.DUPLICATES,
  skipped: MetricName.OBJECTS_SKIPPED,
  ignored: MetricName.EVENTS_IGNORED,
  'test-event': MetricName.TEST_EVENTS,
  poison: MetricName.POISON_MESSAGES,
};

/**
 * Builds the processor's Lambda handler. Everything here runs once per container:
 * environment validation, SDK clients, tracing.
 */
export function createProcessorHandler(
  options: ProcessorAppOptions = {},
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const env = readProcessorEnvironment(options.env ?? process.env);
  const observability = options.observability ?? createObservability();
  const { logger, metrics, tracer } = observability;
  const clients = tracedClients(tracer, options.clients, options.env);
  const processMessage = makeMessageProcessor({
    objects: new S3ObjectStore(clients.s3),
    items: new DynamoItemRepository(clients.dynamodb, env.tableName),
    deadLetters: new SqsDeadLetters(clients.sqs, env.deadLetterQueueUrl, 'processor'),
    handleDeletes: env.handleDeletes,
    now: options.now,
  });

  // `done` collects the invocation's outcomes for its summary line (one per invocation, never shared).
  const handleRecord = limitConcurrency(
    env.recordConcurrency,
    async (record: SQSRecord, done: Array<Record<string, unknown>>): Promise<void> => {
      const messageId = record.messageId;
      let outcomes: Outcome[];
      try {
        outcomes = await processMessage({ messageId, body: record.body });
      } catch (e) {
        if (e instanceof PoisonTooLargeError) {
          metrics.addMetric(MetricName.POISON_LEFT_TO_REDRIVE, MetricUnit.Count, 1);
          logger.error(LogMessage.POISON_LEFT_TO_REDRIVE, {
            messageId,
            [LogField.REASON]: e.reason,
            detail: e.detail,
            bytes: e.bytes,
            sha256: e.sha256,
          });
          throw e;
        }
        reportIfAccessDenied(observability, e, { messageId });
        metrics.addMetric(MetricName.TRANSIENT_FAILURES, MetricUnit.Count, 1);
        logger.warn(LogMessage.TRANSIENT_FAILURE, { messageId, error: e as Error });
        throw e;
      }
      for (const outcome of outcomes) {
        metrics.addMetric(OUTCOME_METRIC[outcome.status], MetricUnit.Count, 1);
        // A backfilled object had no event: its age is not the pipeline's latency.
        if (outcome.status === 'stored' || outcome.status === 'deleted')
          metrics.addMetric(MetricName.END_TO_END_LATENCY, MetricUnit.Milliseconds, outcome.latencyMs);
        if (outcome.status === 'poison') {
          logger.error(LogMessage.POISON_DEAD_LETTERED, { messageId, ...outcome });
          continue;
        }
        const entry = { messageId, ...outcome };
        done.push(entry);
        logger.debug(WRITTEN_STATUSES.includes(outcome.status) ? LogMessage.OBJECT_PROCESSED : LogMessage.NOT_STORED, entry);
      }
    },
  );

  return async (event, context) => {
    logger.addContext(context);
    // One processor per invocation: its state must not be shared by overlapping invocations.
    const processor = new BatchProcessor(EventType.SQS);
    const done: Array<Record<string, unknown>> = [];
    try {
      const response = await processPartialResponse(event, (record: SQSRecord) => handleRecord(record, done), processor, {
        context,
        throwOnFullBatchFailure: false,
      });
      const summary = { records: event.Records.length, failed: response.batchItemFailures.length };
      if (done.length === 0) logger.info(LogMessage.BATCH_PROCESSED, { ...summary, [LogField.OUTCOMES]: [] });
      for (let i = 0; i < done.length; i += BATCH_OUTCOMES_PER_LINE)
        logger.info(LogMessage.BATCH_PROCESSED, { ...summary, [LogField.OUTCOMES]: done.slice(i, i + BATCH_OUTCOMES_PER_LINE) });
      return response;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
