import type { ObjectStore } from './ports';
import { createsDeleteMarker, type ObjectEvent, type ObjectHead } from './types';

/**
 * The version a created event names, from the event and HeadObject of that version: size, ETag and
 * version id from the event (they describe exactly that version), content type and metadata from S3.
 */
export const namedVersion = (event: ObjectEvent, head: ObjectHead): ObjectHead => ({
  ...head,
  size: event.size ?? head.size,
  etag: event.etag ?? head.etag,
  versionId: event.versionId ?? head.versionId,
});

/**
 * What is current for a key after a removal event. A new delete marker hides the key by itself (no
 * S3 call); any other removal may have taken a noncurrent version or a delete marker away, so S3 is
 * asked (HeadObject without a version): gone, or the current version. The processor and the pusher
 * both decide it here.
 */
export async function currentAfterRemoval(
  event: ObjectEvent,
  objects: ObjectStore,
): Promise<{ gone: true } | { gone: false; current: ObjectHead }> {
  if (createsDeleteMarker(event.eventName)) return { gone: true };
  const current = await objects.head(event.bucket, event.key);
  return current === null ? { gone: true } : { gone: false, current };
}
