import { PoisonMessageError, PoisonReason } from './errors';
import { isS3NotificationDeliveryEvent, parseEventBridgeEvent } from './eventbridge-event';
import { isObject, type JsonObject } from './json';
import { decodeS3Key, decodeS3KeyIfPossible, validateKey } from './s3-key';
import { orderingKey } from './sequencer';
import {
  BACKFILL_MESSAGE_TYPE,
  bareEventName,
  EventFamily,
  eventFamily,
  ObjectState,
  PUSHER_MESSAGE_TYPE,
  type ListedObject,
  type ObjectEvent,
  type ParsedMessage,
  type EventRecordResult,
  type RecordResult,
} from './types';

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

/**
 * One record of an S3 event notification (`Records[i]`), classified first: only created and
 * removed records must carry what a write needs (key, sequencer, time); any other event
 * (tagging and ACL records have no sequencer or size) is ignored, never poison.
 * @throws PoisonMessageError when a created/removed record is unreadable.
 */
export function parseS3Record(record: unknown, where = 'Records[0]'): ObjectEvent | { ignored: string; key?: string; bucket?: string } {
  if (!isObject(record)) throw schema(`${where} must be an object`);
  if (record.eventSource !== 'aws:s3') {
    throw new PoisonMessageError(
      PoisonReason.NOT_AN_S3_EVENT,
      `${where}.eventSource is ${JSON.stringify(record.eventSource)}, not "aws:s3"`,
    );
  }
  const eventName = bareEventName(str(record, 'eventName', where));
  const s3 = record.s3;
  if (eventFamily(eventName) === EventFamily.OTHER) {
    const obj = isObject(s3) && isObject(s3.object) ? s3.object : {};
    const bucket = isObject(s3) && isObject(s3.bucket) && typeof s3.bucket.name === 'string' ? s3.bucket.name : undefined;
    return { ignored: eventName, key: decodeS3KeyIfPossible(obj.key), bucket };
  }
  if (!isObject(s3) || !isObject(s3.bucket) || !isObject(s3.object)) throw schema(`${where}.s3 must hold bucket and object`);
  const obj = s3.object;
  const sequencer = str(obj, 'sequencer', `${where}.s3.object`);
  orderingKey(sequencer);
  return {
    bucket: str(s3.bucket, 'name', `${where}.s3.bucket`),
    key: decodeS3Key(str(obj, 'key', `${where}.s3.object`)),
    eventName,
    eventTime: isoTime(record, 'eventTime', where),
    sequencer,
    size: optSize(obj, 'size', `${where}.s3.object`),
    etag: optStr(obj, 'eTag', `${where}.s3.object`),
    versionId: optStr(obj, 'versionId', `${where}.s3.object`),
  };
}

/** The same, as a result: a bad record becomes a `poison` result and never takes its neighbours down. */
export function classifyS3Record(record: unknown, where: string): EventRecordResult {
  try {
    const parsed = parseS3Record(record, where);
    return 'ignored' in parsed
      ? { kind: 'ignored', eventName: parsed.ignored, key: parsed.key, bucket: parsed.bucket }
      : { kind: 'object', event: parsed };
  } catch (e) {
    if (e instanceof PoisonMessageError) return { kind: 'poison', error: e, raw: record };
    throw e;
  }
}

function parsePusherMessage(body: Json): ObjectEvent {
  const where = 'message';
  const sequencer = str(body, 'sequencer', where);
  orderingKey(sequencer);
  const state = optStr(body, 'state', where);
  if (state !== undefined && state !== ObjectState.LIVE && state !== ObjectState.DELETED)
    throw schema(`${where}.state must be "live" or "deleted"`);
  const eventName = str(body, 'eventName', where);
  // A removal enqueued by a pusher older than `state` meant "deleted"; in pusher mode the processor
  // may not ask S3, so such messages in flight during a deploy keep their old meaning.
  const resolved = state ?? (eventFamily(eventName) === EventFamily.REMOVED ? ObjectState.DELETED : undefined);
  return {
    bucket: str(body, 'bucket', where),
    // The pusher sends keys already decoded.
    key: validateKey(str(body, 'key', where)),
    eventName,
    eventTime: isoTime(body, 'eventTime', where),
    sequencer,
    size: optSize(body, 'size', where),
    etag: optStr(body, 'etag', where),
    versionId: optStr(body, 'versionId', where),
    contentType: optStr(body, 'contentType', where),
    metadata: stringMap(body.metadata, `${where}.metadata`),
    ...(resolved ? { state: resolved } : {}),
  };
}

function parseBackfillMessage(body: Json): RecordResult {
  const where = 'backfill message';
  if (body.state === ObjectState.DELETED) {
    return {
      kind: 'backfill-removal',
      object: {
        bucket: str(body, 'bucket', where),
        key: validateKey(str(body, 'key', where)),
        state: ObjectState.DELETED,
        checkedAt: new Date(isoTime(body, 'checkedAt', where)).toISOString(),
        seenMessageId: optStr(body, 'seenMessageId', where),
      },
    };
  }
  if (body.state !== undefined) throw schema(`${where}.state must be absent or "deleted"`);
  const size = optSize(body, 'size', where);
  if (size === undefined) throw schema(`${where}.size must be a non-negative integer`);
  const object: ListedObject = {
    bucket: str(body, 'bucket', where),
    key: validateKey(str(body, 'key', where)),
    size,
    etag: optStr(body, 'etag', where),
    versionId: optStr(body, 'versionId', where),
    contentType: str(body, 'contentType', where),
    // One format, so the table can compare it with event times as strings.
    lastModified: new Date(isoTime(body, 'lastModified', where)).toISOString(),
    seenMessageId: optStr(body, 'seenMessageId', where),
  };
  return { kind: 'backfill', object };
}

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PoisonMessageError(PoisonReason.MALFORMED_JSON, `${what} is not JSON: ${(e as Error).message}`, { cause: e });
  }
};

/**
 * An SNS notification as SQS receives it with raw message delivery off: the publisher's message
 * is the `Message` string; the signature fields are SNS's, not ours, and are ignored (SQS already
 * authenticated the sender through the queue policy).
 */
const isSnsEnvelope = (o: Json): boolean => o.Type === 'Notification' && typeof o.Message === 'string' && typeof o.TopicArn === 'string';

/**
 * Understands an SQS message body: a raw S3 event notification (direct mode, or through SNS with
 * raw delivery on), the same wrapped in an SNS envelope, S3's `s3:TestEvent`, an S3 event as
 * EventBridge delivers it (eventbridge mode), the pusher's enriched message, or a backfill message
 * (`npm run backfill`). Each S3 record is classified on its own (see {@link classifyS3Record}).
 * @throws PoisonMessageError when the body as a whole is unreadable.
 */
export function parseMessageBody(body: string): ParsedMessage {
  let parsed = parseJson(body, 'Body');
  if (isObject(parsed) && isSnsEnvelope(parsed)) parsed = parseJson(parsed.Message as string, 'The SNS Message');
  if (!isObject(parsed)) throw new PoisonMessageError(PoisonReason.NOT_AN_S3_EVENT, 'Body is JSON but not an object');
  if (parsed.Event === 's3:TestEvent') {
    return { kind: 'test-event', bucket: typeof parsed.Bucket === 'string' ? parsed.Bucket : undefined };
  }
  if (parsed.type === PUSHER_MESSAGE_TYPE) return { kind: 'records', records: [{ kind: 'object', event: parsePusherMessage(parsed) }] };
  if (parsed.type === BACKFILL_MESSAGE_TYPE) return { kind: 'records', records: [parseBackfillMessage(parsed)] };
  if (isS3NotificationDeliveryEvent(parsed)) {
    // One event per message: an unreadable one is the whole message (parseEventBridgeEvent throws).
    return { kind: 'records', records: [parseEventBridgeEvent(parsed)] };
  }
  if (!('Records' in parsed)) {
    throw new PoisonMessageError(PoisonReason.NOT_AN_S3_EVENT, 'Body has neither S3 "Records" nor a pusher message type');
  }
  if (!Array.isArray(parsed.Records) || parsed.Records.length === 0) throw schema('Records must be a non-empty array');
  return { kind: 'records', records: parsed.Records.map((r, i) => classifyS3Record(r, `Records[${i}]`)) };
}
