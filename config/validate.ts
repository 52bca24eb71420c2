import { isObject, type JsonObject } from '../src/core/json';
import { CONFIG_DEFAULTS } from './defaults';
import {
  DLQ_EXPIRY_MARGIN_SECONDS,
  EVENTBRIDGE_NUMERIC_MAX,
  DLQ_RETENTION_SECONDS,
  MAX_SOURCE_RETENTION_SECONDS,
  MIN_DLQ_AGE_ALARM_SECONDS,
  SQS_MAX_VISIBILITY_SECONDS,
  visibilityTimeoutSeconds,
} from './derive';
import { LAMBDA_NODE_RUNTIMES } from './runtimes';
import { IngestionMode, LOG_LEVELS, type PipelineConfig } from './types';

/** Base of every configuration error: its message is meant for the user, without a stack trace. */
export class ConfigError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Thrown once with every problem found, so a user fixes a config file in one pass. */
export class ConfigValidationError extends ConfigError {
  public readonly problems: string[];

  public constructor(source: string, problems: string[]) {
    super(`Invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
    this.problems = problems;
  }
}

/** Edits needed to turn `a` into `b` (Levenshtein), case-insensitively. */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    row = next;
  }
  return row[y.length]!;
}

/** The known setting a mistyped one most likely meant: a close spelling, or one that starts or ends with it. */
export function closestSetting(unknown: string, known: string[]): string | undefined {
  const u = unknown.toLowerCase();
  const scored = known
    .map((k) => ({
      k,
      d: editDistance(unknown, k),
      affix: k.toLowerCase().startsWith(u) || k.toLowerCase().endsWith(u) || u.startsWith(k.toLowerCase()),
    }))
    .filter(({ d, affix }) => affix || d <= Math.max(2, Math.floor(unknown.length / 3)))
    .sort((a, b) => a.d - b.d);
  return scored[0]?.k;
}

type Json = JsonObject;
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** Collects problems under dotted field names instead of stopping at the first. */
class Checker {
  public readonly problems: string[] = [];

  public fail(field: string, what: string, value: unknown): void {
    this.problems.push(`${field} ${what} (got ${show(value)})`);
  }

  public int(field: string, value: unknown, min: number, max: number): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(field, `must be an integer from ${min} to ${max}`, value);
    }
  }

  public bool(field: string, value: unknown): void {
    if (typeof value !== 'boolean') this.fail(field, 'must be true or false', value);
  }

  public str(field: string, value: unknown, pattern: RegExp, rule: string): void {
    if (typeof value !== 'string' || !pattern.test(value)) this.fail(field, rule, value);
  }

  public strings(field: string, value: unknown, pattern: RegExp, rule: string): void {
    if (!Array.isArray(value)) {
      this.fail(field, 'must be an array of strings', value);
      return;
    }
    value.forEach((item, i) => {
      this.str(`${field}[${i}]`, item, pattern, rule);
    });
  }

  public knownKeys(field: string, value: Json, allowed: object): void {
    for (const key of Object.keys(value)) {
      if (key in allowed) continue;
      const guess = closestSetting(key, Object.keys(allowed));
      this.problems.push(`${field ? `${field}.` : ''}${key} is not a known setting${guess ? `; did you mean "${guess}"?` : ''}`);
    }
  }
}

const SECTIONS = ['processor', 'pusher', 'queue', 'filters', 'alarms', 'bucket', 'table'] as const;
const REQUIRED = { environment: '', namePrefix: '', accountId: '', region: '' };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ANY_TEXT = /^[^\n]*$/;

/** Fills defaults, checks every field, and returns a config that constructs and handlers can trust. */
export function resolveConfig(raw: unknown, source = 'config', expectedEnvironment?: string): PipelineConfig {
  const c = new Checker();
  if (!isObject(raw)) throw new ConfigValidationError(source, [`the file must hold a JSON object (got ${show(raw)})`]);

  // `$schema` only tells editors where the JSON Schema is.
  const { $schema: _schema, ...settings } = raw;
  c.knownKeys('', settings, { ...REQUIRED, ...CONFIG_DEFAULTS });
  const merged: Json = { ...CONFIG_DEFAULTS, ...settings };
  for (const section of SECTIONS) {
    const given = raw[section] ?? {};
    if (!isObject(given)) {
      c.fail(section, 'must be an object', given);
      merged[section] = CONFIG_DEFAULTS[section];
      continue;
    }
    c.knownKeys(section, given, CONFIG_DEFAULTS[section]);
    merged[section] = { ...CONFIG_DEFAULTS[section], ...given };
  }
  const cfg = merged as unknown as PipelineConfig;

  checkIdentity(c, cfg, expectedEnvironment);
  checkFunctions(c, cfg);
  checkQueueAndFilters(c, cfg);
  if (c.problems.length === 0) checkModeOptions(c, cfg);
  checkOperations(c, cfg);

  if (c.problems.length > 0) throw new ConfigValidationError(source, c.problems);
  return cfg;
}

function checkIdentity(c: Checker, cfg: PipelineConfig, expectedEnvironment?: string): void {
  c.str('environment', cfg.environment, /^[a-z][a-z0-9-]{0,15}$/, 'must be 1–16 lowercase letters, digits or hyphens');
  if (expectedEnvironment !== undefined && cfg.environment !== expectedEnvironment) {
    c.fail('environment', `must match the file name "${expectedEnvironment}"`, cfg.environment);
  }
  c.str('namePrefix', cfg.namePrefix, /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/, 'must be 3–24 lowercase letters, digits or hyphens');
  c.str('accountId', cfg.accountId, /^\d{12}$/, 'must be a 12-digit AWS account id');
  c.str('region', cfg.region, /^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as eu-west-1');
  if (!Object.values(IngestionMode).includes(cfg.mode)) c.fail('mode', 'must be "direct", "pusher" or "eventbridge"', cfg.mode);
  c.bool('handleDeletes', cfg.handleDeletes);
  c.strings('alertEmails', cfg.alertEmails, EMAIL, 'must be an e-mail address');
  if (!isObject(cfg.tags) || Object.values(cfg.tags).some((v) => typeof v !== 'string')) {
    c.fail('tags', 'must be an object of string values', cfg.tags);
  }
}

function checkFunctions(c: Checker, cfg: PipelineConfig): void {
  const p = cfg.processor;
  c.int('processor.timeoutSeconds', p.timeoutSeconds, 1, 900);
  c.int('processor.memoryMb', p.memoryMb, 128, 10240);
  c.int('processor.batchSize', p.batchSize, 1, 10000);
  c.int('processor.batchingWindowSeconds', p.batchingWindowSeconds, 0, 300);
  c.int('processor.maxConcurrency', p.maxConcurrency, 2, 1000);
  c.int('processor.recordConcurrency', p.recordConcurrency, 1, 100);
  if (p.reservedConcurrency !== null) c.int('processor.reservedConcurrency', p.reservedConcurrency, 1, 1000);
  if (typeof p.batchSize === 'number' && p.batchSize > 10 && p.batchingWindowSeconds < 1) {
    c.fail('processor.batchingWindowSeconds', 'must be at least 1 when processor.batchSize is above 10', p.batchingWindowSeconds);
  }
  if (p.reservedConcurrency !== null && typeof p.maxConcurrency === 'number' && p.reservedConcurrency < p.maxConcurrency) {
    c.fail(
      'processor.reservedConcurrency',
      'must be at least processor.maxConcurrency, or the mapping is throttled',
      p.reservedConcurrency,
    );
  }
  const visibility = visibilityTimeoutSeconds(p);
  if (Number.isInteger(visibility) && visibility > SQS_MAX_VISIBILITY_SECONDS) {
    c.fail(
      'processor.timeoutSeconds',
      `gives a visibility timeout (6 × timeout + window) above SQS's ${SQS_MAX_VISIBILITY_SECONDS} s`,
      p.timeoutSeconds,
    );
  }
  const u = cfg.pusher;
  c.int('pusher.timeoutSeconds', u.timeoutSeconds, 1, 900);
  c.int('pusher.memoryMb', u.memoryMb, 128, 10240);
  c.int('pusher.maxRetryAttempts', u.maxRetryAttempts, 0, 2);
  c.int('pusher.maxEventAgeSeconds', u.maxEventAgeSeconds, 60, 21600);
  c.int('pusher.reservedConcurrency', u.reservedConcurrency, 1, 1000);
}

function checkQueueAndFilters(c: Checker, cfg: PipelineConfig): void {
  c.int('queue.maxReceiveCount', cfg.queue.maxReceiveCount, 5, 1000);
  c.int('queue.retentionSeconds', cfg.queue.retentionSeconds, 60, 1209599);
  if (typeof cfg.queue.retentionSeconds === 'number' && cfg.queue.retentionSeconds > MAX_SOURCE_RETENTION_SECONDS) {
    // A redriven message expires DLQ retention − (time spent here) after its move: the dlq-age alarm must fire before.
    c.fail(
      'queue.retentionSeconds',
      `must be at most ${MAX_SOURCE_RETENTION_SECONDS} (${MAX_SOURCE_RETENTION_SECONDS / 86400} days): a message moved to the DLQ keeps its first enqueue time, so it may expire ${DLQ_RETENTION_SECONDS / 86400} days minus this after the move, and the dlq-age alarm needs ${DLQ_EXPIRY_MARGIN_SECONDS / 86400} days of warning and ${MIN_DLQ_AGE_ALARM_SECONDS / 86400} day to fire`,
      cfg.queue.retentionSeconds,
    );
  }
  const f = cfg.filters;
  c.str('filters.prefix', f.prefix, ANY_TEXT, 'must be a string');
  c.str('filters.suffix', f.suffix, ANY_TEXT, 'must be a string');
  c.strings('filters.ignoredPrefixes', f.ignoredPrefixes, /^.+$/, 'must be a non-empty string');
  c.strings('filters.ignoredSuffixes', f.ignoredSuffixes, /^.+$/, 'must be a non-empty string');
  c.strings(
    'filters.allowedContentTypes',
    f.allowedContentTypes,
    /^[\w.+-]+\/([\w.+-]+|\*)$/,
    'must be a content type such as image/png or image/*',
  );
  c.int('filters.maxSizeBytes', f.maxSizeBytes, 0, Number.MAX_SAFE_INTEGER);
  c.int('filters.minSizeBytes', f.minSizeBytes, 0, Number.MAX_SAFE_INTEGER);
  if (f.maxSizeBytes > 0 && f.minSizeBytes > f.maxSizeBytes)
    c.fail('filters.minSizeBytes', 'must not exceed filters.maxSizeBytes', f.minSizeBytes);
}

/** Settings that only some modes use: set in another mode they would silently do nothing. */
const MODE_ONLY: Array<{ field: string; modes: IngestionMode[]; isSet: (cfg: PipelineConfig) => boolean }> = [
  { field: 'filters.ignoredPrefixes', modes: ['pusher'], isSet: (c) => c.filters.ignoredPrefixes.length > 0 },
  { field: 'filters.ignoredSuffixes', modes: ['pusher'], isSet: (c) => c.filters.ignoredSuffixes.length > 0 },
  { field: 'filters.allowedContentTypes', modes: ['pusher'], isSet: (c) => c.filters.allowedContentTypes.length > 0 },
  { field: 'filters.maxSizeBytes', modes: ['pusher', 'eventbridge'], isSet: (c) => c.filters.maxSizeBytes > 0 },
  { field: 'filters.minSizeBytes', modes: ['eventbridge'], isSet: (c) => c.filters.minSizeBytes > 0 },
];

function checkModeOptions(c: Checker, cfg: PipelineConfig): void {
  if (!Object.values(IngestionMode).includes(cfg.mode)) return;
  // The prefix is also the IAM resource of the functions' object reads (`<bucket>/<prefix>*`), where
  // `*` and `?` are wildcards: they would widen the grant beyond the keys the filter names.
  if (/[*?]/.test(cfg.filters.prefix)) {
    c.fail(
      'filters.prefix',
      "must not contain * or ?: S3 filters have no wildcards, and in the functions' IAM resource (<bucket>/<prefix>*) they would widen the grant",
      cfg.filters.prefix,
    );
  }
  if (cfg.mode === 'eventbridge') {
    for (const field of ['minSizeBytes', 'maxSizeBytes'] as const) {
      if (cfg.filters[field] > EVENTBRIDGE_NUMERIC_MAX) {
        c.fail(
          `filters.${field}`,
          `must be at most ${EVENTBRIDGE_NUMERIC_MAX} (5.0e9) in eventbridge mode: EventBridge numeric matching only covers ±5.0e9; use pusher mode for a larger bound, or 0 for none`,
          cfg.filters[field],
        );
      }
    }
  }
  for (const o of MODE_ONLY) {
    if (!o.modes.includes(cfg.mode) && o.isSet(cfg)) {
      c.problems.push(
        `${o.field} applies only to ${o.modes.map((m) => `"${m}"`).join(' and ')} mode, not "${cfg.mode}": remove it or change mode`,
      );
    }
  }
}

function checkOperations(c: Checker, cfg: PipelineConfig): void {
  const validRetention = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
  if (!validRetention.includes(cfg.logRetentionDays)) {
    c.fail('logRetentionDays', `must be one of CloudWatch's values ${validRetention.join(', ')}`, cfg.logRetentionDays);
  }
  if (!Object.keys(LAMBDA_NODE_RUNTIMES).includes(cfg.runtime)) {
    c.fail(
      'runtime',
      `must be one of the Lambda Node.js runtimes ${Object.keys(LAMBDA_NODE_RUNTIMES).join(', ')} (config/runtimes.ts)`,
      cfg.runtime,
    );
  } else {
    const why = (LAMBDA_NODE_RUNTIMES as Record<string, { notDeployable?: string }>)[cfg.runtime]!.notDeployable;
    if (why) c.fail('runtime', `cannot be deployed by this project yet: ${why}`, cfg.runtime);
  }
  if (!(LOG_LEVELS as readonly string[]).includes(cfg.logLevel)) {
    const dropsMetrics = ['WARN', 'ERROR', 'FATAL'].includes(String(cfg.logLevel).toUpperCase());
    c.fail(
      'logLevel',
      dropsMetrics
        ? `must be ${LOG_LEVELS.join(', ')}: Lambda treats the metric lines (EMF, no "level" field) as INFO and drops them at a higher level, and every alarm on the handlers' metrics would go silent`
        : `must be one of ${LOG_LEVELS.join(', ')}`,
      cfg.logLevel,
    );
  }
  const a = cfg.alarms;
  c.int('alarms.queueAgeThresholdSeconds', a.queueAgeThresholdSeconds, 60, 1209600);
  c.int('alarms.queueDepthThreshold', a.queueDepthThreshold, 1, 1e9);
  c.int('alarms.errorThreshold', a.errorThreshold, 1, 1e6);
  c.int('alarms.throttleThreshold', a.throttleThreshold, 1, 1e6);
  c.int('alarms.errorLogThreshold', a.errorLogThreshold, 1, 1e6);
  c.int('alarms.periodSeconds', a.periodSeconds, 60, 86400);
  if (typeof a.periodSeconds === 'number' && a.periodSeconds % 60 !== 0)
    c.fail('alarms.periodSeconds', 'must be a multiple of 60', a.periodSeconds);
  c.int('alarms.evaluationPeriods', a.evaluationPeriods, 1, 1440);
  c.int('alarms.datapointsToAlarm', a.datapointsToAlarm, 1, 1440);
  if (a.datapointsToAlarm > a.evaluationPeriods)
    c.fail('alarms.datapointsToAlarm', 'must not exceed alarms.evaluationPeriods', a.datapointsToAlarm);
  // CloudWatch: an alarm's evaluation range (periods × period) is at most one day.
  if (a.evaluationPeriods * a.periodSeconds > 86400)
    c.fail(
      'alarms.evaluationPeriods',
      "times alarms.periodSeconds must be at most 86400 (one day, CloudWatch's limit)",
      a.evaluationPeriods,
    );
  c.int('alarms.heartbeatHours', a.heartbeatHours, 0, 24);
  c.bool('bucket.forceDestroy', cfg.bucket.forceDestroy);
  c.int('bucket.expireAfterDays', cfg.bucket.expireAfterDays, 0, 36500);
  c.int('bucket.noncurrentVersionExpirationDays', cfg.bucket.noncurrentVersionExpirationDays, 0, 36500);
  c.bool('bucket.accessLogging', cfg.bucket.accessLogging);
  c.int('bucket.accessLogRetentionDays', cfg.bucket.accessLogRetentionDays, 1, 3650);
  c.bool('table.deletionProtection', cfg.table.deletionProtection);
  checkDeploy(c, cfg);
  if (cfg.state !== null) {
    if (!isObject(cfg.state)) {
      c.fail('state', 'must be null or an object with bucket, region and keyPrefix', cfg.state);
    } else {
      c.knownKeys('state', cfg.state, { bucket: '', region: '', keyPrefix: '' });
      c.str('state.bucket', cfg.state.bucket, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name');
      c.str('state.region', cfg.state.region, /^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as eu-west-1');
      c.str('state.keyPrefix', cfg.state.keyPrefix, /^[\w.-]+(\/[\w.-]+)*$/, 'must be a key prefix without leading or trailing slash');
    }
  }
}

/** What the CI deploy workflow needs: remote state (a runner's disk is thrown away) and someone to page. */
function checkDeploy(c: Checker, cfg: PipelineConfig): void {
  c.bool('deploy', cfg.deploy);
  if (cfg.deploy !== true) return;
  if (cfg.state === null)
    c.problems.push(
      'deploy is true but state is null: CI would keep the state on a throw-away runner; configure "state" (see docs/operations.md#state) or set deploy to false',
    );
  if (Array.isArray(cfg.alertEmails) && cfg.alertEmails.length === 0)
    c.problems.push('deploy is true but alertEmails is empty: an environment CI deploys must page someone');
}
