import { ENV } from '../src/app/environment-contract';
import type { ScopeRules } from '../src/core/ingest-scope';
import { TABLE_KEYS } from '../src/core/items';
import { encodeS3Key } from '../src/core/s3-key';
import type { PipelineConfig } from './types';

/**
 * Settings computed from a config, shared by the stack and the local runtime so both
 * build the same pipeline. Nothing here is hand-typed twice.
 */

/** SQS's maximum retention; the DLQ keeps messages this long, longer than any source queue may. */
export const DLQ_RETENTION_SECONDS = 1_209_600;

export { TABLE_KEYS };

export interface ResourceNames {
  bucket: string;
  queue: string;
  deadLetterQueue: string;
  table: string;
  processor: string;
  pusher: string;
  /** Pusher mode: the pusher's on-failure destination (events whose invocations failed every retry). */
  pusherFailureQueue: string;
  /** Eventbridge mode: the rule on the default bus that sends the bucket's events to the queue. */
  eventRule: string;
  topic: string;
  /** The uploads bucket's server access logs (when `bucket.accessLogging`). */
  accessLogBucket: string;
  /** The environment's CloudWatch dashboard. */
  dashboard: string;
  /** Distributed reconcile: S3 Inventory reports, DynamoDB exports and map results. */
  inventoryBucket: string;
  /** Distributed reconcile: the function that checks one map batch. */
  reconcileFunction: string;
  /** Distributed reconcile: the state machine. */
  reconcileStateMachine: string;
}

export function resourceNames(cfg: PipelineConfig): ResourceNames {
  const p = cfg.namePrefix;
  return {
    // Bucket names are global: the account id keeps two accounts' environments from colliding.
    bucket: `${p}-uploads-${cfg.accountId}`,
    queue: `${p}-ingest`,
    deadLetterQueue: `${p}-ingest-dlq`,
    table: `${p}-objects`,
    processor: `${p}-processor`,
    pusher: `${p}-pusher`,
    pusherFailureQueue: `${p}-pusher-failures`,
    eventRule: `${p}-s3-objects`,
    topic: `${p}-alerts`,
    accessLogBucket: `${p}-access-logs-${cfg.accountId}`,
    dashboard: `${p}-pipeline`,
    inventoryBucket: `${p}-inventory-${cfg.accountId}`,
    reconcileFunction: `${p}-reconcile`,
    reconcileStateMachine: `${p}-reconcile`,
  };
}

/** The S3 backend's state object key of an environment. */
export function stateKey(cfg: PipelineConfig & { state: NonNullable<PipelineConfig['state']> }): string {
  return `${cfg.state.keyPrefix}/${cfg.environment}.tfstate`;
}

/** SQS's largest visibility timeout. */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;

/** 6 × processor timeout + batching window: AWS's rule for a queue that feeds a Lambda function. */
export function visibilityTimeoutSeconds(p: Pick<PipelineConfig['processor'], 'timeoutSeconds' | 'batchingWindowSeconds'>): number {
  return 6 * p.timeoutSeconds + p.batchingWindowSeconds;
}

export interface QueueSettings {
  /** 6 × processor timeout + batching window (AWS's rule for SQS event sources). */
  visibilityTimeoutSeconds: number;
  retentionSeconds: number;
  maxReceiveCount: number;
  deadLetterRetentionSeconds: number;
}

export function queueSettings(cfg: PipelineConfig): QueueSettings {
  return {
    visibilityTimeoutSeconds: visibilityTimeoutSeconds(cfg.processor),
    retentionSeconds: cfg.queue.retentionSeconds,
    maxReceiveCount: cfg.queue.maxReceiveCount,
    deadLetterRetentionSeconds: DLQ_RETENTION_SECONDS,
  };
}

/**
 * S3 event types the bucket notification subscribes to. With deletes handled, lifecycle
 * expirations too: an expired object (or an expiry that adds a delete marker) is a removal.
 */
export function notificationEvents(cfg: PipelineConfig): string[] {
  return cfg.handleDeletes ? ['s3:ObjectCreated:*', 's3:ObjectRemoved:*', 's3:LifecycleExpiration:*'] : ['s3:ObjectCreated:*'];
}

/**
 * The key prefix and suffix filters as S3 and EventBridge compare them: with the key as events spell
 * it, URL-encoded (S3: "special characters must be URL-encoded" in notification filters, a space as
 * `+`). The config holds keys as they are named; the IAM resource keeps the raw prefix.
 */
export function encodedKeyFilters(cfg: Pick<PipelineConfig, 'filters'>): { prefix: string; suffix: string } {
  return { prefix: encodeS3Key(cfg.filters.prefix), suffix: encodeS3Key(cfg.filters.suffix) };
}

/** EventBridge's numeric matching works on values from −5.0e9 to 5.0e9 (EventBridge user guide, content filtering). */
export const EVENTBRIDGE_NUMERIC_MAX = 5_000_000_000;

/** EventBridge's wildcard pattern treats `*` and the backslash as special: escape them in literal text. */
const escapeWildcard = (text: string): string => text.replace(/[\\*]/g, (c) => `\\${c}`);

/**
 * The EventBridge rule's event pattern (eventbridge mode): the bucket's "Object Created" events
 * (and "Object Deleted" when deletes are handled), filtered by key prefix/suffix (`prefix`,
 * `suffix`, or one `wildcard` when both are set, since patterns in one array are alternatives)
 * (URL-encoded, as the event spells the key) and by size (`numeric`; a deletion has no size, so it passes through `exists: false`). The stack
 * writes this JSON into the rule and the local run matches events against the very same JSON.
 */
export function eventPattern(cfg: PipelineConfig): Record<string, unknown> {
  const { minSizeBytes, maxSizeBytes } = cfg.filters;
  const { prefix, suffix } = encodedKeyFilters(cfg);
  const object: Record<string, unknown[]> = {};
  if (prefix && suffix) object.key = [{ wildcard: `${escapeWildcard(prefix)}*${escapeWildcard(suffix)}` }];
  else if (prefix) object.key = [{ prefix }];
  else if (suffix) object.key = [{ suffix }];
  if (minSizeBytes > 0 || maxSizeBytes > 0) {
    const range = [...(minSizeBytes > 0 ? ['>=', minSizeBytes] : []), ...(maxSizeBytes > 0 ? ['<=', maxSizeBytes] : [])];
    object.size = [{ numeric: range }, ...(cfg.handleDeletes ? [{ exists: false }] : [])];
  }
  return {
    source: ['aws.s3'],
    'detail-type': cfg.handleDeletes ? ['Object Created', 'Object Deleted'] : ['Object Created'],
    detail: { bucket: { name: [resourceNames(cfg).bucket] }, ...(Object.keys(object).length > 0 ? { object } : {}) },
  };
}

/** CloudWatch namespace of the handlers' EMF metrics and of the log-derived alarm metrics. */
export const metricNamespace = (cfg: PipelineConfig): string => `FileIngestion/${cfg.namePrefix}`;

const powertools = (cfg: PipelineConfig, service: string): Record<string, string> => ({
  POWERTOOLS_SERVICE_NAME: service,
  POWERTOOLS_METRICS_NAMESPACE: metricNamespace(cfg),
  POWERTOOLS_LOG_LEVEL: cfg.logLevel,
  // Every AWS call is traced by its SDK client (captureAWSv3Client); patching node's http(s) as
  // well would trace each one twice, at a CPU cost per call (see docs/benchmarks.md).
  POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
  NODE_OPTIONS: '--enable-source-maps',
});

/** The processor's environment. `refs` are Terraform tokens in the stack and real values locally. */
export function processorEnvironment(cfg: PipelineConfig, refs: { tableName: string; deadLetterQueueUrl: string }): Record<string, string> {
  return {
    ...powertools(cfg, 'processor'),
    [ENV.TABLE_NAME]: refs.tableName,
    [ENV.DEAD_LETTER_QUEUE_URL]: refs.deadLetterQueueUrl,
    [ENV.RECORD_CONCURRENCY]: String(cfg.processor.recordConcurrency),
    [ENV.HANDLE_DELETES]: String(cfg.handleDeletes),
  };
}

/** The pusher's environment. */
export function pusherEnvironment(cfg: PipelineConfig, refs: { queueUrl: string; deadLetterQueueUrl: string }): Record<string, string> {
  return {
    ...powertools(cfg, 'pusher'),
    [ENV.QUEUE_URL]: refs.queueUrl,
    [ENV.DEAD_LETTER_QUEUE_URL]: refs.deadLetterQueueUrl,
    [ENV.HANDLE_DELETES]: String(cfg.handleDeletes),
    [ENV.IGNORED_PREFIXES]: JSON.stringify(cfg.filters.ignoredPrefixes),
    [ENV.IGNORED_SUFFIXES]: JSON.stringify(cfg.filters.ignoredSuffixes),
    [ENV.ALLOWED_CONTENT_TYPES]: JSON.stringify(cfg.filters.allowedContentTypes),
    [ENV.MAX_SIZE_BYTES]: String(cfg.filters.maxSizeBytes),
  };
}

/** The processor's reserved concurrency: the configured one, or the mapping's maximum concurrency. */
export const processorReservedConcurrency = (cfg: PipelineConfig): number =>
  cfg.processor.reservedConcurrency ?? cfg.processor.maxConcurrency;

/** Warning an operator gets before a parked message expires. */
export const DLQ_EXPIRY_MARGIN_SECONDS = 3 * 24 * 3600;

/** The shortest DLQ age alarm worth having: a message must be able to sit one day before it pages. */
export const MIN_DLQ_AGE_ALARM_SECONDS = 24 * 3600;

/**
 * Age in the DLQ at which its alarm fires, so that it fires before any message can expire.
 * SQS (developer guide, "dead-letter queues", retention): on a standard queue the DLQ's
 * `ApproximateAgeOfOldestMessage` counts from the move into the DLQ, while expiry counts from the
 * original enqueue time. A message may have spent up to the source queue's retention there before
 * it moved, so it can expire `DLQ retention − source retention` after the move: the alarm fires
 * `DLQ_EXPIRY_MARGIN_SECONDS` before that. Validation keeps this at least {@link MIN_DLQ_AGE_ALARM_SECONDS}.
 */
export const dlqAgeAlarmSeconds = (cfg: Pick<PipelineConfig, 'queue'>): number =>
  DLQ_RETENTION_SECONDS - cfg.queue.retentionSeconds - DLQ_EXPIRY_MARGIN_SECONDS;

/**
 * The pusher failure queue's age alarm: Lambda sends each destination record as a new message, so
 * its age and its expiry both count from that send.
 */
export const FAILURE_QUEUE_AGE_ALARM_SECONDS = DLQ_RETENTION_SECONDS - DLQ_EXPIRY_MARGIN_SECONDS;

/** The longest source retention that leaves the DLQ age alarm its margin and a day to fire. */
export const MAX_SOURCE_RETENTION_SECONDS = DLQ_RETENTION_SECONDS - DLQ_EXPIRY_MARGIN_SECONDS - MIN_DLQ_AGE_ALARM_SECONDS;

/** Which objects the environment ingests, as the reconcile command and function check it. */
export function scopeRules(cfg: PipelineConfig): ScopeRules {
  const f = cfg.filters;
  return {
    prefix: f.prefix,
    suffix: f.suffix,
    pusher: cfg.mode === 'pusher' ? f : null,
    minSizeBytes: cfg.mode === 'eventbridge' ? f.minSizeBytes : 0,
    maxSizeBytes: cfg.mode === 'direct' ? 0 : f.maxSizeBytes,
  };
}

/**
 * Where the distributed reconcile keeps things in the inventory bucket. S3 writes an inventory to
 * `<inventory>/<source bucket>/<inventoryId>/<YYYY-MM-DDTHH-MMZ>/manifest.json` (+ `data/*.csv.gz`),
 * DynamoDB an export to `<exports>/AWSDynamoDB/<export id>/data/*.json.gz`, the map's ResultWriter
 * to `<results>/<pass>/<map run id>/`.
 */
export const RECONCILE_LAYOUT = {
  inventory: 'inventory',
  inventoryId: 'reconcile',
  exports: 'exports',
  results: 'reconcile-results',
} as const;

/** The inventory's optional fields (the stack's `optional_fields`). */
export const INVENTORY_FIELDS = ['Size', 'LastModifiedDate', 'ETag'] as const;

/** The columns S3 writes for an inventory of all versions with {@link INVENTORY_FIELDS}, as its manifest's `fileSchema` names them. */
export const INVENTORY_COLUMNS = ['Bucket', 'Key', 'VersionId', 'IsLatest', 'IsDeleteMarker', ...INVENTORY_FIELDS] as const;

/** The reconcile function's environment. */
export function reconcileEnvironment(
  cfg: PipelineConfig,
  refs: { tableName: string; queueUrl: string; bucket: string },
): Record<string, string> {
  return {
    ...powertools(cfg, 'reconcile'),
    [ENV.TABLE_NAME]: refs.tableName,
    [ENV.QUEUE_URL]: refs.queueUrl,
    [ENV.BUCKET_NAME]: refs.bucket,
    [ENV.HANDLE_DELETES]: String(cfg.handleDeletes),
    [ENV.INGEST_SCOPE]: JSON.stringify(scopeRules(cfg)),
  };
}
