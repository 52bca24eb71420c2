import { PoisonMessageError, PoisonReason } from './errors';
import { isObject, type JsonObject } from './json';
import { decodeS3Key, validateKey } from './s3-key';
import { orderingKey } from './sequencer';
import { PUSHER_MESSAGE_TYPE, type ObjectEvent, type ParsedMessage } from './types';

type Json = JsonObject;
const schema = (detail: string): PoisonMessageError => new PoisonMessageError(PoisonReason.SCHEMA_VIOLATION, detail);

function str(o: Json, field: string, where: string): string {
  const v = o[field];
  if (typeof v !== 'string' || v.length === 0) throw schema(`${where}.${field} must be a non-empty string`);
  return v;
}

function optStr(o: Json, field: string, where: string): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw schema(`${where}.${field} must be a string`);
  return v;
}

function optSize(o: Json, field: string, where: string): number | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw schema(`${where}.${field} must be a non-negative integer`);
  return v;
}

function isoTime(o: Json, field: string, where: string): string {
  const v = str(o, field, where);
  if (Number.isNaN(Date.parse(v))) throw schema(`${where}.${field} must be an ISO-8601 time`);
  return v;
}

function stringMap(v: unknown, where: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || Object.values(v).some((x) => typeof x !== 'string')) throw schema(`${where} must map strings to strings`);
  return v as Record<string, string>;
}

/** One record of an S3 event notification (`Records[i]`), with its key decoded. */
export function parseS3Record(record: unknown, where = 'Records[0]'): ObjectEvent {
  if (!isObject(record)) throw schema(`${where} must be an object`);
  if (record.eventSource !== 'aws:s3') {
    throw new PoisonMessageError(PoisonReason.NOT_AN_S3_EVENT, `${where}.eventSource is ${JSON.stringify(record.eventSource)}, not "aws:s3"`);
  }
  const s3 = record.s3;
  if (!isObject(s3) || !isObject(s3.bucket) || !isObject(s3.object)) throw schema(`${where}.s3 must hold bucket and object`);
  const obj = s3.object;
  const sequencer = str(obj, 'sequencer', `${where}.s3.object`);
  orderingKey(sequencer);
  return {
    bucket: str(s3.bucket, 'name', `${where}.s3.bucket`),
    key: decodeS3Key(str(obj, 'key', `${where}.s3.object`)),
    eventName: str(record, 'eventName', where),
    eventTime: isoTime(record, 'eventTime', where),
    sequencer,
    size: optSize(obj, 'size', `${where}.s3.object`),
    etag: optStr(obj, 'eTag', `${where}.s3.object`),
    versionId: optStr(obj, 'versionId', `${where}.s3.object`),
  };
}

function parsePusherMessage(body: Json): ObjectEvent {
  const where = 'message';
  const sequencer = str(body, 'sequencer', where);
  orderingKey(sequencer);
  return {
    bucket: str(body, 'bucket', where),
    // The pusher sends keys already decoded.
    key: validateKey(str(body, 'key', where)),
    eventName: str(body, 'eventName', where),
    eventTime: isoTime(body, 'eventTime', where),
    sequencer,
    size: optSize(body, 'size', where),
    etag: optStr(body, 'etag', where),
    versionId: optStr(body, 'versionId', where),
    contentType: optStr(body, 'contentType', where),
    metadata: stringMap(body.metadata, `${where}.metadata`),
  };
}

/**
 * Understands an SQS message body: a raw S3 event notification (direct mode), S3's
 * `s3:TestEvent`, or the pusher's enriched message. Every record is validated before
 * anything is written, so a message is either wholly processable or wholly poison.
 * @throws PoisonMessageError for anything else.
 */
export function parseMessageBody(body: string): ParsedMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    throw new PoisonMessageError(PoisonReason.MALFORMED_JSON, `Body is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!isObject(parsed)) throw new PoisonMessageError(PoisonReason.NOT_AN_S3_EVENT, 'Body is JSON but not an object');
  if (parsed.Event === 's3:TestEvent') {
    return { kind: 'test-event', bucket: typeof parsed.Bucket === 'string' ? parsed.Bucket : undefined };
  }
  if (parsed.type === PUSHER_MESSAGE_TYPE) return { kind: 'objects', events: [parsePusherMessage(parsed)] };
  if (!('Records' in parsed)) {
    throw new PoisonMessageError(PoisonReason.NOT_AN_S3_EVENT, 'Body has neither S3 "Records" nor a pusher message type');
  }
  if (!Array.isArray(parsed.Records) || parsed.Records.length === 0) throw schema('Records must be a non-empty array');
  return { kind: 'objects', events: parsed.Records.map((r, i) => parseS3Record(r, `Records[${i}]`)) };
}
