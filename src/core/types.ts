import type { PoisonMessageError } from './errors';

/** What the processor and pusher know about one S3 object event, after parsing and decoding. */
export interface ObjectEvent {
  bucket: string;
  /** Decoded key, exactly as stored in S3. */
  key: string;
  /** e.g. `ObjectCreated:Put`, `ObjectRemoved:Delete`, `LifecycleExpiration:DeleteMarkerCreated`. */
  eventName: string;
  /** ISO-8601 time S3 recorded the event. */
  eventTime: string;
  /** S3's per-key ordering token. */
  sequencer: string;
  size?: number;
  etag?: string;
  /** The version the event is about (for a removal: the version or delete marker removed or created). */
  versionId?: string;
  /** Present when the pusher already looked the object up. */
  contentType?: string;
  metadata?: Record<string, string>;
  /**
   * The key's current state when the pusher already asked S3 (removal events): `live` means the
   * fields above describe the current version. Absent on raw S3 events.
   */
  state?: ObjectState;
}

export const ObjectState = { LIVE: 'live', DELETED: 'deleted' } as const;
export type ObjectState = (typeof ObjectState)[keyof typeof ObjectState];

/** Event families: what an event means for the key's item. Everything else is ignored. */
export const EventFamily = { CREATED: 'created', REMOVED: 'removed', OTHER: 'other' } as const;
export type EventFamily = (typeof EventFamily)[keyof typeof EventFamily];

/**
 * An event name without the `s3:` prefix: real S3 never writes one in events, some S3-compatible
 * stores do, and notification configurations (`s3:ObjectCreated:*`) always do.
 */
export const bareEventName = (eventName: string): string => eventName.replace(/^s3:/, '');

/**
 * Created: `ObjectCreated:*`. Removed: `ObjectRemoved:*` and the lifecycle expirations that remove
 * (`LifecycleExpiration:Delete`, `LifecycleExpiration:DeleteMarkerCreated`). Other: restores,
 * replication, tagging, ACL, Intelligent-Tiering, lifecycle transitions and any future name.
 */
export function eventFamily(eventName: string): EventFamily {
  const name = bareEventName(eventName);
  if (name.startsWith('ObjectCreated:')) return EventFamily.CREATED;
  if (name.startsWith('ObjectRemoved:') || name === 'LifecycleExpiration:Delete' || name === 'LifecycleExpiration:DeleteMarkerCreated')
    return EventFamily.REMOVED;
  return EventFamily.OTHER;
}

/**
 * A removal that by itself says the key is now hidden: a delete marker became its current version.
 * Any other removal (`ObjectRemoved:Delete`, `LifecycleExpiration:Delete`) may have removed a
 * noncurrent version, or a delete marker (restoring the object): only S3 can tell what is current.
 */
export const createsDeleteMarker = (eventName: string): boolean => bareEventName(eventName).endsWith(':DeleteMarkerCreated');

/** What became of one S3 event record. */
export type EventRecordResult =
  | { kind: 'object'; event: ObjectEvent }
  | { kind: 'ignored'; eventName: string; key?: string; bucket?: string }
  | { kind: 'poison'; error: PoisonMessageError; raw: unknown };

/** What became of one record of a message: an event's, or a backfilled object. */
export type RecordResult =
  | EventRecordResult
  | { kind: 'backfill'; object: ListedObject }
  | { kind: 'backfill-removal'; object: GoneObject };

/** An SQS message body, understood. */
export type ParsedMessage = { kind: 'test-event'; bucket?: string } | { kind: 'records'; records: RecordResult[] };

export const PUSHER_MESSAGE_TYPE = 'ingest.object.v1';

/** The message the pusher enqueues: one object event, already looked up (decoded key, content type, metadata). */
export type PusherMessage = { type: typeof PUSHER_MESSAGE_TYPE } & ObjectEvent;

export const BACKFILL_MESSAGE_TYPE = 'ingest.backfill.v1';

/**
 * An object as the backfill found it (listed, then HeadObject): no event announced it, so it has
 * no sequencer; its place in time is the version's `lastModified`.
 */
export interface ListedObject {
  bucket: string;
  /** Decoded key, exactly as stored in S3. */
  key: string;
  size: number;
  etag?: string;
  versionId?: string;
  contentType: string;
  /** ISO-8601 `Last-Modified` of the version read. */
  lastModified: string;
  /** The item's `message_id` when the backfill read it, before HeadObject; absent: there was no item. */
  seenMessageId?: string;
}

/** A key whose item says live while HeadObject (at `checkedAt`) found no current version. */
export interface GoneObject {
  bucket: string;
  key: string;
  state: typeof ObjectState.DELETED;
  /** ISO-8601 time of the HeadObject that answered 404. */
  checkedAt: string;
  /** The item's `message_id` when the backfill read it, before HeadObject. */
  seenMessageId?: string;
}

/** The message `npm run backfill` enqueues: an object the table misses or holds stale, or one gone. */
export type BackfillMessage = { type: typeof BACKFILL_MESSAGE_TYPE } & (ListedObject | GoneObject);

/** What HeadObject told us; null from the store means the object (version) no longer exists. */
export interface ObjectHead {
  contentType: string;
  size: number;
  etag?: string;
  versionId?: string;
  /** ISO-8601 `Last-Modified` of the version. */
  lastModified?: string;
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

/** The DynamoDB item for one object: the attributes the product names (s3_key, bucket, content_type, file_size, event_time, processed_at, message_id) plus ordering and provenance. */
export interface IngestItem extends ItemBase {
  content_type: string;
  file_size: number;
  etag?: string;
}

/** Written for `ObjectRemoved:*` when deletes are handled: marks, never removes, the item. */
export type DeletionMark = ItemBase;

/**
 * Written by a backfill message. It has no sequencer: the write sets the lowest `ordering_key` (the
 * item's may be a forged one it cannot trust) and records `backfill_last_modified`, which real
 * events (by whole second; a tie is settled by asking S3) and later backfills are compared with.
 */
export interface BackfillItem extends Omit<IngestItem, 'sequencer' | 'ordering_key'> {
  backfill_last_modified: string;
}

/** What a backfill write checks beyond time: the item it read is still the one stored. */
export interface BackfillGuard {
  seenMessageId?: string;
}

/** Written by a backfill removal: marks an existing item deleted, at the time S3 said so. */
export type BackfillDeletionMark = Omit<ItemBase, 'sequencer' | 'ordering_key' | 'version_id'> & { backfill_last_modified: string };
