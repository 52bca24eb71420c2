/**
 * The typed shape of one environment's configuration (`config/<env>.json`).
 *
 * The stack builds resources from it, the handlers' environment and the local runtime's
 * resources are derived from it (`config/derive.ts`), always after {@link resolveConfig}
 * (`config/validate.ts`) has filled defaults and checked every field. `config/schema.json`,
 * which editors use for completion, is generated from {@link ConfigFile} below.
 */

/** How S3 events reach the processing queue. */
export const IngestionMode = {
  /** S3 event notification straight to the queue. */
  DIRECT: 'direct',
  /** S3 invokes a pusher Lambda that enriches, filters and enqueues. */
  PUSHER: 'pusher',
  /** S3 sends every event to EventBridge; a rule on the default bus matches and targets the queue. */
  EVENTBRIDGE: 'eventbridge',
} as const;
export type IngestionMode = (typeof IngestionMode)[keyof typeof IngestionMode];

/**
 * Log levels a function may run at. WARN and above are not among them: Lambda drops lines without
 * a `level` (the EMF metric lines) below its application log level, treating them as INFO.
 */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ProcessorConfig {
  /** Function timeout in seconds (1–900). The queue's visibility timeout is derived from it. */
  timeoutSeconds: number;
  /** Memory in MB (128–10240). */
  memoryMb: number;
  /** Records per invocation (1–10000; above 10 needs a batching window ≥ 1 s). */
  batchSize: number;
  /** Seconds Lambda waits to fill a batch (0–300). */
  batchingWindowSeconds: number;
  /** `scaling_config.maximum_concurrency` of the event source mapping (2–1000). */
  maxConcurrency: number;
  /** Records processed at once inside one invocation (1–100). */
  recordConcurrency: number;
  /**
   * Reserved concurrency of the function (1–1000): at most this many copies run, and they are
   * never starved by other functions of the account. Null: the mapping's `maxConcurrency`.
   */
  reservedConcurrency: number | null;
}

export interface PusherConfig {
  /** Function timeout in seconds (1–900). */
  timeoutSeconds: number;
  /** Memory in MB (128–10240). */
  memoryMb: number;
  /** Asynchronous-invoke retries (0–2) before the event goes to the on-failure destination. */
  maxRetryAttempts: number;
  /** Maximum event age in seconds (60–21600) before it goes to the on-failure destination. */
  maxEventAgeSeconds: number;
  /** Reserved concurrency (1–1000): a burst of uploads is throttled (and retried by Lambda's async queue) instead of starving the account. */
  reservedConcurrency: number;
}

export interface QueueConfig {
  /** Receives before a message moves to the DLQ (≥ 5, per AWS guidance). */
  maxReceiveCount: number;
  /** Source queue retention in seconds (60–1209600); the DLQ always keeps 14 days. */
  retentionSeconds: number;
}

/**
 * Which objects are ingested. Prefix/suffix apply in every mode (the notification's filter, or the
 * EventBridge rule's pattern); size limits in pusher and eventbridge modes; the rest to the pusher.
 */
export interface FilterConfig {
  /**
   * Key prefix filter ("" for none): the notification's, or the EventBridge rule's. Written as keys are
   * named (spaces, any UTF-8): the stack URL-encodes it as S3 and EventBridge compare it. No `*` or `?`:
   * it is also the functions' IAM resource, where those are wildcards.
   */
  prefix: string;
  /** Key suffix filter ("" for none), written as keys are named; URL-encoded like the prefix. */
  suffix: string;
  /** Keys starting with any of these are rejected by the pusher (e.g. temporary uploads). */
  ignoredPrefixes: string[];
  /** Keys ending with any of these are rejected by the pusher. */
  ignoredSuffixes: string[];
  /** If non-empty, only these content types (exact, or `type/*`) pass the pusher. */
  allowedContentTypes: string[];
  /** If > 0, larger objects are rejected: by the pusher, or by the EventBridge rule (numeric matching, at most 5.0e9). */
  maxSizeBytes: number;
  /** If > 0, smaller objects are not ingested (eventbridge mode: the rule's numeric matching, at most 5.0e9). */
  minSizeBytes: number;
}

export interface AlarmConfig {
  /** `ApproximateAgeOfOldestMessage` threshold in seconds on the source queue. */
  queueAgeThresholdSeconds: number;
  /** `ApproximateNumberOfMessagesVisible` threshold on the source queue (a backlog). */
  queueDepthThreshold: number;
  /** Alarm when a function's `Errors`, or the handlers' failure metrics, reach this in a period (M of N periods). */
  errorThreshold: number;
  /** Alarm when a function's `Throttles` sum over one period reaches this. */
  throttleThreshold: number;
  /** Alarm when ERROR log lines over one period reach this. */
  errorLogThreshold: number;
  /** Period of every alarm, in seconds (multiple of 60). */
  periodSeconds: number;
  /** Periods an error alarm looks at (N of "M of N"); evaluationPeriods × periodSeconds ≤ 1 day. */
  evaluationPeriods: number;
  /** Breaching periods among them that raise an error alarm (M of "M of N"). DLQ alarms are always 1 of 1. */
  datapointsToAlarm: number;
  /** Alarm when nothing was ingested for this many hours (1–24); 0 turns the heartbeat off. */
  heartbeatHours: number;
}

export interface BucketConfig {
  /** Let `terraform destroy` delete a non-empty bucket. Default false. */
  forceDestroy: boolean;
  /** Expire current objects after N days (0 = never). */
  expireAfterDays: number;
  /** Expire noncurrent versions after N days (0 = never). */
  noncurrentVersionExpirationDays: number;
  /** Server access logging to a log bucket of its own (`<namePrefix>-access-logs-<account>`). */
  accessLogging: boolean;
  /** Days the access logs are kept (1–3650). */
  accessLogRetentionDays: number;
}

export interface TableConfig {
  /** Refuse `DeleteTable` until turned off. */
  deletionProtection: boolean;
}

/** Where Terraform state lives. Null means a local backend (for trying things out only). */
export interface StateConfig {
  /** The state bucket (created by the account's `state-bootstrap-<account id>` stack). */
  bucket: string;
  /** The state bucket's region. */
  region: string;
  /** State object key prefix; the key is `<keyPrefix>/<environment>.tfstate`. */
  keyPrefix: string;
}

export interface PipelineConfig {
  /** Environment name; must equal the file name (`config/<environment>.json`). */
  environment: string;
  /** Prefix of every resource name (lowercase letters, digits, hyphens; 3–24 chars). */
  namePrefix: string;
  /** The only AWS account this stack may be deployed to (12 digits). */
  accountId: string;
  /** AWS region of every resource, e.g. `eu-west-1`. */
  region: string;
  /** How S3 events reach the processing queue: `direct` (bucket notification to the queue), `pusher` (S3 invokes a Lambda that enriches and filters) or `eventbridge` (S3 → EventBridge rule → queue). */
  mode: IngestionMode;
  /** Also ingest `ObjectRemoved:*` events: the item is marked deleted, never removed. */
  handleDeletes: boolean;
  /** E-mail addresses subscribed to the alarm topic (each must confirm AWS's e-mail). */
  alertEmails: string[];
  /**
   * The functions' Lambda runtime (`nodejs24.x`, `nodejs22.x`, …); the bundles' esbuild target follows it.
   * Guardrails fail on a deprecated one and warn six months before (dates: `config/runtimes.ts`).
   */
  runtime: string;
  /** Retention of the functions' log groups, in days (one of CloudWatch's values). */
  logRetentionDays: number;
  /**
   * The functions' application log level (Lambda's `application_log_level` and Powertools'). Only
   * TRACE, DEBUG or INFO: the metric lines (EMF) carry no level, Lambda treats them as INFO, and a
   * higher level would drop every metric the alarms read.
   */
  logLevel: LogLevel;
  /** The processor function and its event source mapping. */
  processor: ProcessorConfig;
  /** The pusher function (pusher mode only). */
  pusher: PusherConfig;
  /** The processing queue and its redrive to the DLQ. */
  queue: QueueConfig;
  /** Which objects are ingested. */
  filters: FilterConfig;
  /** CloudWatch alarm thresholds. */
  alarms: AlarmConfig;
  /** The uploads bucket. */
  bucket: BucketConfig;
  /** The DynamoDB table. */
  table: TableConfig;
  /** Where Terraform state lives; null for a local state file (trying things out only). */
  state: StateConfig | null;
  /** Deployed by the CI deploy workflow (and checked daily for drift). Needs `state` and at least one alert e-mail. */
  deploy: boolean;
  /** Applied to every resource through the provider's `default_tags`. */
  tags: Record<string, string>;
}

/** Settings without a default: resource names and the target account are never guessed. */
export type RequiredSetting = 'environment' | 'namePrefix' | 'accountId' | 'region';

/** The sections of a config, each an object whose fields all have defaults. */
export type ConfigSection = 'processor' | 'pusher' | 'queue' | 'filters' | 'alarms' | 'bucket' | 'table';

/**
 * What a `config/<env>.json` file holds: the required settings, and any of the others
 * (defaults fill the rest, see `config/defaults.ts`). `$schema` points editors at `schema.json`.
 */
export type ConfigFile = Pick<PipelineConfig, RequiredSetting> &
  Partial<Omit<PipelineConfig, RequiredSetting | ConfigSection>> & {
    [S in ConfigSection]?: Partial<PipelineConfig[S]>;
  } & {
    /** The JSON Schema editors check this file against (`./schema.json`). */
    $schema?: string;
  };
