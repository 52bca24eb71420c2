import { randomUUID } from 'node:crypto';
import { CREATED_REASON } from '../src/core/eventbridge-event';
import type { JsonObject } from '../src/core/json';
import { matchesEventPattern } from './event-pattern';

/** The notification's `ObjectCreated:<action>` → EventBridge's `reason`: the processor's mapping, reversed. */
const REASON: Record<string, string> = Object.fromEntries(Object.entries(CREATED_REASON).map(([reason, action]) => [action, reason]));

/**
 * A notification record (key already URL-encoded, sequencer set) as S3 sends the same event to
 * EventBridge: `detail-type` "Object Created"/"Object Deleted", the reason and deletion type,
 * `time` to the second, the key as in the notification.
 */
export function toEventBridgeEvent(record: JsonObject, accountId: string): JsonObject {
  const s3 = record.s3 as {
    bucket: { name: string };
    object: { key: string; size?: number; eTag?: string; sequencer: string; versionId?: string };
  };
  const [family, action] = String(record.eventName).split(':') as [string, string];
  const created = family === 'ObjectCreated';
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': created ? 'Object Created' : 'Object Deleted',
    source: 'aws.s3',
    account: accountId,
    time: `${String(record.eventTime).slice(0, 19)}Z`,
    region: record.awsRegion,
    resources: [`arn:aws:s3:::${s3.bucket.name}`],
    detail: {
      version: '0',
      bucket: { name: s3.bucket.name },
      object: {
        key: s3.object.key,
        ...(s3.object.size !== undefined ? { size: s3.object.size } : {}),
        ...(s3.object.eTag ? { etag: s3.object.eTag } : {}),
        ...(s3.object.versionId ? { 'version-id': s3.object.versionId } : {}),
        sequencer: s3.object.sequencer,
      },
      'request-id': randomUUID().slice(0, 16).toUpperCase(),
      requester: accountId,
      'source-ip-address': '127.0.0.1',
      reason: created ? (REASON[action] ?? action) : 'DeleteObject',
      ...(created ? {} : { 'deletion-type': action === 'DeleteMarkerCreated' ? 'Delete Marker Created' : 'Permanently Deleted' }),
    },
  };
}

/**
 * Eventbridge mode's delivery: each S3 event, reshaped as EventBridge delivers it, goes to the
 * queue when the rule's pattern (the stack's own JSON) matches it, as the rule's SQS target would.
 */
export function eventBridgeDelivery(o: { pattern: JsonObject; accountId: string; send: (body: string) => Promise<void> }) {
  return async (notification: { Records: JsonObject[] }): Promise<void> => {
    for (const record of notification.Records) {
      const event = toEventBridgeEvent(record, o.accountId);
      if (matchesEventPattern(o.pattern, event)) await o.send(JSON.stringify(event));
    }
  };
}
