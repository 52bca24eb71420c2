import type { BackfillDeletionMark, BackfillGuard, BackfillItem, DeletionMark, IngestItem, ObjectHead } from './types';

/** Reads object metadata. */
export interface ObjectStore {
  /** The object's (or the version's) metadata, or null when it no longer exists. */
  head(bucket: string, key: string, versionId?: string): Promise<ObjectHead | null>;
}

/** `written`, or `stale` when the table already holds this event or a newer one for the object. */
export type WriteResult = 'written' | 'stale';

/** What an item says about its object: enough to tell a redelivery from a different state. */
export interface StoredState {
  messageId: string;
  deleted: boolean;
  etag?: string;
  size?: number;
  versionId?: string;
}

/** Stores items; every write is conditional on the event being newer than what is stored. */
export interface ItemRepository {
  putIfNewer(item: IngestItem): Promise<WriteResult>;
  markDeletedIfNewer(mark: DeletionMark): Promise<WriteResult>;
  /** The item's state (a consistent read), or null when there is none. */
  stored(bucket: string, key: string): Promise<StoredState | null>;
  /**
   * Writes an event whose state S3 confirmed as current, whatever the item's ordering key says,
   * provided the item is still the one read (`seenMessageId`): its ordering key is replaced by
   * the event's, so a forged or untrusted one heals.
   */
  putConfirmed(item: IngestItem, seenMessageId: string): Promise<WriteResult>;
  markDeletedConfirmed(mark: DeletionMark, seenMessageId: string): Promise<WriteResult>;
  /**
   * Writes a backfilled object unless the item may describe this version or a newer one: written
   * when there is no item, when the item is still the one the backfill read before its HeadObject
   * (`guard.seenMessageId`), or when the item's time (its backfill's `Last-Modified`, else its
   * event's time) is older than the object's `Last-Modified`.
   */
  putBackfillIfNewer(item: BackfillItem, guard: BackfillGuard): Promise<WriteResult>;
  /** Marks an existing item deleted, under the same rule; never creates one. */
  markBackfillDeletedIfNewer(mark: BackfillDeletionMark, guard: BackfillGuard): Promise<WriteResult>;
}

/** Where permanent failures go, with their reason, instead of burning retries. */
export interface DeadLetters {
  send(body: string, reason: { code: string; detail: string; sourceMessageId?: string }): Promise<void>;
}

export interface OutgoingMessage {
  /** Unique within one call. */
  id: string;
  body: string;
}

/** Sends messages in one batch call; returns the ids SQS did not accept. */
export interface QueueSender {
  sendBatch(messages: OutgoingMessage[]): Promise<{ failedIds: string[] }>;
}
