import type { ErrorObject } from 'ajv';
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
import CONFIG_SCHEMA from './pipeline.schema.json';
import validateConfigFile from './pipeline.schema.validate';
import { LAMBDA_NODE_RUNTIMES } from './runtimes';
import { type IngestionMode, LOG_LEVELS, type PipelineConfig } from './types';

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

/** A field's schema, as the generator writes it from config/types.ts. */
interface FieldSchema {
  type?: string | string[];
  minimum?: number;
  maximum?: number;
  multipleOf?: number;
  enum?: unknown[];
  properties?: Record<string, unknown>;
  errorMessage?: string;
}

/**
 * The per-field rules (types, bounds, patterns, enums, known keys) are the JSON Schema generated from
 * config/types.ts, the one editors use, compiled by ajv into `pipeline.schema.validate.js` (both by `npm run docs`).
 */
const resolvePointer = (root: unknown, pointer: string): unknown =>
  pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], root);

/** The schema holding the keyword that failed (`#/properties/queue/properties/maxReceiveCount/minimum` → the field's). */
const schemaOf = (e: ErrorObject): FieldSchema =>
  resolvePointer(CONFIG_SCHEMA, e.schemaPath.replace(/^#/, '').replace(/\/[^/]+$/, '')) as FieldSchema;

/** `/processor/timeoutSeconds` → `processor.timeoutSeconds`, `/alertEmails/1` → `alertEmails[1]`. */
const fieldName = (pointer: string): string =>
  pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');

/** The sentence for a field that broke its schema: its own `errorMessage`, or one built from its type and bounds. */
function ruleOf(field: FieldSchema, keyword: string, value: unknown): string {
  if (field.errorMessage) return field.errorMessage;
  const types = ([] as string[]).concat(field.type ?? []);
  if (types.includes('integer')) {
    const inRange =
      Number.isInteger(value) && (value as number) >= (field.minimum ?? -Infinity) && (value as number) <= (field.maximum ?? Infinity);
    if (keyword === 'multipleOf' && inRange) return `must be a multiple of ${field.multipleOf}`;
    return `must be an integer from ${field.minimum} to ${field.maximum}`;
  }
  if (field.enum) return `must be one of ${field.enum.join(', ')}`;
  if (types.includes('boolean')) return 'must be true or false';
  if (types.includes('array')) return 'must be an array of strings';
  if (types.includes('object')) return 'must be an object';
  return `must be a ${types.join(' or ')}`;
}

/** Every field that breaks the schema, one sentence per field, in the order settings are declared. */
function schemaProblems(config: Json): Array<{ field: string; problem: string }> {
  if (validateConfigFile(config)) return [];
  const errors = validateConfigFile.errors ?? [];
  // An unknown key is reported at its own name; a union (state: null or object) only where a deeper field failed.
  const at = (e: ErrorObject) =>
    e.keyword === 'additionalProperties'
      ? `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`
      : e.instancePath;
  const deeper = (path: string) => errors.some((e) => at(e).startsWith(`${path}/`));
  // One sentence per field: the first error's, unless a later one carries the field's own errorMessage (a union's).
  const problems = new Map<string, { problem: string; own: boolean }>();
  const offer = (field: string, problem: string, own: boolean) => {
    const held = problems.get(field);
    if (!held || (own && !held.own)) problems.set(field, { problem, own });
  };
  for (const e of errors) {
    const field = fieldName(at(e));
    if (e.keyword !== 'additionalProperties' && deeper(e.instancePath)) continue;
    if (e.keyword === 'additionalProperties') {
      const known = Object.keys(schemaOf(e).properties ?? {}).filter((k) => k !== '$schema');
      const guess = closestSetting(field.split('.').pop()!, known);
      offer(field, `${field} is not a known setting${guess ? `; did you mean "${guess}"?` : ''}`, true);
    } else if (e.keyword === 'required') {
      const name = fieldName(`${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`);
      const schema = (schemaOf(e).properties?.[name.split('.').pop()!] ?? {}) as FieldSchema;
      offer(name, `${name} is required: it ${ruleOf(schema, 'required', undefined)}`, true);
    } else {
      // A union's own sentence sits on the schema holding `anyOf`, not on its branches.
      const schema = schemaOf(e);
      const value = resolvePointer(config, e.instancePath);
      offer(field, `${field} ${ruleOf(schema, e.keyword, value)} (got ${show(value)})`, schema.errorMessage !== undefined);
    }
  }
  return [...problems].map(([field, { problem }]) => ({ field, problem }));
}

const SECTIONS = ['processor', 'pusher', 'queue', 'filters', 'alarms', 'bucket', 'table', 'reconcile'] as const;

/** The order settings are declared in (required ones, then the defaults' order), for problems to follow it. */
const SETTING_ORDER = (() => {
  const order: string[] = [];
  const walk = (prefix: string, value: object) => {
    for (const [k, v] of Object.entries(value)) {
      order.push(`${prefix}${k}`);
      if (isObject(v)) walk(`${prefix}${k}.`, v);
    }
  };
  walk('', {
    environment: '',
    namePrefix: '',
    accountId: '',
    region: '',
    ...CONFIG_DEFAULTS,
    state: { bucket: '', region: '', keyPrefix: '' },
  });
  return order;
})();
const rank = (field: string): number => {
  const base = field.replace(/\[\d+\]$/, '');
  const i = SETTING_ORDER.indexOf(base);
  return i < 0 ? -1 : i;
};

/** Collects the cross-field and domain rules' problems under dotted field names. */
class Checker {
  public readonly problems: string[] = [];
  /** Problems that replace the schema's sentence for the same field. */
  public readonly refined = new Map<string, string>();

  public fail(field: string, what: string, value: unknown): void {
    this.problems.push(`${field} ${what} (got ${show(value)})`);
  }

  public refine(field: string, what: string, value: unknown): void {
    this.refined.set(field, `${field} ${what} (got ${show(value)})`);
  }
}

/**
 * Fills defaults, checks every field, and returns a config that constructs and handlers can trust:
 * the schema's per-field rules first (every problem at once), then the rules that span fields.
 */
export function resolveConfig(raw: unknown, source = 'config', expectedEnvironment?: string): PipelineConfig {
  if (!isObject(raw)) throw new ConfigValidationError(source, [`the file must hold a JSON object (got ${show(raw)})`]);
  const merged: Json = { ...CONFIG_DEFAULTS, ...raw };
  for (const section of SECTIONS) {
    const given = raw[section] ?? {};
    if (isObject(given)) merged[section] = { ...CONFIG_DEFAULTS[section], ...given };
  }
  // Unknown keys first (a typo explains the problems after it), then fields in declaration order.
  const fieldProblems = schemaProblems(merged).sort(
    (a, b) =>
      (a.problem.includes(' is not a known setting') ? -1 : rank(a.field)) -
      (b.problem.includes(' is not a known setting') ? -1 : rank(b.field)),
  );
  const c = new Checker();
  if (fieldProblems.length > 0) {
    // Cross-field rules read fields as their types say: with a field broken, only the domain checks run.
    checkDomainValues(c, merged as unknown as PipelineConfig, new Set(fieldProblems.map((p) => p.field)));
    throw new ConfigValidationError(source, [...fieldProblems.map((p) => c.refined.get(p.field) ?? p.problem), ...c.problems]);
  }
  const cfg = merged as unknown as PipelineConfig;
  if (expectedEnvironment !== undefined && cfg.environment !== expectedEnvironment) {
    c.fail('environment', `must match the file name "${expectedEnvironment}"`, cfg.environment);
  }
  checkFunctions(c, cfg);
  checkQueueAndFilters(c, cfg);
  checkModeOptions(c, cfg);
  checkDomainValues(c, cfg, new Set());
  checkAlarms(c, cfg);
  checkDeploy(c, cfg);
  if (c.problems.length > 0) throw new ConfigValidationError(source, c.problems);
  return cfg;
}

function checkFunctions(c: Checker, cfg: PipelineConfig): void {
  const p = cfg.processor;
  if (p.batchSize > 10 && p.batchingWindowSeconds < 1) {
    c.fail('processor.batchingWindowSeconds', 'must be at least 1 when processor.batchSize is above 10', p.batchingWindowSeconds);
  }
  if (p.reservedConcurrency !== null && p.reservedConcurrency < p.maxConcurrency) {
    c.fail(
      'processor.reservedConcurrency',
      'must be at least processor.maxConcurrency, or the mapping is throttled',
      p.reservedConcurrency,
    );
  }
  if (visibilityTimeoutSeconds(p) > SQS_MAX_VISIBILITY_SECONDS) {
    c.fail(
      'processor.timeoutSeconds',
      `gives a visibility timeout (6 × timeout + window) above SQS's ${SQS_MAX_VISIBILITY_SECONDS} s`,
      p.timeoutSeconds,
    );
  }
}

function checkQueueAndFilters(c: Checker, cfg: PipelineConfig): void {
  if (cfg.queue.retentionSeconds > MAX_SOURCE_RETENTION_SECONDS) {
    // A redriven message expires DLQ retention − (time spent here) after its move: the dlq-age alarm must fire before.
    c.fail(
      'queue.retentionSeconds',
      `must be at most ${MAX_SOURCE_RETENTION_SECONDS} (${MAX_SOURCE_RETENTION_SECONDS / 86400} days): a message moved to the DLQ keeps its first enqueue time, so it may expire ${DLQ_RETENTION_SECONDS / 86400} days minus this after the move, and the dlq-age alarm needs ${DLQ_EXPIRY_MARGIN_SECONDS / 86400} days of warning and ${MIN_DLQ_AGE_ALARM_SECONDS / 86400} day to fire`,
      cfg.queue.retentionSeconds,
    );
  }
  const f = cfg.filters;
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

/** CloudWatch's log retention values (its API refuses others). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/**
 * Values whose valid set lives in code (CloudWatch's retention days, the dated runtime table) or whose
 * sentence depends on the value (a log level that would silence the metrics). They run even when other
 * fields are broken; `reported` holds the fields the schema already refused, whose sentence these refine.
 */
function checkDomainValues(c: Checker, cfg: PipelineConfig, reported: Set<string>): void {
  if (!LOG_RETENTION_DAYS.includes(cfg.logRetentionDays)) {
    c.fail('logRetentionDays', `must be one of CloudWatch's values ${LOG_RETENTION_DAYS.join(', ')}`, cfg.logRetentionDays);
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
  if (reported.has('logLevel') && ['WARN', 'ERROR', 'FATAL'].includes(String(cfg.logLevel).toUpperCase())) {
    c.refine(
      'logLevel',
      `must be ${LOG_LEVELS.join(', ')}: Lambda treats the metric lines (EMF, no "level" field) as INFO and drops them at a higher level, and every alarm on the handlers' metrics would go silent`,
      cfg.logLevel,
    );
  }
}

function checkAlarms(c: Checker, cfg: PipelineConfig): void {
  const a = cfg.alarms;
  if (a.datapointsToAlarm > a.evaluationPeriods)
    c.fail('alarms.datapointsToAlarm', 'must not exceed alarms.evaluationPeriods', a.datapointsToAlarm);
  // CloudWatch: an alarm's evaluation range (periods × period) is at most one day.
  if (a.evaluationPeriods * a.periodSeconds > 86400) {
    c.fail(
      'alarms.evaluationPeriods',
      "times alarms.periodSeconds must be at most 86400 (one day, CloudWatch's limit)",
      a.evaluationPeriods,
    );
  }
}

/** What the CI deploy workflow needs: remote state (a runner's disk is thrown away) and someone to page. */
function checkDeploy(c: Checker, cfg: PipelineConfig): void {
  if (cfg.deploy !== true) return;
  if (cfg.state === null)
    c.problems.push(
      'deploy is true but state is null: CI would keep the state on a throw-away runner; configure "state" (see docs/operations.md#state) or set deploy to false',
    );
  if (cfg.alertEmails.length === 0) c.problems.push('deploy is true but alertEmails is empty: an environment CI deploys must page someone');
}
