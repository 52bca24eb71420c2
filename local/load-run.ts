import { createHash } from 'node:crypto';
import type { PipelineConfig } from '../config/types';
import { limitConcurrency } from '../src/core/limit';
import { decodeS3Key } from '../src/core/s3-key';
import { type DeadLetter, distinctDeadLetters, explainDeadLetter, peekQueue } from '../cli/dead-letter-view';
import { FaultProxy } from './fault-proxy';
import { startLocalPipeline, type LocalPipeline } from './local-pipeline';
import { percentile, scanItems } from './run-report';

export interface LoadOptions {
  config: PipelineConfig;
  dataDir: string;
  files: number;
  /** Fraction of `files`: malformed messages injected into the queue. */
  poison: number;
  /** Fraction of objects whose S3 notification is delivered twice. */
  duplicates: number;
  /** Fraction of objects written twice, the older version's notification delivered last. */
  reorder: number;
  /** Fraction of DynamoDB write requests answered with a throttling error. */
  transient: number;
  /** Fraction of function invocations whose process exits mid-invocation (Runtime.ExitError). @default 0 */
  crash?: number;
  /** Authorize calls against the synthesized policies, as `npm start` does. @default true */
  iam?: boolean;
  /** Parallel uploads (closed loop: the next upload starts when one finishes). @default 16 */
  uploadConcurrency?: number;
  /**
   * Open loop: start one upload every 1/rate seconds whatever the pipeline does, as real users
   * would — latency then measures the pipeline, not the uploader's backlog. Overrides uploadConcurrency.
   */
  rate?: number;
  /**
   * The first seconds of the run are left out of the steady-state latency (still counted everywhere
   * else): the functions' cold starts, the emulators' JIT warm-up and the first connections. Open loop:
   * the first `warmupSeconds × rate` objects are uploaded on schedule, then the uploader waits until the
   * pipeline has drained them and goes on with the rest — otherwise the backlog the cold start built
   * (up to 13 s to clear at half capacity) would still be in the "steady" figures. Closed loop: objects
   * whose event came in the first `warmupSeconds`. @default 5
   */
  warmupSeconds?: number;
  /** Seed for the fault proxy's and the selection's randomness. @default 1 */
  seed?: number;
  drainTimeoutMs?: number;
  onProgress?: (line: string) => void;
}

export interface LoadReport {
  environment: string;
  mode: string;
  options: { files: number; poison: number; duplicates: number; reorder: number; transient: number; crash: number; rate: number | null };
  uploaded: number;
  /** Objects whose newest version is in the table. */
  stored: number;
  duplicatesAbsorbed: number;
  /** Distinct dead-lettered parts (copies a crash sent twice count once): poison, and objects SQS moved after maxReceiveCount. */
  deadLettered: number;
  /** DLQ messages, copies included. */
  deadLetterCopies: number;
  /** Distinct parts the handlers dead-lettered as poison (with their reason). */
  poisonDeadLettered: number;
  /**
   * Poison messages SQS moved to the DLQ after maxReceiveCount, because crashes or timeouts used up their
   * receives before a handler got to them; with `poisonDeadLettered` it must equal `poisonInjected`.
   */
  poisonRedriven: number;
  /** Pusher mode: events parked in the pusher's failure queue (counted as not lost); null in other modes. */
  pusherFailures: number | null;
  poisonInjected: number;
  /** Objects whose newest version is not in the table (and not in the DLQ). Must be 0. */
  lost: number;
  /** (object, event) pairs written more than once. Must be 0. */
  doubleWritten: number;
  /** Objects dead-lettered rather than stored (e.g. transient failures that never cleared). */
  objectsDeadLettered: number;
  throttlesInjected: number;
  /** Invocations made to crash mid-invocation. */
  crashesInjected: number;
  durationMs: number;
  filesPerSecond: number;
  /** Every stored object's S3 event → item written. */
  latencyMs: Latency;
  /**
   * The same for the objects after the warm-up: the pipeline's steady state. `warmupObjects`: how many
   * objects the warm-up had (open loop: uploaded, then drained before the rest; closed loop: whose event
   * came in the first `warmupSeconds`).
   */
  steadyLatencyMs: Latency & { objects: number; warmupSeconds: number; warmupObjects: number };
  peakRssMb: number;
  lostKeys: string[];
}

export interface Latency {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

const latencyOf = (sorted: number[]): Latency => ({
  p50: percentile(sorted, 50),
  p95: percentile(sorted, 95),
  p99: percentile(sorted, 99),
});

/** A small seeded generator (mulberry32): the same seed picks the same faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/**
 * Holds back the first version's notification of each reordered key until the second
 * version's has been delivered, so the processor sees the newer event first.
 */
function reorderingHook(reordered: Set<string>): (record: Record<string, unknown>) => Promise<void> {
  const release = new Map<string, () => void>();
  const secondDone = new Map<string, Promise<void>>();
  for (const k of reordered) secondDone.set(k, new Promise((r) => release.set(k, r)));
  const seenFirst = new Set<string>();
  return async (record) => {
    const key = keyOf(record);
    if (!reordered.has(key)) return;
    if (!seenFirst.has(key)) {
      seenFirst.add(key);
      await secondDone.get(key);
    } else {
      // Let the second version's delivery go out first, then release the first.
      setTimeout(() => release.get(key)!(), 20);
    }
  };
}

/**
 * The generated keys, where the environment ingests them: under its prefix, ending with its suffix
 * (prod's is `incoming/`: keys at the bucket root would all be filtered out, and reported lost).
 */
export function loadKeys(cfg: PipelineConfig, files: number): string[] {
  const { prefix, suffix } = cfg.filters;
  return Array.from({ length: files }, (_, i) => `${prefix}load/${String(i).padStart(6, '0')}/object ${i}${suffix || '.txt'}`);
}

/** A content type the environment's pusher accepts (its first exact allowed type, or text/plain). */
export function loadContentType(cfg: PipelineConfig): string {
  const allowed = cfg.filters.allowedContentTypes;
  if (allowed.length === 0) return 'text/plain';
  const exact = allowed.find((t) => !t.endsWith('/*'));
  return exact ?? `${allowed[0]!.slice(0, -2)}/plain`;
}

/**
 * Uploads every key (twice for reordered ones) and returns the ETag each key's newest version
 * must have: `concurrency` at a time (closed loop), or key i at i/rate seconds (open loop).
 */
async function uploadVersions(
  pipeline: LocalPipeline,
  keys: string[],
  reordered: Set<string>,
  pace: { concurrency: number; rate?: number },
  onUploaded: () => void,
): Promise<Map<string, string>> {
  const contentType = loadContentType(pipeline.config);
  const put = (key: string, body: string) => pipeline.upload(key, body, contentType);
  const upload = pace.rate ? put : limitConcurrency(pace.concurrency, put);
  const started = Date.now();
  const startOf = (i: number) =>
    pace.rate ? new Promise<void>((r) => setTimeout(r, Math.max(0, started + (i * 1000) / pace.rate! - Date.now()))) : Promise.resolve();
  const expectedEtag = new Map<string, string>();
  await Promise.all(
    keys.map(async (key, i) => {
      await startOf(i);
      const v1 = `${key} version 1`;
      await upload(key, v1);
      let final = v1;
      if (reordered.has(key)) {
        final = `${key} version 2 (newer)`;
        await upload(key, final);
      }
      expectedEtag.set(key, md5(final));
      onUploaded();
    }),
  );
  return expectedEtag;
}

/**
 * Poison that reached the DLQ by SQS's redrive (no reason: no handler sent it, no object key in it), each body
 * once, and not when a handler's copy of the same body is there too (a crash between its send and its delete).
 */
function redrivenPoison(dlq: DeadLetter[]): number {
  const handled = new Set(dlq.filter((d) => d.source !== undefined).map((d) => d.body));
  return new Set(dlq.filter((d) => d.source === undefined && d.keys.length === 0 && !handled.has(d.body)).map((d) => d.body)).size;
}

/** Conservation: each key's newest version is in the table, or its failure is in the DLQ. */
async function checkConservation(
  pipeline: LocalPipeline,
  keys: string[],
  expectedEtag: Map<string, string>,
  dlqLimit: number,
  isSteady: (key: string, eventAt: number) => boolean,
) {
  const items = await scanItems(pipeline);
  const itemByKey = new Map(items.map((i) => [String(i.s3_key), i]));
  const dlq = (await peekQueue(pipeline.clients.sqs, pipeline.resources.deadLetterQueueUrl, dlqLimit)).map((m) => explainDeadLetter(m));
  // Pusher mode: events Lambda parked in the pusher's failure queue after its retries are not lost either.
  const failuresUrl = pipeline.resources.pusherFailureQueueUrl;
  const parked = failuresUrl ? (await peekQueue(pipeline.clients.sqs, failuresUrl, dlqLimit)).map((m) => explainDeadLetter(m)) : [];
  const deadKeys = new Set([...dlq, ...parked].flatMap((d) => d.keys));
  const timings = keys.flatMap((k) => {
    const item = itemByKey.get(k);
    if (!item) return [];
    const eventAt = Date.parse(String(item.event_time));
    return [{ steady: isSteady(k, eventAt), latency: Date.parse(String(item.processed_at)) - eventAt }];
  });
  const sorted = (ts: typeof timings) => ts.map((t) => t.latency).sort((a, b) => a - b);
  const steady = timings.filter((t) => t.steady);
  return {
    stored: keys.filter((k) => itemByKey.get(k)?.etag === expectedEtag.get(k)).length,
    lostKeys: keys.filter((k) => itemByKey.get(k)?.etag !== expectedEtag.get(k) && !deadKeys.has(k)),
    deadLettered: distinctDeadLetters(dlq).length,
    deadLetterCopies: dlq.length,
    pusherFailures: failuresUrl ? parked.length : null,
    // Parts a handler dead-lettered (poison, with its reason), not objects SQS moved after maxReceiveCount.
    poisonDeadLettered: distinctDeadLetters(dlq.filter((d) => d.source !== undefined)).length,
    poisonRedriven: redrivenPoison(dlq),
    objectsDeadLettered: keys.filter((k) => deadKeys.has(k)).length,
    latencyMs: latencyOf(sorted(timings)),
    steadyLatencyMs: { ...latencyOf(sorted(steady)), objects: steady.length },
    warmupObjects: timings.length - steady.length,
  };
}

/**
 * Drives N generated objects through the local pipeline with faults, then checks
 * conservation: every object's newest version stored exactly once, nothing lost.
 */
export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const random = seededRandom(o.seed ?? 1);
  const proxy = new FaultProxy({ throttleRate: o.transient, random: seededRandom((o.seed ?? 1) + 1) });
  const keys = loadKeys(o.config, o.files);
  const pick = (fraction: number) => new Set(keys.filter(() => random() < fraction));
  const duplicated = pick(o.duplicates);
  const reordered = pick(o.reorder);
  const poisonCount = Math.round(o.files * o.poison);

  // Crashes come somewhere in the first 100 ms of an invocation: mid-batch, some records written, some not.
  const crashRandom = seededRandom((o.seed ?? 1) + 2);
  let crashes = 0;
  const crashAfterMs =
    (o.crash ?? 0) > 0 ? () => (crashRandom() < o.crash! ? (crashes++, Math.floor(crashRandom() * 100)) : null) : undefined;
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  // Every timer and server this run starts ends with it, whether it returns or throws (even at start).
  let progress: NodeJS.Timeout | undefined;
  const cleanUp = async (pipeline?: LocalPipeline) => {
    clearInterval(sampler);
    clearInterval(progress);
    await pipeline?.stop();
    await proxy.stop();
  };
  const pipeline = await startLocalPipeline({
    config: o.config,
    dataDir: o.dataDir,
    reset: true,
    sendTestEvent: false,
    functionEndpoints: async (e) => ({ dynamodb: await proxy.start(e.dynamodb) }),
    deliveryCopies: (record) => (duplicated.has(keyOf(record)) ? 2 : 1),
    beforeDeliver: reorderingHook(reordered),
    crashAfterMs,
    iam: o.iam,
  }).catch(async (e: unknown) => {
    await cleanUp();
    throw e;
  });
  try {
    const started = Date.now();
    let done = 0;
    progress = setInterval(() => o.onProgress?.(`uploaded ${done}/${o.files} · stored ${pipeline.outcomes.count('stored')}`), 1000);
    const warmupSeconds = o.warmupSeconds ?? 5;
    const pace = { concurrency: o.uploadConcurrency ?? 16, rate: o.rate };
    const upload = (part: string[]) => uploadVersions(pipeline, part, reordered, pace, () => done++);
    const { expectedEtag, isSteady } = await uploadWithWarmup(pipeline, o, keys, upload, started, warmupSeconds);
    for (let i = 0; i < poisonCount; i++)
      await pipeline.injectMessage(i % 2 === 0 ? `{"Records":[{"truncated": ${i}` : `not an S3 event #${i}`);
    await pipeline.waitForDrain(o.drainTimeoutMs ?? 600_000);
    const durationMs = Date.now() - started;
    clearInterval(progress);

    const c = await checkConservation(pipeline, keys, expectedEtag, poisonCount + o.files, isSteady);
    return loadReport(o, c, { proxy, poisonCount, crashes, durationMs, warmupSeconds, peakRss });
  } finally {
    await cleanUp(pipeline);
  }
}

/**
 * Uploads every key, and says which objects count as steady state: with `--rate`, the warm-up's uploads go
 * out on schedule and are drained before the measured ones start; closed loop, the objects after the warm-up time.
 */
async function uploadWithWarmup(
  pipeline: LocalPipeline,
  o: LoadOptions,
  keys: string[],
  upload: (part: string[]) => Promise<Map<string, string>>,
  started: number,
  warmupSeconds: number,
): Promise<{ expectedEtag: Map<string, string>; isSteady: (key: string, eventAt: number) => boolean }> {
  if (!o.rate) {
    return { expectedEtag: await upload(keys), isSteady: (_key, eventAt) => eventAt >= started + warmupSeconds * 1000 };
  }
  const warmupKeys = new Set(keys.slice(0, Math.min(keys.length, Math.round(warmupSeconds * o.rate))));
  const warm = await upload([...warmupKeys]);
  if (warmupKeys.size > 0) await pipeline.waitForDrain(o.drainTimeoutMs ?? 600_000);
  return { expectedEtag: new Map([...warm, ...(await upload(keys.slice(warmupKeys.size)))]), isSteady: (key) => !warmupKeys.has(key) };
}

/** The conservation report of a run from what it injected and what the checks found. */
function loadReport(
  o: LoadOptions,
  c: Awaited<ReturnType<typeof checkConservation>>,
  run: { proxy: FaultProxy; poisonCount: number; crashes: number; durationMs: number; warmupSeconds: number; peakRss: number },
): LoadReport {
  const { proxy, poisonCount, crashes, durationMs, warmupSeconds, peakRss } = run;
  return {
    environment: o.config.environment,
    mode: o.config.mode,
    options: {
      files: o.files,
      poison: o.poison,
      duplicates: o.duplicates,
      reorder: o.reorder,
      transient: o.transient,
      crash: o.crash ?? 0,
      rate: o.rate ?? null,
    },
    uploaded: o.files,
    stored: c.stored,
    duplicatesAbsorbed: proxy.stats.conditionFailed,
    deadLettered: c.deadLettered,
    deadLetterCopies: c.deadLetterCopies,
    poisonDeadLettered: c.poisonDeadLettered,
    poisonRedriven: c.poisonRedriven,
    pusherFailures: c.pusherFailures,
    poisonInjected: poisonCount,
    lost: c.lostKeys.length,
    doubleWritten: [...proxy.stats.written.values()].filter((n) => n > 1).length,
    objectsDeadLettered: c.objectsDeadLettered,
    throttlesInjected: proxy.stats.throttled,
    crashesInjected: crashes,
    durationMs,
    filesPerSecond: Math.round((o.files / durationMs) * 1000 * 10) / 10,
    latencyMs: c.latencyMs,
    steadyLatencyMs: { ...c.steadyLatencyMs, warmupSeconds, warmupObjects: c.warmupObjects },
    peakRssMb: Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1048576),
    lostKeys: c.lostKeys.slice(0, 20),
  };
}

function keyOf(record: Record<string, unknown>): string {
  const raw = (record.s3 as { object: { key: string } }).object.key;
  return decodeS3Key(raw);
}
