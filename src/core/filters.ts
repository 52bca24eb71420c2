import type { ObjectHead } from './types';

/** Which objects the pusher forwards. Empty lists and 0 mean "no restriction". */
export interface PusherFilters {
  ignoredPrefixes: string[];
  ignoredSuffixes: string[];
  /** Exact types, or `type/*`. Parameters (`; charset=…`) are ignored when matching. */
  allowedContentTypes: string[];
  maxSizeBytes: number;
}

export const RejectReason = {
  IGNORED_PREFIX: 'ignored-prefix',
  IGNORED_SUFFIX: 'ignored-suffix',
  CONTENT_TYPE_NOT_ALLOWED: 'content-type-not-allowed',
  TOO_LARGE: 'too-large',
  OBJECT_MISSING: 'object-missing',
  EVENT_TYPE_NOT_HANDLED: 'event-type-not-handled',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** Checks that need only the key, so they run before any HeadObject. */
export function rejectByKey(key: string, f: PusherFilters): RejectReason | null {
  if (f.ignoredPrefixes.some((p) => key.startsWith(p))) return RejectReason.IGNORED_PREFIX;
  if (f.ignoredSuffixes.some((s) => key.endsWith(s))) return RejectReason.IGNORED_SUFFIX;
  return null;
}

export function rejectByHead(head: ObjectHead, f: PusherFilters): RejectReason | null {
  if (f.maxSizeBytes > 0 && head.size > f.maxSizeBytes) return RejectReason.TOO_LARGE;
  if (f.allowedContentTypes.length > 0) {
    const type = head.contentType.split(';')[0]!.trim().toLowerCase();
    const allowed = f.allowedContentTypes.some((a) => {
      const rule = a.toLowerCase();
      return rule.endsWith('/*') ? type.startsWith(rule.slice(0, -1)) : type === rule;
    });
    if (!allowed) return RejectReason.CONTENT_TYPE_NOT_ALLOWED;
  }
  return null;
}
