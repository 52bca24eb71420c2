import { isObject, type JsonObject } from './json';
import { PoisonMessageError, PoisonReason } from './errors';
import { decodeS3Key, decodeS3KeyIfPossible } from './s3-key';
import { orderingKey } from './sequencer';
import { EventFamily, eventFamily, type EventRecordResult } from './types';

/** An S3 event as EventBridge delivers it (`source: aws.s3`), to a rule's target such as an SQS queue. */
export const isS3NotificationDeliveryEvent = (o: JsonObject): boolean =>
  o.source === 'aws.s3' && typeof o['detail-type'] === 'string' && isObject(o.detail);

/** EventBridge's `reason` of an "Object Created" event → the notification's `ObjectCreated:<action>`. */
export const CREATED_REASON: Record<string, string> = {
  PutObject: 'Put',
  PostObject: 'Post',
  CopyObject: 'Copy',
  CompleteMultipartUpload: 'CompleteMultipartUpload',
};

/**
 * The notification event name an EventBridge event stands for, so both shapes share one
 * classification: "Object Created" + reason `PutObject` is `ObjectCreated:Put`; "Object Deleted"
 * is `ObjectRemoved:Delete` or `:DeleteMarkerCreated` by `deletion-type` (`LifecycleExpiration:…`
 * when the reason is "Lifecycle Expiration"); every other detail type keeps its own name and is
 * ignored (restores, tags, ACLs, storage class and access tier changes).
 */
export function eventNameOf(detailType: string, detail: JsonObject): string {
  const reason = typeof detail.reason === 'string' ? detail.reason : '';
  if (detailType === 'Object Created') return `ObjectCreated:${CREATED_REASON[reason] ?? reason}`;
  if (detailType === 'Object Deleted') {
    const marker = detail['deletion-type'] === 'Delete Marker Created';
    return `${reason === 'Lifecycle Expiration' ? 'LifecycleExpiration' : 'ObjectRemoved'}:${marker ? 'DeleteMarkerCreated' : 'Delete'}`;
  }
  return detailType;
}

const schema = (detail: string): PoisonMessageError => new PoisonMessageError(PoisonReason.SCHEMA_VIOLATION, detail);

/**
 * Reads an S3 EventBridge event. Its `detail.object.key` is URL-encoded as in S3 event
 * notifications (spaces as `+`): Powertools for AWS Lambda decodes both with `unquote_plus`
 * (`S3NotificationDeliveryNotificationObject.key`), so the same {@link decodeS3Key} applies. The event
 * `time` has second precision; the `sequencer` orders events per key as in notifications.
 * @throws PoisonMessageError when a created/removed event is unreadable.
 */
export function parseEventBridgeEvent(e: JsonObject): EventRecordResult {
  const detail = e.detail as JsonObject;
  const eventName = eventNameOf(String(e['detail-type']), detail);
  const object = isObject(detail.object) ? detail.object : {};
  const bucket = isObject(detail.bucket) && typeof detail.bucket.name === 'string' ? detail.bucket.name : undefined;
  if (eventFamily(eventName) === EventFamily.OTHER) return { kind: 'ignored', eventName, key: decodeS3KeyIfPossible(object.key), bucket };
  if (!bucket) throw schema('detail.bucket.name must be a non-empty string');
  if (typeof object.key !== 'string' || object.key === '') throw schema('detail.object.key must be a non-empty string');
  if (typeof object.sequencer !== 'string') throw schema('detail.object.sequencer must be a string');
  orderingKey(object.sequencer);
  if (typeof e.time !== 'string' || Number.isNaN(Date.parse(e.time))) throw schema('time must be an ISO-8601 time');
  const size = object.size;
  if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0))
    throw schema('detail.object.size must be a non-negative integer');
  return {
    kind: 'object',
    event: {
      bucket,
      key: decodeS3Key(object.key),
      eventName,
      eventTime: e.time,
      sequencer: object.sequencer,
      ...(size !== undefined ? { size } : {}),
      ...(typeof object.etag === 'string' ? { etag: object.etag } : {}),
      ...(typeof object['version-id'] === 'string' ? { versionId: object['version-id'] } : {}),
    },
  };
}
