import { PoisonMessageError, PoisonReason } from './errors';

/** S3's limit on a key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * Decodes a key as S3 writes it in event notifications: form-encoded, so `+` is a space
 * and a literal `+` arrives as `%2B`. Replace `+` first, then percent-decode.
 * @throws PoisonMessageError (undecodable-key) on a broken `%` sequence or invalid UTF-8.
 */
export function decodeS3Key(encoded: string): string {
  let key: string;
  try {
    key = decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch (e) {
    throw new PoisonMessageError(PoisonReason.UNDECODABLE_KEY, `Key "${encoded.slice(0, 200)}" is not valid URL encoding`, { cause: e });
  }
  return validateKey(key);
}

/** The decoded key for reporting (ignored events), or undefined when there is none or it cannot be decoded. */
export function decodeS3KeyIfPossible(encoded: unknown): string | undefined {
  if (typeof encoded !== 'string') return undefined;
  try {
    return decodeS3Key(encoded);
  } catch {
    return undefined;
  }
}

/** @throws PoisonMessageError (schema-violation) for a key S3 could not hold: empty or over 1,024 bytes. */
export function validateKey(key: string): string {
  if (key.length === 0) throw new PoisonMessageError(PoisonReason.SCHEMA_VIOLATION, 'Object key is empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new PoisonMessageError(PoisonReason.SCHEMA_VIOLATION, `Object key is longer than ${MAX_KEY_BYTES} bytes`);
  }
  return key;
}

/**
 * Encodes a key the way S3 does in event notifications: UTF-8 percent-encoding, spaces as
 * `+`, slashes kept. Used by the local S3 → SQS bridge and by tests.
 */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}
