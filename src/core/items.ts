import { orderingKey } from './sequencer';
import type { DeletionMark, IngestItem, ObjectEvent, ObjectHead } from './types';

/** The fallback S3 itself applies when an upload names no content type. */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

const stripQuotes = (etag: string | undefined): string | undefined => etag?.replace(/^"|"$/g, '');

/**
 * The item for a created object. Size and ETag come from the event (they describe exactly
 * the version the event is about); the content type from the pusher or from HeadObject.
 */
export function buildItem(event: ObjectEvent, head: ObjectHead | undefined, messageId: string, now: Date): IngestItem {
  const item: IngestItem = {
    s3_key: event.key,
    bucket: event.bucket,
    content_type: event.contentType ?? head?.contentType ?? DEFAULT_CONTENT_TYPE,
    file_size: event.size ?? head?.size ?? 0,
    event_time: event.eventTime,
    processed_at: now.toISOString(),
    message_id: messageId,
    event_name: event.eventName,
    sequencer: event.sequencer,
    ordering_key: orderingKey(event.sequencer),
  };
  const etag = stripQuotes(event.etag ?? head?.etag);
  if (etag) item.etag = etag;
  const versionId = event.versionId ?? head?.versionId;
  if (versionId) item.version_id = versionId;
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
