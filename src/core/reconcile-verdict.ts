import { stripQuotes } from './items';

/** The current version of one object, as a listing, an inventory or a map item shows it. */
export interface ListedEntry {
  key: string;
  size: number;
  etag?: string;
  /** Only from a versions listing or an inventory of all versions. */
  versionId?: string;
  lastModified?: string;
}

/** What reconcile needs of an item. */
export interface ItemSummary {
  key: string;
  etag?: string;
  size?: number;
  versionId?: string;
  deleted: boolean;
  /** Which message wrote it: a backfill's write is conditional on it being unchanged. */
  messageId?: string;
}

/** What differs between an object and its item. */
export type Difference = 'deleted' | 'etag' | 'size' | 'version';

export type Verdict = { kind: 'match' } | { kind: 'missing' } | { kind: 'stale'; differs: Difference[] };

/**
 * An object against its item: missing without one; stale when the item says deleted, or names
 * another ETag, size or version (a version only when both sides know theirs).
 */
export function compare(object: ListedEntry, item: ItemSummary | undefined): Verdict {
  if (!item) return { kind: 'missing' };
  const differs: Difference[] = [];
  if (item.deleted) differs.push('deleted');
  const etag = stripQuotes(object.etag);
  if (etag !== undefined && item.etag !== undefined && etag !== item.etag) differs.push('etag');
  if (item.size !== undefined && item.size !== object.size) differs.push('size');
  if (object.versionId !== undefined && item.versionId !== undefined && object.versionId !== item.versionId) differs.push('version');
  return differs.length ? { kind: 'stale', differs } : { kind: 'match' };
}
