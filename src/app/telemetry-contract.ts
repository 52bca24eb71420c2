/**
 * What the handlers promise to emit, in one place. The local runtime's report
 * (`local/outcome-log.ts`) reads these log lines, and the stack's alarms read these metrics:
 * renaming one here renames it for every reader, and a test holds each side to it.
 */

/** Per-object and per-message log lines (Powertools JSON `message` field). */
export const LogMessage = {
  /** Processor: an object's item was written (stored, marked deleted, or backfilled). */
  OBJECT_PROCESSED: 'Object processed',
  /** Processor: nothing written for an object or message (duplicate, skipped, ignored, test event). */
  NOT_STORED: 'Message not stored',
  /** Processor: a message (or the unreadable part of one) went to the DLQ. */
  POISON_DEAD_LETTERED: 'Poison message sent to the dead-letter queue',
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
} as const;

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
  TRANSIENT_FAILURES: 'TransientFailures',
  END_TO_END_LATENCY: 'EndToEndLatency',
  OBJECTS_ENQUEUED: 'ObjectsEnqueued',
  OBJECTS_REJECTED: 'ObjectsRejected',
  ENQUEUE_FAILURES: 'EnqueueFailures',
  ACCESS_DENIED: 'AccessDenied',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];
