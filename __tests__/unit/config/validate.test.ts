import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { queueSettings, SQS_MAX_VISIBILITY_SECONDS } from '../../../config/derive';
import { listEnvironments, loadAllConfigs, loadConfig } from '../../../config/load';
import { ConfigValidationError, resolveConfig } from '../../../config/validate';
import { propertyRuns } from '../../helpers/property-runs';

const VALID = { environment: 'qa', namePrefix: 'ingest-qa', accountId: '123456789012', region: 'eu-west-1' };

const problemsOf = (raw: unknown, env?: string): string[] => {
  try {
    resolveConfig(raw, 'config/qa.json', env);
  } catch (e) {
    if (e instanceof ConfigValidationError) return e.problems;
    throw e;
  }
  return [];
};

describe('config validation', () => {
  it('fills documented defaults for everything optional', () => {
    const cfg = resolveConfig(VALID);
    expect(cfg).toMatchObject({ mode: 'direct', handleDeletes: false, logRetentionDays: 30, state: null, tags: {} });
    expect(cfg.processor).toEqual({
      timeoutSeconds: 30,
      memoryMb: 512,
      batchSize: 10,
      batchingWindowSeconds: 0,
      maxConcurrency: 5,
      recordConcurrency: 10,
      reservedConcurrency: null,
    });
    expect(cfg.queue.maxReceiveCount).toBe(5);
    expect(cfg.table.deletionProtection).toBe(true);
  });

  it('reports every problem at once, each with its field name', () => {
    expect(
      problemsOf({
        environment: 'QA',
        namePrefix: 'x',
        accountId: '12345',
        region: 'Europe',
        mode: 'sideways',
        alertEmails: ['ops@example.com', 'not-an-email'],
        processor: { batchSize: 0, maxConcurrency: 1, timeoutSeconds: 1000 },
        queue: { maxReceiveCount: 3 },
        logRetentionDays: 10,
        colour: 'blue',
      }),
    ).toEqual([
      'colour is not a known setting',
      'environment must be 1–16 lowercase letters, digits or hyphens (got "QA")',
      'namePrefix must be 3–24 lowercase letters, digits or hyphens (got "x")',
      'accountId must be a 12-digit AWS account id (got "12345")',
      'region must be an AWS region such as eu-west-1 (got "Europe")',
      'mode must be "direct", "pusher" or "eventbridge" (got "sideways")',
      'alertEmails[1] must be an e-mail address (got "not-an-email")',
      'processor.timeoutSeconds must be an integer from 1 to 900 (got 1000)',
      'processor.batchSize must be an integer from 1 to 10000 (got 0)',
      'processor.maxConcurrency must be an integer from 2 to 1000 (got 1)',
      'queue.maxReceiveCount must be an integer from 5 to 1000 (got 3)',
      "logRetentionDays must be one of CloudWatch's values 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (got 10)",
    ]);
  });

  it.each([
    [
      { processor: { batchSize: 100, batchingWindowSeconds: 0 } },
      'processor.batchingWindowSeconds must be at least 1 when processor.batchSize is above 10 (got 0)',
    ],
    [
      { processor: { reservedConcurrency: 2, maxConcurrency: 5 } },
      'processor.reservedConcurrency must be at least processor.maxConcurrency, or the mapping is throttled (got 2)',
    ],
    [{ processor: { tuning: 1 } }, 'processor.tuning is not a known setting'],
    [{ queue: 'fast' }, 'queue must be an object (got "fast")'],
    [
      { filters: { allowedContentTypes: ['png'] } },
      'filters.allowedContentTypes[0] must be a content type such as image/png or image/* (got "png")',
    ],
    [{ alarms: { periodSeconds: 90 } }, 'alarms.periodSeconds must be a multiple of 60 (got 90)'],
    [
      { alarms: { evaluationPeriods: 2, datapointsToAlarm: 3 } },
      'alarms.datapointsToAlarm must not exceed alarms.evaluationPeriods (got 3)',
    ],
    [
      { alarms: { periodSeconds: 3600, evaluationPeriods: 25 } },
      "alarms.evaluationPeriods times alarms.periodSeconds must be at most 86400 (one day, CloudWatch's limit) (got 25)",
    ],
    [{ alarms: { heartbeatHours: 25 } }, 'alarms.heartbeatHours must be an integer from 0 to 24 (got 25)'],
    [{ alarms: { queueDepthThreshold: 0 } }, 'alarms.queueDepthThreshold must be an integer from 1 to 1000000000 (got 0)'],
    [{ pusher: { reservedConcurrency: 0 } }, 'pusher.reservedConcurrency must be an integer from 1 to 1000 (got 0)'],
    [{ bucket: { accessLogging: 'yes' } }, 'bucket.accessLogging must be true or false (got "yes")'],
    [{ bucket: { accessLogRetentionDays: 0 } }, 'bucket.accessLogRetentionDays must be an integer from 1 to 3650 (got 0)'],
    [{ deploy: 'yes' }, 'deploy must be true or false (got "yes")'],
    [{ state: { bucket: 'B', region: 'eu-west-1', keyPrefix: '/x/' } }, 'state.bucket must be an S3 bucket name (got "B")'],
    [{ tags: { team: 1 } }, 'tags.team must be a string (got 1)'],
    [{ tags: ['team'] }, 'tags must be an object of string values (got ["team"])'],
    [{ processor: { reservedConcurrency: 0 } }, 'processor.reservedConcurrency must be an integer from 1 to 1000 (got 0)'],
    [{ processor: { memoryMb: 512.5 } }, 'processor.memoryMb must be an integer from 128 to 10240 (got 512.5)'],
    [{ state: 'remote' }, 'state must be null or an object with bucket, region and keyPrefix (got "remote")'],
    [{ state: { bucket: 'b-b', region: 'eu-west-1', keyPrefix: 'x', lock: true } }, 'state.lock is not a known setting'],
    [{ filters: { ignoredPrefixes: [''] } }, 'filters.ignoredPrefixes[0] must be a non-empty string (got "")'],
    [{ accountId: undefined }, 'accountId is required: it must be a 12-digit AWS account id'],
  ])('refuses %j', (overrides, problem) => {
    expect(problemsOf({ ...VALID, ...overrides })).toContain(problem);
  });

  it('requires the environment to match its file name', () => {
    expect(problemsOf(VALID, 'prod')).toEqual(['environment must match the file name "prod" (got "qa")']);
  });

  it('throws one error whose message lists the file and every problem', () => {
    expect(() => resolveConfig({ ...VALID, accountId: 'x', region: 'y' }, 'config/qa.json')).toThrow(
      'Invalid configuration in config/qa.json:\n  - accountId must be a 12-digit AWS account id (got "x")\n  - region must be an AWS region such as eu-west-1 (got "y")',
    );
  });

  it('accepts every processor timing it validates, and the queue it derives satisfies AWS’s rule and SQS’s maximum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 900 }), fc.integer({ min: 0, max: 300 }), (timeoutSeconds, batchingWindowSeconds) => {
        // Act
        const cfg = resolveConfig({ ...VALID, processor: { timeoutSeconds, batchingWindowSeconds } });
        // Assess
        const { visibilityTimeoutSeconds } = queueSettings(cfg);
        expect(visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * timeoutSeconds + batchingWindowSeconds);
        expect(visibilityTimeoutSeconds).toBeLessThanOrEqual(SQS_MAX_VISIBILITY_SECONDS);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it.each([
    [{ processor: { timeout: 60 } }, 'processor.timeout is not a known setting; did you mean "timeoutSeconds"?'],
    [{ handleDelete: true }, 'handleDelete is not a known setting; did you mean "handleDeletes"?'],
    [{ filters: { prefx: 'in/' } }, 'filters.prefx is not a known setting; did you mean "prefix"?'],
    [{ alertEmail: ['a@example.com'] }, 'alertEmail is not a known setting; did you mean "alertEmails"?'],
    [{ colour: 'blue' }, 'colour is not a known setting'],
  ])('suggests the closest known setting for %j', (overrides, problem) => {
    expect(problemsOf({ ...VALID, ...overrides })).toContain(problem);
  });

  it.each([
    [
      { mode: 'direct', filters: { ignoredPrefixes: ['tmp/'] } },
      'filters.ignoredPrefixes applies only to "pusher" mode, not "direct": remove it or change mode',
    ],
    [
      { mode: 'eventbridge', filters: { allowedContentTypes: ['image/*'] } },
      'filters.allowedContentTypes applies only to "pusher" mode, not "eventbridge": remove it or change mode',
    ],
    [
      { mode: 'direct', filters: { maxSizeBytes: 10 } },
      'filters.maxSizeBytes applies only to "pusher" and "eventbridge" mode, not "direct": remove it or change mode',
    ],
    [
      { mode: 'pusher', filters: { minSizeBytes: 10 } },
      'filters.minSizeBytes applies only to "eventbridge" mode, not "pusher": remove it or change mode',
    ],
    [
      { mode: 'eventbridge', filters: { minSizeBytes: 10, maxSizeBytes: 5 } },
      'filters.minSizeBytes must not exceed filters.maxSizeBytes (got 10)',
    ],
    [
      { mode: 'eventbridge', filters: { maxSizeBytes: 5_368_709_120 } },
      'filters.maxSizeBytes must be at most 5000000000 (5.0e9) in eventbridge mode: EventBridge numeric matching only covers ±5.0e9; use pusher mode for a larger bound, or 0 for none (got 5368709120)',
    ],
    [
      { mode: 'eventbridge', filters: { minSizeBytes: 6e9 } },
      'filters.minSizeBytes must be at most 5000000000 (5.0e9) in eventbridge mode: EventBridge numeric matching only covers ±5.0e9; use pusher mode for a larger bound, or 0 for none (got 6000000000)',
    ],
  ])('explains which mode an option belongs to: %j', (overrides, problem) => {
    expect(problemsOf({ ...VALID, ...overrides })).toEqual([problem]);
  });

  it.each(['direct', 'pusher', 'eventbridge'])('%s mode: refuses * and ? in the prefix, which would widen the IAM resource', (mode) => {
    for (const prefix of ['in/*', 'in/?/'] as const) {
      expect(problemsOf({ ...VALID, mode, filters: { prefix } })).toEqual([
        `filters.prefix must not contain * or ?: S3 filters have no wildcards, and in the functions' IAM resource (<bucket>/<prefix>*) they would widen the grant (got ${JSON.stringify(prefix)})`,
      ]);
    }
    expect(problemsOf({ ...VALID, mode, filters: { prefix: 'my folder/', suffix: '+ä.csv' } })).toEqual([]);
  });

  it('accepts a 5 GiB size bound in pusher mode (no EventBridge numeric limit there)', () => {
    expect(problemsOf({ ...VALID, mode: 'pusher', filters: { maxSizeBytes: 5_368_709_120 } })).toEqual([]);
  });

  it('accepts size limits in eventbridge mode', () => {
    expect(
      problemsOf({ ...VALID, mode: 'eventbridge', filters: { prefix: 'in/', suffix: '.csv', minSizeBytes: 1, maxSizeBytes: 1000 } }),
    ).toEqual([]);
  });

  it("accepts the editors' $schema pointer and nothing else unknown", () => {
    expect(problemsOf({ ...VALID, $schema: './pipeline.schema.json' })).toEqual([]);
  });
});

describe('config files', () => {
  it('ships valid direct and pusher environments', () => {
    const configs = loadAllConfigs();
    expect(configs.map((c) => c.mode).sort()).toEqual(expect.arrayContaining(['direct', 'pusher']));
    expect(listEnvironments()).toEqual(configs.map((c) => c.environment));
    expect(listEnvironments()).not.toContain('pipeline.schema');
  });

  it('names unknown environments and bad JSON clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'broken.json'), '{ "environment": ');
    expect(() => loadConfig('staging', dir)).toThrow(/no such environment "staging".*known: broken/s);
    expect(() => loadConfig('broken', dir)).toThrow(/broken\.json:\n {2}- not valid JSON/);
    expect(() => loadAllConfigs(dir)).toThrow(/not valid JSON/);
  });
});

describe('the config schema and validation agree (one source: the bounds in config/types.ts)', () => {
  type Field = {
    type?: string | string[];
    minimum?: number;
    maximum?: number;
    multipleOf?: number;
    properties?: Record<string, Field>;
    anyOf?: Field[];
  };
  const schema = JSON.parse(readFileSync(join(__dirname, '../../../config/pipeline.schema.json'), 'utf8')) as Field;
  /** Every bounded integer setting of the schema, as [dotted name, its schema]. */
  const bounded = (node: Field, prefix = ''): Array<[string, Field]> =>
    Object.entries(node.properties ?? {}).flatMap(([name, f]) => {
      const sub = f.properties ? f : f.anyOf?.find((a) => a.properties);
      if (sub) return bounded(sub, `${prefix}${name}.`);
      return f.minimum !== undefined && f.maximum !== undefined ? [[`${prefix}${name}`, f] as [string, Field]] : [];
    });
  const withValue = (field: string, value: unknown) => {
    const [section, name] = field.split('.');
    return name === undefined ? { ...VALID, [section!]: value } : { ...VALID, [section!]: { [name]: value } };
  };

  it('carries a minimum and maximum for every numeric setting', () => {
    const fields = bounded(schema).map(([name]) => name);
    expect(fields.length).toBe(34);
    expect(fields).toEqual(
      expect.arrayContaining([
        'processor.timeoutSeconds',
        'queue.maxReceiveCount',
        'alarms.heartbeatHours',
        'bucket.accessLogRetentionDays',
        'reconcile.itemsPerBatch',
        'reconcile.maxConcurrency',
      ]),
    );
  });

  it.each(bounded(schema))('%s: validation accepts the bounds the schema states and refuses one step outside, naming them', (field, f) => {
    const refusal = `${field} must be an integer from ${f.minimum} to ${f.maximum}`;
    const owned = (problems: string[]) => problems.filter((p) => p.startsWith(`${field} `));
    for (const inside of [f.minimum!, f.maximum!]) {
      const value = f.multipleOf ? Math.ceil(inside / f.multipleOf) * f.multipleOf : inside;
      expect(owned(problemsOf(withValue(field, value))).filter((p) => p.startsWith(refusal))).toEqual([]);
    }
    expect(owned(problemsOf(withValue(field, f.minimum! - 1)))).toContain(`${refusal} (got ${f.minimum! - 1})`);
    if (f.maximum! < Number.MAX_SAFE_INTEGER)
      expect(owned(problemsOf(withValue(field, f.maximum! + 1)))).toContain(`${refusal} (got ${f.maximum! + 1})`);
    expect(owned(problemsOf(withValue(field, 'ten')))).toContain(`${refusal} (got "ten")`);
  });
});
