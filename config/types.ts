/**
 * The typed shape of one environment's configuration (`config/<env>.json`).
 *
 * The stack builds resources from it, the handlers' environment and the local runtime's
 * resources are derived from it (`config/derive.ts`), always after {@link resolveConfig}
 * (`config/validate.ts`) has filled defaults and checked every field. `config/pipeline.schema.json`,
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

/**
 * An e-mail address.
 * @pattern ^[^\s@]+@[^\s@]+\.[^\s@]+$
 * @errorMessage must be an e-mail address
 */
export type EmailAddress = string;

/**
 * A content type, exact or `type/*`.
 * @pattern ^[\w.+-]+\/([\w.+-]+|\*)$
 * @errorMessage must be a content type such as image/png or image/*
 */
export type ContentTypePattern = string;

/**
 * @minLength 1
 * @errorMessage must be a non-empty string
 */
export type NonEmptyString = string;

export interface ProcessorConfig {
  /**
   * Function timeout in seconds. The queue's visibility timeout is derived from it.
   * @asType integer
   * @minimum 1
   * @maximum 900
   */
  timeoutSeconds: number;
  /**
   * Memory in MB.
   * @asType integer
   * @minimum 128
   * @maximum 10240
   */
  memoryMb: number;
  /**
   * Records per invocation (above 10 needs a batching window ≥ 1 s).
   * @asType integer
   * @minimum 1
   * @maximum 10000
   */
  batchSize: number;
  /**
   * Seconds Lambda waits to fill a batch.
   * @asType integer
   * @minimum 0
   * @maximum 300
   */
  batchingWindowSeconds: number;
  /**
   * `scaling_config.maximum_concurrency` of the event source mapping.
   * @asType integer
   * @minimum 2
   * @maximum 1000
   */
  maxConcurrency: number;
  /**
   * Records processed at once inside one invocation.
   * @asType integer
   * @minimum 1
   * @maximum 100
   */
  recordConcurrency: number;
  /**
   * Reserved concurrency of the function: at most this many copies run, and they are
   * never starved by other functions of the account. Null: the mapping's `maxConcurrency`.
   * @asType integer
   * @nullable
   * @minimum 1
   * @maximum 1000
   */
  reservedConcurrency: number | null;
}

export interface PusherConfig {
  /**
   * Function timeout in seconds.
   * @asType integer
   * @minimum 1
   * @maximum 900
   */
  timeoutSeconds: number;
  /**
   * Memory in MB.
   * @asType integer
   * @minimum 128
   * @maximum 10240
   */
  memoryMb: number;
  /**
   * Asynchronous-invoke retries before the event goes to the on-failure destination.
   * @asType integer
   * @minimum 0
   * @maximum 2
   */
  maxRetryAttempts: number;
  /**
   * Maximum event age in seconds before it goes to the on-failure destination.
   * @asType integer
   * @minimum 60
   * @maximum 21600
   */
  maxEventAgeSeconds: number;
  /**
   * Reserved concurrency: a burst of uploads is throttled (and retried by Lambda's async queue) instead of starving the account.
   * @asType integer
   * @minimum 1
   * @maximum 1000
   */
  reservedConcurrency: number;
}

export interface QueueConfig {
  /**
   * Receives before a message moves to the DLQ (at least 5, per AWS guidance).
   * @asType integer
   * @minimum 5
   * @maximum 1000
   */
  maxReceiveCount: number;
  /**
   * Source queue retention in seconds; the DLQ always keeps 14 days.
   * @asType integer
   * @minimum 60
   * @maximum 1209599
   */
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
   * @pattern ^[^\n]*$
   * @errorMessage must be a string
   */
  prefix: string;
  /**
   * Key suffix filter ("" for none), written as keys are named; URL-encoded like the prefix.
   * @pattern ^[^\n]*$
   * @errorMessage must be a string
   */
  suffix: string;
  /** Keys starting with any of these are rejected by the pusher (e.g. temporary uploads). */
  ignoredPrefixes: NonEmptyString[];
  /** Keys ending with any of these are rejected by the pusher. */
  ignoredSuffixes: NonEmptyString[];
  /** If non-empty, only these content types (exact, or `type/*`) pass the pusher. */
  allowedContentTypes: ContentTypePattern[];
  /**
   * If > 0, larger objects are rejected: by the pusher, or by the EventBridge rule (numeric matching, at most 5.0e9).
   * @asType integer
   * @minimum 0
   * @maximum 9007199254740991
   */
  maxSizeBytes: number;
  /**
   * If > 0, smaller objects are not ingested (eventbridge mode: the rule's numeric matching, at most 5.0e9).
   * @asType integer
   * @minimum 0
   * @maximum 9007199254740991
   */
  minSizeBytes: number;
}

export interface AlarmConfig {
  /**
   * `ApproximateAgeOfOldestMessage` threshold in seconds on the source queue.
   * @asType integer
   * @minimum 60
   * @maximum 1209600
   */
  queueAgeThresholdSeconds: number;
  /**
   * `ApproximateNumberOfMessagesVisible` threshold on the source queue (a backlog).
   * @asType integer
   * @minimum 1
   * @maximum 1000000000
   */
  queueDepthThreshold: number;
  /**
   * Alarm when a function's `Errors`, or the handlers' failure metrics, reach this in a period (M of N periods).
   * @asType integer
   * @minimum 1
   * @maximum 1000000
   */
  errorThreshold: number;
  /**
   * Alarm when a function's `Throttles` sum over one period reaches this.
   * @asType integer
   * @minimum 1
   * @maximum 1000000
   */
  throttleThreshold: number;
  /**
   * Alarm when ERROR log lines over one period reach this.
   * @asType integer
   * @minimum 1
   * @maximum 1000000
   */
  errorLogThreshold: number;
  /**
   * Period of every alarm, in seconds.
   * @asType integer
   * @minimum 60
   * @maximum 86400
   * @multipleOf 60
   */
  periodSeconds: number;
  /**
   * Periods an error alarm looks at (N of "M of N"); evaluationPeriods × periodSeconds ≤ 1 day.
   * @asType integer
   * @minimum 1
   * @maximum 1440
   */
  evaluationPeriods: number;
  /**
   * Breaching periods among them that raise an error alarm (M of "M of N"). DLQ alarms are always 1 of 1.
   * @asType integer
   * @minimum 1
   * @maximum 1440
   */
  datapointsToAlarm: number;
  /**
   * Alarm when nothing was ingested for this many hours; 0 turns the heartbeat off.
   * @asType integer
   * @minimum 0
   * @maximum 24
   */
  heartbeatHours: number;
}

export interface BucketConfig {
  /** Let `terraform destroy` delete a non-empty bucket. Default false. */
  forceDestroy: boolean;
  /**
   * Expire current objects after N days (0 = never).
   * @asType integer
   * @minimum 0
   * @maximum 36500
   */
  expireAfterDays: number;
  /**
   * Expire noncurrent versions after N days (0 = never).
   * @asType integer
   * @minimum 0
   * @maximum 36500
   */
  noncurrentVersionExpirationDays: number;
  /** Server access logging to a log bucket of its own (`<namePrefix>-access-logs-<account>`). */
  accessLogging: boolean;
  /**
   * Days the access logs are kept.
   * @asType integer
   * @minimum 1
   * @maximum 3650
   */
  accessLogRetentionDays: number;
}

/** How often S3 Inventory lists the uploads bucket for the distributed reconcile. */
export const INVENTORY_SCHEDULES = ['Daily', 'Weekly'] as const;
export type InventorySchedule = (typeof INVENTORY_SCHEDULES)[number];

/**
 * Reconcile and backfill on AWS's distributed engines (Step Functions Distributed Map over an S3
 * Inventory or a listing, and over a DynamoDB export for orphans): docs/operations.md, "Reconcile at scale".
 */
export interface ReconcileConfig {
  /** Build the inventory bucket, the reconcile function and the state machine (`npm run reconcile -- --distributed`). */
  distributed: boolean;
  /**
   * S3 Inventory of the uploads bucket (CSV, all versions), `Daily` or `Weekly`; null: the state machine lists the bucket itself (ListObjectsV2).
   * @errorMessage must be "Daily", "Weekly" or null
   */
  inventory: InventorySchedule | null;
  /**
   * Objects per reconcile invocation (the map's `ItemBatcher.MaxItemsPerBatch`; a batch also stays under 256 KiB).
   * @asType integer
   * @minimum 1
   * @maximum 10000
   */
  itemsPerBatch: number;
  /**
   * Batches in flight at once (the Distributed Map's `MaxConcurrency`), each one invocation of the reconcile function, whose
   * reserved concurrency is this (Lambda keeps 100 of an account's concurrency unreserved).
   * @asType integer
   * @minimum 1
   * @maximum 9900
   */
  maxConcurrency: number;
  /**
   * Share of failed batches (after retries) the run tolerates before it fails, in percent.
   * @asType integer
   * @minimum 0
   * @maximum 100
   */
  toleratedFailurePercentage: number;
  /**
   * Days the inventory bucket keeps inventories, exports and map results.
   * @asType integer
   * @minimum 1
   * @maximum 3650
   */
  retentionDays: number;
  /**
   * The reconcile function's memory in MB.
   * @asType integer
   * @minimum 128
   * @maximum 10240
   */
  memoryMb: number;
  /**
   * The reconcile function's timeout in seconds. A batch runs in an Express child execution (5 minutes
   * at most, retries included), so at most 90.
   * @asType integer
   * @minimum 10
   * @maximum 90
   */
  timeoutSeconds: number;
}

export interface TableConfig {
  /** Refuse `DeleteTable` until turned off. */
  deletionProtection: boolean;
}

/** Where Terraform state lives. Null means a local backend (for trying things out only). */
export interface StateConfig {
  /**
   * The state bucket (created by the account's `state-bootstrap-<account id>` stack).
   * @pattern ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$
   * @errorMessage must be an S3 bucket name
   */
  bucket: string;
  /**
   * The state bucket's region.
   * @pattern ^[a-z]{2}(-gov)?-[a-z]+-\d$
   * @errorMessage must be an AWS region such as eu-west-1
   */
  region: string;
  /**
   * State object key prefix; the key is `<keyPrefix>/<environment>.tfstate`.
   * @pattern ^[\w.-]+(\/[\w.-]+)*$
   * @errorMessage must be a key prefix without leading or trailing slash
   */
  keyPrefix: string;
}

export interface PipelineConfig {
  /**
   * Environment name; must equal the file name (`config/<environment>.json`).
   * @pattern ^[a-z][a-z0-9-]{0,15}$
   * @errorMessage must be 1–16 lowercase letters, digits or hyphens
   */
  environment: string;
  /**
   * Prefix of every resource name (lowercase letters, digits, hyphens; 3–24 chars).
   * @pattern ^[a-z][a-z0-9-]{1,22}[a-z0-9]$
   * @errorMessage must be 3–24 lowercase letters, digits or hyphens
   */
  namePrefix: string;
  /**
   * The only AWS account this stack may be deployed to (12 digits).
   * @pattern ^\d{12}$
   * @errorMessage must be a 12-digit AWS account id
   */
  accountId: string;
  /**
   * AWS region of every resource, e.g. `eu-west-1`.
   * @pattern ^[a-z]{2}(-gov)?-[a-z]+-\d$
   * @errorMessage must be an AWS region such as eu-west-1
   */
  region: string;
  /**
   * How S3 events reach the processing queue: `direct` (bucket notification to the queue), `pusher` (S3 invokes a Lambda that enriches and filters) or `eventbridge` (S3 → EventBridge rule → queue).
   * @errorMessage must be "direct", "pusher" or "eventbridge"
   */
  mode: IngestionMode;
  /** Also ingest `ObjectRemoved:*` events: the item is marked deleted, never removed. */
  handleDeletes: boolean;
  /** E-mail addresses subscribed to the alarm topic (each must confirm AWS's e-mail). */
  alertEmails: EmailAddress[];
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
  /** Reconcile past one machine (off by default). */
  reconcile: ReconcileConfig;
  /**
   * Where Terraform state lives; null for a local state file (trying things out only).
   * @errorMessage must be null or an object with bucket, region and keyPrefix
   */
  state: StateConfig | null;
  /** Deployed by the CI deploy workflow (and checked daily for drift). Needs `state` and at least one alert e-mail. */
  deploy: boolean;
  /**
   * Applied to every resource through the provider's `default_tags`.
   * @errorMessage must be an object of string values
   */
  tags: Record<string, string>;
}

/** Settings without a default: resource names and the target account are never guessed. */
export type RequiredSetting = 'environment' | 'namePrefix' | 'accountId' | 'region';

/** The sections of a config, each an object whose fields all have defaults. */
export type ConfigSection = 'processor' | 'pusher' | 'queue' | 'filters' | 'alarms' | 'bucket' | 'table' | 'reconcile';

/**
 * What a `config/<env>.json` file holds: the required settings, and any of the others
 * (defaults fill the rest, see `config/defaults.ts`). `$schema` points editors at `pipeline.schema.json`.
 */
export type ConfigFile = Pick<PipelineConfig, RequiredSetting> &
  Partial<Omit<PipelineConfig, RequiredSetting | ConfigSection>> & {
    [S in ConfigSection]?: Partial<PipelineConfig[S]>;
  } & {
    /** The JSON Schema editors check this file against (`./pipeline.schema.json`). */
    $schema?: string;
  };
