import { orderingKey } from './sequencer';
import type { BackfillDeletionMark, BackfillItem, DeletionMark, GoneObject, IngestItem, ListedObject, ObjectEvent } from './types';

/** The table's key schema: one item per object; the sort key keeps equal keys in different buckets apart. */
export const TABLE_KEYS = { partitionKey: 's3_key', sortKey: 'bucket' } as const;

/** The fallback S3 itself applies when an upload names no content type. */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

export const stripQuotes = (etag: string | undefined): string | undefined => etag?.replace(/^"|"$/g, '');

/**
 * The item for a live object: the event's identity and place in S3's order, and the version it
 * describes (size, ETag, version, content type), filled in by the caller from the event itself
 * or from HeadObject.
 */
export function buildItem(event: ObjectEvent, messageId: string, now: Date): IngestItem {
  const item: IngestItem = {
    s3_key: event.key,
    bucket: event.bucket,
    content_type: event.contentType ?? DEFAULT_CONTENT_TYPE,
    file_size: event.size ?? 0,
    event_time: event.eventTime,
    processed_at: now.toISOString(),
    message_id: messageId,
    event_name: event.eventName,
    sequencer: event.sequencer,
    ordering_key: orderingKey(event.sequencer),
  };
  const etag = stripQuotes(event.etag);
  if (etag) item.etag = etag;
  if (event.versionId) item.version_id = event.versionId;
  return item;
}

export function buildDeletionMark(event: ObjectEvent, messageId: string, now: Date): DeletionMark {
  return {
    s3_key: event.key,
    bucket: event.bucket,
    event_time: event.eventTime,
    processed_at: now.toISOString(),
    message_id: messageId,
    event_name: event.eventName,
    sequencer: event.sequencer,
    ordering_key: orderingKey(event.sequencer),
    ...(event.versionId ? { version_id: event.versionId } : {}),
  };
}

/** `event_name` of an item a backfill wrote: no S3 event named it. */
export const BACKFILL_EVENT_NAME = 'Backfill:ObjectListed';

/** The item for an object a backfill found: its time is the version's `Last-Modified`. */
export function buildBackfillItem(object: ListedObject, messageId: string, now: Date): BackfillItem {
  const item: BackfillItem = {
    s3_key: object.key,
    bucket: object.bucket,
    content_type: object.contentType,
    file_size: object.size,
    event_time: object.lastModified,
    processed_at: now.toISOString(),
    message_id: messageId,
    event_name: BACKFILL_EVENT_NAME,
    backfill_last_modified: object.lastModified,
  };
  const etag = stripQuotes(object.etag);
  if (etag) item.etag = etag;
  if (object.versionId) item.version_id = object.versionId;
  return item;
}

/** `event_name` of a deletion mark a backfill wrote. */
export const BACKFILL_REMOVAL_EVENT_NAME = 'Backfill:ObjectGone';

export function buildBackfillDeletionMark(gone: GoneObject, messageId: string, now: Date): BackfillDeletionMark {
  return {
    s3_key: gone.key,
    bucket: gone.bucket,
    event_time: gone.checkedAt,
    processed_at: now.toISOString(),
    message_id: messageId,
    event_name: BACKFILL_REMOVAL_EVENT_NAME,
    backfill_last_modified: gone.checkedAt,
  };
}
