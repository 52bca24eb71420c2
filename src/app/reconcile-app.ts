import type { Context } from 'aws-lambda';
import type { AwsClients } from '../adapters/clients';
import { lookUpItems } from '../adapters/dynamo-item-summaries';
import { S3ObjectStore } from '../adapters/s3-object-store';
import { SqsQueueSender } from '../adapters/sqs-queue-sender';
import { makeBatchReconciler, parseBatch, type BatchResult } from '../core/reconcile-batch';
import { readReconcileEnvironment } from './environment';
import { createObservability, reportIfAccessDenied, type Observability } from './observability';
import { tracedClients } from './traced-clients';

/** HeadObject calls at once per invocation: enough to hide S3's latency, far below its per-prefix rate. */
const HEAD_CONCURRENCY = 32;

export interface ReconcileAppOptions {
  env?: NodeJS.ProcessEnv;
  /** Ready clients (tests, local runtime), traced on every call; made from the environment otherwise. */
  clients?: AwsClients;
  observability?: Observability;
}

/**
 * Builds the reconcile function's handler: one Distributed Map batch in (`{ Items, BatchInput }`),
 * its counts and sample keys out (written by the map's ResultWriter, summed by `npm run reconcile
 * -- --distributed`). A batch that is not one fails the invocation; unreadable rows are counted and
 * named in the result, never guessed.
 */
export function createReconcileHandler(options: ReconcileAppOptions = {}): (event: unknown, context: Context) => Promise<BatchResult> {
  const env = readReconcileEnvironment(options.env ?? process.env);
  const observability = options.observability ?? createObservability();
  const { logger, tracer } = observability;
  const clients = tracedClients(tracer, options.clients, options.env);
  const reconcileBatch = makeBatchReconciler({
    items: { lookUp: (bucket, keys) => lookUpItems(clients.dynamodb, env.tableName, bucket, keys) },
    objects: new S3ObjectStore(clients.s3),
    queue: new SqsQueueSender(clients.sqs, env.queueUrl),
    bucket: env.bucket,
    rules: env.scope,
    handleDeletes: env.handleDeletes,
    headConcurrency: HEAD_CONCURRENCY,
  });

  return async (event, context) => {
    logger.addContext(context);
    try {
      const result = await reconcileBatch(parseBatch(event));
      logger.info('Reconcile batch', { pass: result.pass, counts: result.counts });
      if (result.invalid.length) logger.warn('Unreadable map items', { invalid: result.invalid });
      return result;
    } catch (e) {
      reportIfAccessDenied(observability, e);
      logger.error('Reconcile batch failed; Step Functions retries it', { error: e as Error });
      throw e;
    }
  };
}
