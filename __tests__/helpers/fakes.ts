import type { DeadLetters, ItemRepository, ObjectStore, WriteResult } from '../../src/core/ports';
import type { DeletionMark, IngestItem, ObjectHead } from '../../src/core/types';

/** An in-memory table with the real conditional-write rule (newer ordering key wins). */
export class MemoryItems implements ItemRepository {
  public readonly items = new Map<string, IngestItem | (DeletionMark & { deleted: true })>();
  public writes = 0;
  /** Throw this error on the next N writes. */
  public failNext: { count: number; error: Error } | null = null;

  public async putIfNewer(item: IngestItem): Promise<WriteResult> {
    return this.write(item);
  }

  public async markDeletedIfNewer(mark: DeletionMark): Promise<WriteResult> {
    const old = this.items.get(`${mark.bucket}/${mark.s3_key}`);
    return this.write({ ...(old ?? {}), ...mark, deleted: true } as DeletionMark & { deleted: true });
  }

  private async write(item: IngestItem | (DeletionMark & { deleted: true })): Promise<WriteResult> {
    if (this.failNext && this.failNext.count > 0) {
      this.failNext.count--;
      throw this.failNext.error;
    }
    const id = `${item.bucket}/${item.s3_key}`;
    const old = this.items.get(id);
    if (old && old.ordering_key >= item.ordering_key) return 'stale';
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
