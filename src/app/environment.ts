import { ENV } from './environment-contract';
import { EnvironmentError } from '../core/errors';
import type { PusherFilters } from '../core/filters';
import type { ScopeRules } from '../core/ingest-scope';

/** Reads named variables, collecting every problem so one cold start reports them all. */
class EnvReader {
  public readonly problems: string[] = [];

  public constructor(private readonly env: NodeJS.ProcessEnv) {}

  public required(name: string): string {
    const value = this.env[name];
    if (value === undefined || value.trim() === '') {
      this.problems.push(`${name} is required`);
      return '';
    }
    return value;
  }

  public url(name: string): string {
    const value = this.required(name);
    if (value && !/^https?:\/\/\S+$/.test(value)) this.problems.push(`${name} must be an http(s) URL (got "${value}")`);
    return value;
  }

  public int(name: string, min: number, max: number): number {
    const raw = this.required(name);
    const value = Number(raw);
    if (raw && (!Number.isInteger(value) || value < min || value > max)) {
      this.problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
    }
    return value;
  }

  public bool(name: string): boolean {
    const raw = this.required(name);
    if (raw && raw !== 'true' && raw !== 'false') this.problems.push(`${name} must be "true" or "false" (got "${raw}")`);
    return raw === 'true';
  }

  public stringList(name: string): string[] {
    const raw = this.required(name);
    if (!raw) return [];
    try {
      const value: unknown = JSON.parse(raw);
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
    } catch {
      // reported below
    }
    this.problems.push(`${name} must be a JSON array of strings (got "${raw}")`);
    return [];
  }

  /** `ScopeRules` as `config/derive.ts` writes them. */
  public scope(name: string): ScopeRules {
    const raw = this.required(name);
    const fallback: ScopeRules = { prefix: '', suffix: '', pusher: null, minSizeBytes: 0, maxSizeBytes: 0 };
    if (!raw) return fallback;
    let v: Partial<ScopeRules> | undefined;
    try {
      v = JSON.parse(raw) as Partial<ScopeRules>;
    } catch {
      // reported below
    }
    const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string');
    const size = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
    const p = v?.pusher;
    const pusherOk =
      p === null ||
      (typeof p === 'object' &&
        strings(p.ignoredPrefixes) &&
        strings(p.ignoredSuffixes) &&
        strings(p.allowedContentTypes) &&
        size(p.maxSizeBytes));
    if (v && typeof v.prefix === 'string' && typeof v.suffix === 'string' && size(v.minSizeBytes) && size(v.maxSizeBytes) && pusherOk) {
      return v as ScopeRules;
    }
    this.problems.push(`${name} must be JSON {prefix, suffix, pusher, minSizeBytes, maxSizeBytes} (got "${raw}")`);
    return fallback;
  }

  public done<T>(value: T): T {
    if (this.problems.length > 0) throw new EnvironmentError(this.problems);
    return value;
  }
}

export interface ProcessorEnvironment {
  tableName: string;
  deadLetterQueueUrl: string;
  recordConcurrency: number;
  handleDeletes: boolean;
}

/** The processor's settings, validated once at cold start. No resource name has a default. */
export function readProcessorEnvironment(env: NodeJS.ProcessEnv): ProcessorEnvironment {
  const r = new EnvReader(env);
  return r.done({
    tableName: r.required(ENV.TABLE_NAME),
    deadLetterQueueUrl: r.url(ENV.DEAD_LETTER_QUEUE_URL),
    recordConcurrency: r.int(ENV.RECORD_CONCURRENCY, 1, 100),
    handleDeletes: r.bool(ENV.HANDLE_DELETES),
  });
}

export interface PusherEnvironment {
  queueUrl: string;
  deadLetterQueueUrl: string;
  handleDeletes: boolean;
  filters: PusherFilters;
}

export function readPusherEnvironment(env: NodeJS.ProcessEnv): PusherEnvironment {
  const r = new EnvReader(env);
  return r.done({
    queueUrl: r.url(ENV.QUEUE_URL),
    deadLetterQueueUrl: r.url(ENV.DEAD_LETTER_QUEUE_URL),
    handleDeletes: r.bool(ENV.HANDLE_DELETES),
    filters: {
      ignoredPrefixes: r.stringList(ENV.IGNORED_PREFIXES),
      ignoredSuffixes: r.stringList(ENV.IGNORED_SUFFIXES),
      allowedContentTypes: r.stringList(ENV.ALLOWED_CONTENT_TYPES),
      maxSizeBytes: r.int(ENV.MAX_SIZE_BYTES, 0, Number.MAX_SAFE_INTEGER),
    },
  });
}

export interface ReconcileEnvironment {
  tableName: string;
  queueUrl: string;
  bucket: string;
  handleDeletes: boolean;
  scope: ScopeRules;
}

/** The reconcile function's settings, validated once at cold start. */
export function readReconcileEnvironment(env: NodeJS.ProcessEnv): ReconcileEnvironment {
  const r = new EnvReader(env);
  return r.done({
    tableName: r.required(ENV.TABLE_NAME),
    queueUrl: r.url(ENV.QUEUE_URL),
    bucket: r.required(ENV.BUCKET_NAME),
    handleDeletes: r.bool(ENV.HANDLE_DELETES),
    scope: r.scope(ENV.INGEST_SCOPE),
  });
}
