import type { PipelineConfig } from '../../config/types';
import { rejectByHead, rejectByKey, type PusherFilters } from '../../src/core/filters';
import type { ObjectHead } from '../../src/core/types';

/**
 * Which objects the environment ingests, so that one it filters out is never "missing": the key
 * prefix/suffix in every mode; the pusher's ignored prefixes/suffixes, content types and size
 * limit in pusher mode; the rule's size range in eventbridge mode. `--prefix` narrows it further.
 */
export interface IngestScope {
  /** The longest prefix every in-scope key starts with: what the listing asks S3 for. */
  listPrefix: string;
  /** Checks a listing can answer (key and size). */
  byListing(key: string, size: number): boolean;
  /** True when some check needs HeadObject (the pusher's content types). */
  needsHead: boolean;
  byHead(head: ObjectHead): boolean;
}

/** The narrower of two prefixes, or null when no key can start with both. */
function narrower(a: string, b: string): string | null {
  if (a.startsWith(b)) return a;
  if (b.startsWith(a)) return b;
  return null;
}

export function ingestScope(cfg: PipelineConfig, prefix = ''): IngestScope {
  const f = cfg.filters;
  const listPrefix = narrower(f.prefix, prefix);
  const pusher: PusherFilters | null = cfg.mode === 'pusher' ? f : null;
  const minSize = cfg.mode === 'eventbridge' ? f.minSizeBytes : 0;
  const maxSize = cfg.mode === 'direct' ? 0 : f.maxSizeBytes;
  return {
    listPrefix: listPrefix ?? prefix,
    byListing: (key, size) =>
      listPrefix !== null &&
      key.startsWith(listPrefix) &&
      key.endsWith(f.suffix) &&
      (pusher === null || rejectByKey(key, pusher) === null) &&
      (minSize === 0 || size >= minSize) &&
      (maxSize === 0 || size <= maxSize),
    needsHead: pusher !== null && pusher.allowedContentTypes.length > 0,
    byHead: (head) => pusher === null || rejectByHead(head, pusher) === null,
  };
}
