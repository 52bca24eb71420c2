import { rejectByHead, rejectByKey, type PusherFilters } from './filters';
import type { ObjectHead } from './types';

/**
 * The rules that say which objects an environment ingests (derived from its config by
 * `config/derive.ts`, handed to the reconcile function as JSON): the key prefix/suffix in every
 * mode; the pusher's filters in pusher mode; the rule's size range in eventbridge mode (0: none).
 */
export interface ScopeRules {
  prefix: string;
  suffix: string;
  /** Pusher mode only. */
  pusher: PusherFilters | null;
  minSizeBytes: number;
  maxSizeBytes: number;
}

/**
 * Which objects the environment ingests, so that one it filters out is never "missing". A
 * narrower `prefix` (reconcile's `--prefix`) narrows it further.
 */
export interface IngestScope {
  /** The longest prefix every in-scope key starts with: what a listing asks S3 for. */
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

export function scopeOf(rules: ScopeRules, prefix = ''): IngestScope {
  const listPrefix = narrower(rules.prefix, prefix);
  const pusher = rules.pusher;
  return {
    listPrefix: listPrefix ?? prefix,
    byListing: (key, size) =>
      listPrefix !== null &&
      key.startsWith(listPrefix) &&
      key.endsWith(rules.suffix) &&
      (pusher === null || rejectByKey(key, pusher) === null) &&
      (rules.minSizeBytes === 0 || size >= rules.minSizeBytes) &&
      (rules.maxSizeBytes === 0 || size <= rules.maxSizeBytes),
    needsHead: pusher !== null && pusher.allowedContentTypes.length > 0,
    byHead: (head) => pusher === null || rejectByHead(head, pusher) === null,
  };
}
