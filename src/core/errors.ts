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
 * message goes to the DLQ at once with `reason` and `detail`. Every other error is
 * transient (throttling, 5xx, timeouts, network, anything unforeseen): SQS redelivers the
 * message and, after `maxReceiveCount` receives, redrives it to the DLQ, so nothing is dropped.
 */
export class PoisonMessageError extends IngestError {
  public readonly reason: PoisonReason;

  public constructor(reason: PoisonReason, detail: string, options?: ErrorOptions) {
    super(detail, options);
    this.name = 'PoisonMessageError';
    this.reason = reason;
  }
}

/**
 * S3 or another service refused a call for lack of permission. Transient (a fixed policy lets the
 * retry through), but reported apart: it is a deployment problem, not a hiccup.
 */
export class AccessDeniedError extends IngestError {
  public constructor(operation: string, resource: string, options?: ErrorOptions) {
    super(`${operation} on ${resource} was denied: check the function role's permissions`, options);
    this.name = 'AccessDeniedError';
  }
}

/**
 * A poison part too big to forward with its reason: the reason's attributes would push the DLQ
 * message past SQS's size limit. Nothing is cut: the message is failed like a transient one, so
 * SQS's redrive policy moves the original, whole, to the DLQ after `maxReceiveCount` receives, and
 * the real reason is logged and metered at each receive (`LogMessage.POISON_LEFT_TO_REDRIVE`).
 */
export class PoisonTooLargeError extends IngestError {
  public constructor(
    public readonly reason: string,
    public readonly detail: string,
    public readonly bytes: number,
    public readonly sha256: string,
  ) {
    super(
      `The ${reason} part (${bytes} bytes with its reason) is too big for the DLQ with its reason; it goes there unchanged after maxReceiveCount receives`,
    );
    this.name = 'PoisonTooLargeError';
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
