import type { ListedEntry } from './reconcile-verdict';
import { decodeS3Key } from './s3-key';

/**
 * The items a Step Functions Distributed Map hands the reconcile function, one parser per
 * ItemReader source (shapes from the Step Functions developer guide, "ItemReader (Map)"):
 *
 * - S3 Inventory manifest (`InputType: MANIFEST`): one object per CSV row, named by the manifest's
 *   `fileSchema`, every value a string; the CSV's `Key` is URL-encoded (S3 Inventory's rule).
 * - `s3:listObjectsV2`: `{ Key, Size, Etag, LastModified (epoch seconds), StorageClass }`.
 * - A DynamoDB export's data files read as JSON Lines: `{ Item: { <attribute>: { S | N | BOOL } } }`.
 */

/** An object row: the current version of a key, or a row to skip (another version, a delete marker). */
export type ObjectRow = { kind: 'object'; bucket?: string; entry: ListedEntry } | { kind: 'skip'; why: 'noncurrent' | 'delete-marker' };

/** A table row of the export: what the orphan pass needs. */
export interface ExportRow {
  key: string;
  bucket: string;
  deleted: boolean;
  size?: number;
  messageId?: string;
}

export class BadItemError extends Error {
  public constructor(what: string, item: unknown) {
    super(`${what}: ${JSON.stringify(item)?.slice(0, 300)}`);
    this.name = 'BadItemError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function count(value: unknown, item: unknown, field: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new BadItemError(`${field} is not a byte count`, item);
  return n;
}

/** An S3 Inventory row (fields by `fileSchema`) or a ListObjectsV2 item. */
export function objectRow(item: unknown): ObjectRow {
  if (!isRecord(item) || typeof item.Key !== 'string' || item.Key === '') throw new BadItemError('not an object item (no Key)', item);
  if ('Bucket' in item) {
    // Inventory of all versions: only the current one, and not when it is a delete marker.
    if (item.IsLatest === 'false') return { kind: 'skip', why: 'noncurrent' };
    if (item.IsDeleteMarker === 'true') return { kind: 'skip', why: 'delete-marker' };
    let key: string;
    try {
      key = decodeS3Key(item.Key);
    } catch {
      throw new BadItemError('Key is not URL-encoded as S3 Inventory writes it', item);
    }
    const versionId = typeof item.VersionId === 'string' && item.VersionId !== '' && item.VersionId !== 'null' ? item.VersionId : undefined;
    return {
      kind: 'object',
      bucket: String(item.Bucket),
      entry: {
        key,
        size: count(item.Size, item, 'Size'),
        etag: typeof item.ETag === 'string' && item.ETag !== '' ? item.ETag : undefined,
        versionId,
        lastModified: typeof item.LastModifiedDate === 'string' ? item.LastModifiedDate : undefined,
      },
    };
  }
  const seconds = item.LastModified;
  return {
    kind: 'object',
    entry: {
      key: item.Key,
      size: count(item.Size, item, 'Size'),
      etag: typeof item.Etag === 'string' ? item.Etag : typeof item.ETag === 'string' ? item.ETag : undefined,
      lastModified: typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : undefined,
    },
  };
}

/** One line of a DynamoDB export (DynamoDB JSON), reduced to what the orphan pass compares. */
export function exportRow(line: unknown): ExportRow {
  const item = isRecord(line) ? line.Item : undefined;
  if (!isRecord(item)) throw new BadItemError('not a DynamoDB export line (no Item)', line);
  const s = (name: string): string | undefined => {
    const v = item[name];
    return isRecord(v) && typeof v.S === 'string' ? v.S : undefined;
  };
  const key = s('s3_key');
  const bucket = s('bucket');
  if (key === undefined || bucket === undefined) throw new BadItemError('export item without s3_key and bucket', line);
  const deleted = item.deleted;
  const size = item.file_size;
  return {
    key,
    bucket,
    deleted: isRecord(deleted) && deleted.BOOL === true,
    size: isRecord(size) && typeof size.N === 'string' ? Number(size.N) : undefined,
    messageId: s('message_id'),
  };
}
