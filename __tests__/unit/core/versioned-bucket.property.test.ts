import fc from 'fast-check';
import type { PusherFilters } from '../../../src/core/filters';
import type { ObjectStore, OutgoingMessage } from '../../../src/core/ports';
import { makeMessageProcessor } from '../../../src/core/process-message';
import { makePusher } from '../../../src/core/push-objects';
import type { ObjectHead } from '../../../src/core/types';
import { MemoryDeadLetters, MemoryItems } from '../../helpers/fakes';
import { s3EventRecord } from '../../helpers/factories';
import { propertyRuns } from '../../helpers/property-runs';

interface Version {
  id: string;
  marker: boolean;
  size: number;
  etag: string;
}

/** One key of a versioned bucket, as S3 keeps it: versions oldest to newest, the last one current. */
class VersionedKey implements ObjectStore {
  public readonly versions: Version[] = [];
  private counter = 0;

  /** Performs an operation and returns the event S3 would send for it, or null when it is not possible now. */
  public apply(op: Op, pick: number): Record<string, unknown> | null {
    const n = ++this.counter;
    const sequencer = n.toString(16).toUpperCase().padStart(16, '0');
    const event = (eventName: string, v: Version) =>
      s3EventRecord({ key: 'k', eventName, sequencer, versionId: v.id, ...(v.marker ? {} : { size: v.size, eTag: v.etag }) });
    const current = this.versions.at(-1);
    switch (op) {
      case 'put': {
        const v = { id: `v${n}`, marker: false, size: n * 10, etag: `e${n}` };
        this.versions.push(v);
        return event('ObjectCreated:Put', v);
      }
      case 'delete':
      case 'expire-current': {
        if (op === 'expire-current' && (!current || current.marker)) return null;
        const m = { id: `m${n}`, marker: true, size: 0, etag: '' };
        this.versions.push(m);
        return event(op === 'delete' ? 'ObjectRemoved:DeleteMarkerCreated' : 'LifecycleExpiration:DeleteMarkerCreated', m);
      }
      case 'delete-version':
      case 'expire-noncurrent': {
        const candidates = op === 'delete-version' ? this.versions : this.versions.slice(0, -1).filter((v) => !v.marker);
        if (candidates.length === 0) return null;
        const v = candidates[pick % candidates.length]!;
        this.versions.splice(this.versions.indexOf(v), 1);
        const r = event(op === 'delete-version' ? 'ObjectRemoved:Delete' : 'LifecycleExpiration:Delete', v);
        delete (r.s3 as { object: Record<string, unknown> }).object.size;
        delete (r.s3 as { object: Record<string, unknown> }).object.eTag;
        return r;
      }
    }
  }

  public async head(_bucket: string, _key: string, versionId?: string): Promise<ObjectHead | null> {
    const v = versionId ? this.versions.find((x) => x.id === versionId) : this.versions.at(-1);
    return v && !v.marker ? { contentType: 'text/plain', size: v.size, etag: `"${v.etag}"`, versionId: v.id, metadata: {} } : null;
  }
}

const OPS = ['put', 'delete', 'delete-version', 'expire-current', 'expire-noncurrent'] as const;
type Op = (typeof OPS)[number];
const NO_FILTERS: PusherFilters = { ignoredPrefixes: [], ignoredSuffixes: [], allowedContentTypes: [], maxSizeBytes: 0 };

const scenario = fc.record({
  steps: fc.array(fc.record({ op: fc.constantFrom(...OPS), pick: fc.nat(), deliver: fc.nat({ max: 3 }) }), { minLength: 1, maxLength: 14 }),
  order: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  duplicates: fc.array(fc.nat(), { maxLength: 6 }),
});

/**
 * Drives a scenario: after each operation, a few of the pending events are delivered (in a
 * random order, so older ones may come after newer ones); at the end the rest, plus duplicates.
 */
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

async function run(s: Scenario, deliver: (record: Record<string, unknown>) => Promise<void>, key: VersionedKey) {
  const pending: Array<Record<string, unknown>> = [];
  const delivered: Array<Record<string, unknown>> = [];
  let events = 0;
  let o = 0;
  const next = async () => {
    const i = s.order[o++ % s.order.length]! % pending.length;
    const [record] = pending.splice(i, 1);
    delivered.push(record!);
    await deliver(record!);
  };
  for (const step of s.steps) {
    const record = key.apply(step.op, step.pick);
    if (record) {
      pending.push(record);
      events++;
    }
    for (let d = 0; d < step.deliver && pending.length > 0; d++) await next();
  }
  while (pending.length > 0) await next();
  for (const i of s.duplicates) if (delivered.length) await deliver(delivered[i % delivered.length]!);
  return events;
}

function expectCurrentState(items: MemoryItems, key: VersionedKey, events: number) {
  const item = items.items.get('uploads/k') as Record<string, unknown> | undefined;
  const current = key.versions.at(-1);
  if (events === 0) {
    expect(item).toBeUndefined();
  } else if (current && !current.marker) {
    expect(item).toMatchObject({ version_id: current.id, file_size: current.size, etag: current.etag });
    expect(item).not.toHaveProperty('deleted');
  } else {
    expect(item).toMatchObject({ deleted: true });
  }
}

describe('versioned bucket: the item reflects the key’s current state', () => {
  it('direct mode: any sequence of creates, delete markers, version deletes and lifecycle expirations, delivered in any order and any number of times', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const key = new VersionedKey();
        const items = new MemoryItems();
        const process = makeMessageProcessor({ objects: key, items, deadLetters: new MemoryDeadLetters(), handleDeletes: true });
        const events = await run(
          s,
          async (record) => void (await process({ messageId: 'm', body: JSON.stringify({ Records: [record] }) })),
          key,
        );
        expectCurrentState(items, key, events);
      }),
      { numRuns: propertyRuns(500) },
    );
  });

  it('pusher mode: the pusher looks S3 up when invoked, the processor writes what it was told', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const key = new VersionedKey();
        const items = new MemoryItems();
        const process = makeMessageProcessor({ objects: key, items, deadLetters: new MemoryDeadLetters(), handleDeletes: true });
        const sent: OutgoingMessage[] = [];
        const push = makePusher({
          objects: key,
          sender: { sendBatch: async (m) => (sent.push(...m), { failedIds: [] }) },
          deadLetters: new MemoryDeadLetters(),
          filters: NO_FILTERS,
          handleDeletes: true,
        });
        const events = await run(
          s,
          async (record) => {
            await push({ Records: [record] });
            for (const m of sent.splice(0)) await process({ messageId: 'm', body: m.body });
          },
          key,
        );
        expectCurrentState(items, key, events);
      }),
      { numRuns: propertyRuns(500) },
    );
  });
});
