import { encodeS3Key } from '../src/core/s3-key';
import { bareEventName } from '../src/core/types';

/** An S3 event record as s3rver emits it: key not encoded, sequencer from the clock. */
interface S3rverRecord {
  eventName: string;
  eventTime: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer?: string; versionId?: string } };
  [k: string]: unknown;
}

export interface S3NotificationOptions {
  region: string;
  /** The stack's bucket: S3 notifies only for the bucket the notification configuration is on. */
  bucket: string;
  /** `s3:ObjectCreated:*` etc., as the stack's notification subscribes. */
  events: string[];
  /** The notification's filters, URL-encoded as the stack writes them (`encodedKeyFilters`). */
  filterPrefix: string;
  filterSuffix: string;
  configurationId: string;
  /** Delivers one notification (`{ Records: [record] }`) to the destination. */
  deliver: (notification: { Records: Array<Record<string, unknown>> }) => Promise<void>;
  /** Runs before a notification is delivered; may delay it (used to reorder deliveries in load tests). */
  beforeDeliver?: (record: Record<string, unknown>) => Promise<void>;
  /** How many times to deliver a notification: S3 delivers at least once; load tests ask for 2. @default 1 */
  copies?: (record: Record<string, unknown>) => number;
  onError?: (error: Error, key: string) => void;
}

const matches = (eventName: string, patterns: string[]): boolean =>
  patterns.some((p) => {
    const pattern = bareEventName(p);
    return pattern.endsWith('*') ? eventName.startsWith(pattern.slice(0, -1)) : eventName === pattern;
  });

/**
 * Does what S3's event notifications do and s3rver does not: it rewrites each s3rver event
 * the way S3 writes it (URL-encoded key with `+` for spaces, a sequencer that increases per
 * write even within one millisecond, the region, the configuration id), applies the
 * notification's event types and prefix/suffix filters, and delivers it. Delivery is retried
 * a few times, like S3's; what still fails is reported, never dropped silently.
 */
export class S3NotificationDelivery {
  private counter = 0n;
  private pendingCount = 0;
  /**
   * Periods in which writes produce no notification at all, as on a bucket whose notification
   * configuration (or EventBridge switch) is missing: what reconcile and backfill exist for. Judged
   * by each event's time, not by when it reaches this thread: the emulator's events arrive a moment
   * after the write's response, possibly after `resume()`.
   */
  private readonly silent: Array<{ from: number; to: number }> = [];

  public pause(): void {
    this.silent.push({ from: Date.now(), to: Number.POSITIVE_INFINITY });
  }

  public resume(): void {
    const open = this.silent.at(-1);
    if (open && open.to === Number.POSITIVE_INFINITY) open.to = Date.now();
  }

  private silenced(eventTime: string): boolean {
    const t = Date.parse(eventTime);
    return this.silent.some((w) => t >= w.from && t <= w.to);
  }

  public constructor(private readonly o: S3NotificationOptions) {}

  /** Notifications accepted but not yet delivered. */
  public get pending(): number {
    return this.pendingCount;
  }

  public readonly listener = (event: { Records: S3rverRecord[] }): void => {
    for (const raw of event.Records) {
      // Other buckets on the emulator (a developer's own, a test's) have no notification configuration.
      if (raw.s3.bucket.name !== this.o.bucket) continue;
      if (this.silenced(raw.eventTime)) continue;
      const key = raw.s3.object.key;
      if (!matches(raw.eventName, this.o.events)) continue;
      // S3 compares its filters with the key as events spell it, URL-encoded (filterPrefix/Suffix are).
      const encoded = encodeS3Key(key);
      if (!encoded.startsWith(this.o.filterPrefix) || !encoded.endsWith(this.o.filterSuffix)) continue;
      const record = this.rewrite(raw);
      this.pendingCount++;
      void this.send(record, key).finally(() => this.pendingCount--);
    }
  };

  private rewrite(raw: S3rverRecord): Record<string, unknown> {
    // S3's sequencers are hex and grow per key; time plus a counter grows for every write here.
    const sequencer = ((BigInt(Date.now()) << 20n) | (this.counter++ & 0xfffffn)).toString(16).toUpperCase().padStart(16, '0');
    return {
      ...raw,
      eventVersion: '2.1',
      awsRegion: this.o.region,
      s3: {
        ...raw.s3,
        configurationId: this.o.configurationId,
        bucket: { ...raw.s3.bucket, arn: `arn:aws:s3:::${raw.s3.bucket.name}` },
        object: { ...raw.s3.object, key: encodeS3Key(raw.s3.object.key), sequencer },
      },
    };
  }

  private async send(record: Record<string, unknown>, key: string): Promise<void> {
    await this.o.beforeDeliver?.(record);
    const copies = this.o.copies?.(record) ?? 1;
    for (let copy = 0; copy < copies; copy++) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.o.deliver({ Records: [record] });
          break;
        } catch (e) {
          if (attempt >= 5) {
            this.o.onError?.(e as Error, key);
            return;
          }
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
    }
  }
}

/** The message S3 sends once to a queue when a notification configuration is saved. */
export const s3TestEvent = (bucket: string): string =>
  JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: new Date().toISOString(),
    Bucket: bucket,
    RequestId: 'LOCAL',
    HostId: 'local',
  });
