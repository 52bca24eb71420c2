import type { DeadLetters, ItemRepository, ObjectStore, StoredState, WriteResult } from '../../src/core/ports';
import type { BackfillDeletionMark, BackfillGuard, BackfillItem, DeletionMark, IngestItem, ObjectHead } from '../../src/core/types';

type StoredItem = (IngestItem | (DeletionMark & { deleted: true }) | (BackfillItem & { ordering_key: string; sequencer: string })) & {
  backfill_last_modified?: string;
};

const wholeSecond = (t: string): string => new Date(Math.floor(Date.parse(t) / 1000) * 1000).toISOString();

/** An in-memory table with the real conditional-write rules (see `dynamo-item-repository.ts`). */
export class MemoryItems implements ItemRepository {
  public readonly items = new Map<string, StoredItem>();
  public writes = 0;
  /** Throw this error on the next N writes. */
  public failNext: { count: number; error: Error } | null = null;

  public async putIfNewer(item: IngestItem): Promise<WriteResult> {
    return this.write(item, (old) => this.eventIsNewer(old, item));
  }

  public async markDeletedIfNewer(mark: DeletionMark): Promise<WriteResult> {
    const old = this.items.get(`${mark.bucket}/${mark.s3_key}`);
    const { backfill_last_modified: _dropped, ...kept } = (old ?? {}) as StoredItem;
    return this.write({ ...kept, ...mark, deleted: true } as DeletionMark & { deleted: true }, (o) => this.eventIsNewer(o, mark));
  }

  public async stored(bucket: string, key: string): Promise<StoredState | null> {
    const i = this.items.get(`${bucket}/${key}`) as (StoredItem & { deleted?: boolean; etag?: string; file_size?: number }) | undefined;
    return i ? { messageId: i.message_id, deleted: i.deleted === true, etag: i.etag, size: i.file_size, versionId: i.version_id } : null;
  }

  public async putConfirmed(item: IngestItem, seenMessageId: string): Promise<WriteResult> {
    return this.write(item, (o) => o.message_id === seenMessageId);
  }

  public async markDeletedConfirmed(mark: DeletionMark, seenMessageId: string): Promise<WriteResult> {
    const old = this.items.get(`${mark.bucket}/${mark.s3_key}`);
    const { backfill_last_modified: _dropped, ...kept } = (old ?? {}) as StoredItem;
    return this.write({ ...kept, ...mark, deleted: true } as DeletionMark & { deleted: true }, (o) => o.message_id === seenMessageId);
  }

  public async putBackfillIfNewer(item: BackfillItem, guard: BackfillGuard): Promise<WriteResult> {
    // The item's ordering key is not kept (it may be forged): events after it are ordered by time.
    return this.write({ ...item, ordering_key: '0'.repeat(64), sequencer: '0' }, (o) =>
      this.backfillIsNewer(o, item.backfill_last_modified, guard),
    );
  }

  public async markBackfillDeletedIfNewer(mark: BackfillDeletionMark, guard: BackfillGuard): Promise<WriteResult> {
    const old = this.items.get(`${mark.bucket}/${mark.s3_key}`);
    if (!old) return 'stale';
    return this.write({ ...old, ...mark, deleted: true } as StoredItem, (o) => this.backfillIsNewer(o, mark.backfill_last_modified, guard));
  }

  private backfillIsNewer(old: StoredItem, lastModified: string, guard: BackfillGuard): boolean {
    return old.message_id === guard.seenMessageId || (old.backfill_last_modified ?? old.event_time) < lastModified;
  }

  private eventIsNewer(old: StoredItem, event: { ordering_key: string; event_time: string }): boolean {
    return (
      old.ordering_key < event.ordering_key &&
      (old.backfill_last_modified === undefined || old.backfill_last_modified < wholeSecond(event.event_time))
    );
  }

  private async write(item: StoredItem, newer: (old: StoredItem) => boolean): Promise<WriteResult> {
    if (this.failNext && this.failNext.count > 0) {
      this.failNext.count--;
      throw this.failNext.error;
    }
    const id = `${item.bucket}/${item.s3_key}`;
    const old = this.items.get(id);
    if (old && !newer(old)) return 'stale';
    this.items.set(id, item);
    this.writes++;
    return 'written';
  }
}

export class MemoryObjects implements ObjectStore {
  public readonly heads = new Map<string, ObjectHead>();
  public calls = 0;

  public put(bucket: string, key: string, head: Partial<ObjectHead> = {}): void {
    this.heads.set(`${bucket}/${key}`, { contentType: 'text/plain', size: 42, metadata: {}, ...head });
  }

  public async head(bucket: string, key: string): Promise<ObjectHead | null> {
    this.calls++;
    return this.heads.get(`${bucket}/${key}`) ?? null;
  }
}

export class MemoryDeadLetters implements DeadLetters {
  public readonly sent: Array<{ body: string; code: string; detail: string; sourceMessageId?: string }> = [];
  public failWith: Error | null = null;

  public async send(body: string, reason: { code: string; detail: string; sourceMessageId?: string }): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push({ body, ...reason });
  }
}

/** An SDK-style throttling error, as the DynamoDB client throws it after its own retries. */
export function throttlingError(): Error {
  return Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
    name: 'ProvisionedThroughputExceededException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}
