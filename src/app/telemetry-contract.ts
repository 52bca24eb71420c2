/**
 * What the handlers promise to emit, in one place. The local runtime's report
 * (`local/outcome-log.ts`) reads these log lines, and the stack's alarms read these metrics:
 * renaming one here renames it for every reader, and a test holds each side to it.
 */

/** Per-object and per-message log lines (Powertools JSON `message` field). */
export const LogMessage = {
  /**
   * Processor, INFO: what became of the records of an invocation that need no retry — one line per
   * up to {@link BATCH_OUTCOMES_PER_LINE} records, each outcome in `outcomes` (status, key, bucket,
   * messageId, latencyMs, reason). One line a batch instead of one a record: it is what the
   * per-record cost and the log bill were made of.
   */
  BATCH_PROCESSED: 'Batch processed',
  /** Processor, DEBUG only: an object's item was written (stored, marked deleted, or backfilled). */
  OBJECT_PROCESSED: 'Object processed',
  /** Processor, DEBUG only: nothing written for an object or message (duplicate, skipped, ignored, test event). */
  NOT_STORED: 'Message not stored',
  /** Processor: a message (or the unreadable part of one) went to the DLQ. */
  POISON_DEAD_LETTERED: 'Poison message sent to the dead-letter queue',
  /**
   * Processor, ERROR: a poison part too big for the DLQ with its reason; the message is failed and
   * reaches the DLQ unchanged through the redrive policy (as `max-receives-exceeded`). Fields:
   * `reason`, `detail`, `bytes`, `sha256` of the part. Once per receive.
   */
  POISON_LEFT_TO_REDRIVE: 'Poison part too large to dead-letter with its reason; left to the redrive policy',
  /** Processor: the message failed transiently and is left for SQS to redeliver. */
  TRANSIENT_FAILURE: 'Transient failure; SQS will redeliver',
  /** Either function: a call was denied for lack of permission (the message is retried). */
  ACCESS_DENIED: 'Access denied; check the function role',
  /** Pusher: an object was filtered out. */
  OBJECT_REJECTED: 'Object rejected',
  /** Pusher: a record that can never be processed went to the DLQ. */
  RECORD_DEAD_LETTERED: 'Unprocessable record sent to the dead-letter queue',
} as const;
export type LogMessage = (typeof LogMessage)[keyof typeof LogMessage];

/** Fields of those lines that readers rely on. */
export const LogField = {
  STATUS: 'status',
  KEY: 'key',
  BUCKET: 'bucket',
  MESSAGE_ID: 'messageId',
  REASON: 'reason',
  LATENCY_MS: 'latencyMs',
  /** Of BATCH_PROCESSED: the records' outcomes, each with the fields above. */
  OUTCOMES: 'outcomes',
} as const;

/** Outcomes per BATCH_PROCESSED line: a batch of 10,000 stays far below CloudWatch's 256 KB per event. */
export const BATCH_OUTCOMES_PER_LINE = 100;

/** The statuses of an outcome whose item was written. */
export const WRITTEN_STATUSES: readonly string[] = ['stored', 'deleted', 'backfilled'];

/** EMF metric names (namespace `POWERTOOLS_METRICS_NAMESPACE`, dimension `service`). */
export const MetricName = {
  OBJECTS_STORED: 'ObjectsStored',
  OBJECTS_MARKED_DELETED: 'ObjectsMarkedDeleted',
  OBJECTS_BACKFILLED: 'ObjectsBackfilled',
  DUPLICATES: 'Duplicates',
  OBJECTS_SKIPPED: 'ObjectsSkipped',
  EVENTS_IGNORED: 'EventsIgnored',
  TEST_EVENTS: 'TestEvents',
  POISON_MESSAGES: 'PoisonMessages',
  /** Receives of a poison part too big to dead-letter with its reason (see `LogMessage.POISON_LEFT_TO_REDRIVE`). */
  POISON_LEFT_TO_REDRIVE: 'PoisonLeftToRedrive',
  TRANSIENT_FAILURES: 'TransientFailures',
  END_TO_END_LATENCY: 'EndToEndLatency',
  OBJECTS_ENQUEUED: 'ObjectsEnqueued',
  OBJECTS_REJECTED: 'ObjectsRejected',
  ENQUEUE_FAILURES: 'EnqueueFailures',
  ACCESS_DENIED: 'AccessDenied',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];
