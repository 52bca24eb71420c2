/** Why a message can never succeed, sent to the DLQ as the `reason` message attribute. */
export const PoisonReason = {
  MALFORMED_JSON: 'malformed-json',
  NOT_AN_S3_EVENT: 'not-an-s3-event',
  UNDECODABLE_KEY: 'undecodable-key',
  SCHEMA_VIOLATION: 'schema-violation',
} as const;
export type PoisonReason = (typeof PoisonReason)[keyof typeof PoisonReason];

/** Base of this project's errors. */
export class IngestError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IngestError';
  }
}

/**
 * A permanent error: the message is wrong, not the world. Retrying cannot help, so the
 * message goes to the DLQ at once with `reason` and `detail`.
 */
export class PoisonMessageError extends IngestError {
  public readonly reason: PoisonReason;

  public constructor(reason: PoisonReason, detail: string, options?: ErrorOptions) {
    super(detail, options);
    this.name = 'PoisonMessageError';
    this.reason = reason;
  }
}

/** Enqueuing failed after retries; the invocation must fail so Lambda's async retry takes over. */
export class EnqueueError extends IngestError {
  public readonly failedKeys: string[];

  public constructor(failedKeys: string[], options?: ErrorOptions) {
    super(`Could not enqueue ${failedKeys.length} object(s): ${failedKeys.slice(0, 5).join(', ')}`, options);
    this.name = 'EnqueueError';
    this.failedKeys = failedKeys;
  }
}

/** A handler's environment is missing or invalid: the function cannot start. */
export class EnvironmentError extends IngestError {
  public constructor(problems: string[]) {
    super(`Invalid Lambda environment: ${problems.join('; ')}`);
    this.name = 'EnvironmentError';
  }
}

export const ErrorClass = { PERMANENT: 'permanent', TRANSIENT: 'transient' } as const;
export type ErrorClass = (typeof ErrorClass)[keyof typeof ErrorClass];

/**
 * Permanent errors are poison messages; everything else (throttling, 5xx, timeouts, network,
 * and anything unforeseen) is transient: SQS redelivers it and, after `maxReceiveCount`
 * receives, redrives it to the DLQ, so an unknown error is never dropped.
 */
export function classifyError(error: unknown): ErrorClass {
  return error instanceof PoisonMessageError ? ErrorClass.PERMANENT : ErrorClass.TRANSIENT;
}

export function assertIsError(error: unknown): asserts error is Error {
  if (!(error instanceof Error)) throw new Error(`Expected an Error, got ${String(error)}`);
}
