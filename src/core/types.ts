/** What the processor and pusher know about one S3 object event, after parsing and decoding. */
export interface ObjectEvent {
  bucket: string;
  /** Decoded key, exactly as stored in S3. */
  key: string;
  /** e.g. `ObjectCreated:Put`, `ObjectRemoved:Delete`. */
  eventName: string;
  /** ISO-8601 time S3 recorded the event. */
  eventTime: string;
  /** S3's per-key ordering token. */
  sequencer: string;
  size?: number;
  etag?: string;
  versionId?: string;
  /** Present when the pusher already looked the object up. */
  contentType?: string;
  metadata?: Record<string, string>;
}

/** Event families the pipeline can handle. */
export const EventFamily = { CREATED: 'created', REMOVED: 'removed', OTHER: 'other' } as const;
export type EventFamily = (typeof EventFamily)[keyof typeof EventFamily];

export function eventFamily(eventName: string): EventFamily {
  if (eventName.startsWith('ObjectCreated:')) return EventFamily.CREATED;
  if (eventName.startsWith('ObjectRemoved:')) return EventFamily.REMOVED;
  return EventFamily.OTHER;
}

/** An SQS message body, understood. */
export type ParsedMessage =
  | { kind: 'test-event'; bucket?: string }
  | { kind: 'objects'; events: ObjectEvent[] };

export const PUSHER_MESSAGE_TYPE = 'ingest.object.v1';

/** The message the pusher enqueues: one object event, already looked up (decoded key, content type, metadata). */
export type PusherMessage = { type: typeof PUSHER_MESSAGE_TYPE } & ObjectEvent;

/** What HeadObject told us; null from the store means the object (version) no longer exists. */
export interface ObjectHead {
  contentType: string;
  size: number;
  etag?: string;
  versionId?: string;
  metadata: Record<string, string>;
}

/** What every write to an object's item records: which object, which event, and its place in S3's order. */
export interface ItemBase {
  s3_key: string;
  bucket: string;
  event_time: string;
  processed_at: string;
  message_id: string;
  event_name: string;
  sequencer: string;
  /** `sequencer` padded to a fixed width: the conditional write compares this. */
  ordering_key: string;
  version_id?: string;
}

/** The DynamoDB item for one object: the seed's attributes plus ordering and provenance. */
export interface IngestItem extends ItemBase {
  content_type: string;
  file_size: number;
  etag?: string;
}

/** Written for `ObjectRemoved:*` when deletes are handled: marks, never removes, the item. */
export type DeletionMark = ItemBase;
