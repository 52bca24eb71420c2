import { orderingKey } from './sequencer';
import type { DeletionMark, IngestItem, ObjectEvent } from './types';

/** The fallback S3 itself applies when an upload names no content type. */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

const stripQuotes = (etag: string | undefined): string | undefined => etag?.replace(/^"|"$/g, '');

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
