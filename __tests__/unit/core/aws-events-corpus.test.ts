import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PusherFilters } from '../../../src/core/filters';
import { makeMessageProcessor, type Outcome } from '../../../src/core/process-message';
import { makePusher } from '../../../src/core/push-objects';
import { MemoryDeadLetters, MemoryItems, type MemoryObjects } from '../../helpers/fakes';

const DIR = join(__dirname, '..', '..', 'fixtures', 'aws-events');
const NO_FILTERS: PusherFilters = { ignoredPrefixes: [], ignoredSuffixes: [], allowedContentTypes: [], maxSizeBytes: 0 };

/** S3 as the samples' buckets hold it: every object exists, its current version `current-v`. */
class EveryObjectExists implements Pick<MemoryObjects, 'head'> {
  public async head(_bucket: string, key: string, versionId?: string) {
    return {
      contentType: 'application/pdf',
      size: 104681,
      etag: '"current-etag"',
      versionId: versionId ?? `current-v:${key.length}`,
      metadata: {},
    };
  }
}

/** Compact outcome: `stored <key>`, `deleted <key>`, `ignored <event>`, `test-event`, `poison <reason>`. */
const brief = (o: Outcome): string =>
  o.status === 'poison'
    ? `poison ${o.reason}`
    : o.status === 'test-event'
      ? 'test-event'
      : o.status === 'ignored'
        ? `ignored ${o.eventName}`
        : `${o.status} ${o.key}`;

/** processor: outcomes per message body; pusher: what it does with the raw S3 event (n/a where S3 never invokes it with that shape). */
const EXPECTED: Record<string, { processor: string[]; pusher: string[] | 'n/a' }> = {
  'sqs-s3-put-versioned.json': { processor: ['stored test.pdf'], pusher: 'n/a' },
  'sqs-sns-envelope-not-s3.json': { processor: ['poison not-an-s3-event'], pusher: 'n/a' },
  'minio-put-not-aws.json': { processor: ['poison not-an-s3-event'], pusher: ['poison not-an-s3-event'] },
  's3-test-event.json': { processor: ['test-event'], pusher: ['test-event'] },
  's3-delete-object.json': {
    processor: ['stored b21b84d653bb07b05b1e6b33684dc11b'],
    pusher: ['enqueued b21b84d653bb07b05b1e6b33684dc11b live'],
  },
  's3-put-with-glacier-event-data.json': {
    processor: ['stored b21b84d653bb07b05b1e6b33684dc11b'],
    pusher: ['enqueued b21b84d653bb07b05b1e6b33684dc11b'],
  },
  's3-lifecycle-expiration-delete.json': { processor: ['stored expiration/delete'], pusher: ['enqueued expiration/delete live'] },
  's3-lifecycle-expiration-delete-marker.json': { processor: ['deleted test.pdf'], pusher: ['enqueued test.pdf deleted'] },
  's3-delete-marker-created.json': { processor: ['deleted test.pdf'], pusher: ['enqueued test.pdf deleted'] },
  's3-delete-noncurrent-version.json': { processor: ['stored test.pdf'], pusher: ['enqueued test.pdf live'] },
  's3-put-key-space-and-plus.json': { processor: ['stored red flower + sun.jpg'], pusher: ['enqueued red flower + sun.jpg'] },
  's3-put-key-encoded-slash.json': { processor: ['stored reports/2026/q1.csv'], pusher: ['enqueued reports/2026/q1.csv'] },
  's3-put-key-unicode.json': { processor: ['stored café/日本語 ファイル.txt'], pusher: ['enqueued café/日本語 ファイル.txt'] },
  's3-put-key-1024-bytes.json': { processor: [`stored k/${'a'.repeat(1022)}`], pusher: [`enqueued k/${'a'.repeat(1022)}`] },
  's3-put-key-1025-bytes.json': { processor: ['poison schema-violation'], pusher: ['poison schema-violation'] },
  's3-put-event-version-2.5.json': { processor: ['stored test.pdf'], pusher: ['enqueued test.pdf'] },
  's3-object-tagging-put.json': { processor: ['ignored ObjectTagging:Put'], pusher: ['rejected test.pdf event-type-not-handled'] },
  's3-object-tagging-delete.json': { processor: ['ignored ObjectTagging:Delete'], pusher: ['rejected test.pdf event-type-not-handled'] },
  's3-object-acl-put.json': { processor: ['ignored ObjectAcl:Put'], pusher: ['rejected test.pdf event-type-not-handled'] },
  's3-restore-delete.json': { processor: ['ignored ObjectRestore:Delete'], pusher: ['rejected test.pdf event-type-not-handled'] },
  's3-restore-completed.json': { processor: ['ignored ObjectRestore:Completed'], pusher: ['rejected test.pdf event-type-not-handled'] },
  's3-lifecycle-transition.json': { processor: ['ignored LifecycleTransition'], pusher: ['rejected test.pdf event-type-not-handled'] },
  's3-intelligent-tiering.json': { processor: ['ignored IntelligentTiering'], pusher: ['rejected test.pdf event-type-not-handled'] },
  's3-replication-failed.json': {
    processor: ['ignored Replication:OperationFailedReplication'],
    pusher: ['rejected test.pdf event-type-not-handled'],
  },
  's3-multi-record-put-tagging-poison.json': {
    processor: ['stored test.pdf', 'ignored ObjectTagging:Put', 'poison undecodable-key'],
    pusher: ['enqueued test.pdf', 'rejected test.pdf event-type-not-handled', 'poison undecodable-key'],
  },
  'sns-envelope-s3-put.json': { processor: ['stored test.pdf'], pusher: 'n/a' },
  'sns-envelope-s3-test-event.json': { processor: ['test-event'], pusher: 'n/a' },
  'sns-raw-delivery-s3-put.json': { processor: ['stored test.pdf'], pusher: 'n/a' },
  'eventbridge-object-created.json': { processor: ['stored IMG_m7fzo3.jpg'], pusher: 'n/a' },
  'eventbridge-object-created-key-encoded.json': { processor: ['stored my folder/a+b café ü.txt'], pusher: 'n/a' },
  'eventbridge-object-created-multipart-versioned.json': { processor: ['stored IMG_m7fzo3.jpg'], pusher: 'n/a' },
  'eventbridge-object-deleted-marker.json': { processor: ['deleted IMG_m7fzo3.jpg'], pusher: 'n/a' },
  'eventbridge-object-deleted-permanently.json': { processor: ['stored IMG_m7fzo3.jpg'], pusher: 'n/a' },
  'eventbridge-lifecycle-expiration-marker.json': { processor: ['deleted IMG_m7fzo3.jpg'], pusher: 'n/a' },
  'eventbridge-object-restore-completed.json': { processor: ['ignored Object Restore Completed'], pusher: 'n/a' },
  'eventbridge-object-tags-added.json': { processor: ['ignored Object Tags Added'], pusher: 'n/a' },
};

const read = (file: string): unknown => JSON.parse(readFileSync(join(DIR, file), 'utf8'));
/** The message bodies a sample stands for: an SQS event's record bodies, or the sample itself. */
const bodiesOf = (sample: unknown): string[] => {
  const records = (sample as { Records?: Array<{ eventSource?: string; body?: string }> }).Records;
  return records?.[0]?.eventSource === 'aws:sqs' ? records.map((r) => r.body!) : [JSON.stringify(sample)];
};

describe('AWS event conformance corpus', () => {
  it('has an expectation for every sample, and a sample for every expectation', () => {
    expect(
      readdirSync(DIR)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s → processor', async (file, expected) => {
    // Prepare
    const items = new MemoryItems();
    const deadLetters = new MemoryDeadLetters();
    const process = makeMessageProcessor({ objects: new EveryObjectExists(), items, deadLetters, handleDeletes: true });
    // Act
    const outcomes = (await Promise.all(bodiesOf(read(file)).map((body, i) => process({ messageId: `m${i}`, body })))).flat();
    // Assess
    expect(outcomes.map(brief)).toEqual(expected.processor);
    expect(deadLetters.sent).toHaveLength(expected.processor.filter((o) => o.startsWith('poison')).length);
  });

  it.each(Object.entries(EXPECTED).filter(([, e]) => e.pusher !== 'n/a'))('%s → pusher', async (file, expected) => {
    // Prepare
    const sent: string[] = [];
    const push = makePusher({
      objects: new EveryObjectExists(),
      sender: { sendBatch: async (m) => (sent.push(...m.map((x) => x.body)), { failedIds: [] }) },
      deadLetters: new MemoryDeadLetters(),
      filters: NO_FILTERS,
      handleDeletes: true,
    });
    // Act
    const summary = await push(read(file));
    // Assess
    const messages = sent.map((b) => JSON.parse(b) as { key: string; state?: string });
    const got = [
      ...(summary.testEvent ? ['test-event'] : []),
      ...messages.map((m) => `enqueued ${m.key}${m.state ? ` ${m.state}` : ''}`),
      ...summary.rejected.map((r) => `rejected ${r.key} ${r.reason}`),
      ...summary.poison.map((p) => `poison ${p.reason}`),
    ];
    expect(got.sort()).toEqual([...(expected.pusher as string[])].sort());
  });
});
