import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { PROJECT_ROOT } from '../../config/project-root';
import { bundleDeployedHandler } from '../../bundling/bundle-handler';
import { encodeS3Key } from '../../src/core/s3-key';
import { PUSHER_MESSAGE_TYPE } from '../../src/core/types';
import { localAwsEnvironment } from '../../local/local-clients';
import { powertoolsBaselineHandler } from '../baselines/powertools-baseline';
import { powertoolsConditionalHandler } from '../baselines/powertools-conditional';
import { rawCeilingHandler } from '../baselines/raw-ceiling';
import { unconditionalWriterHandler } from '../baselines/unconditional-writer';
import { benchProcessorEnvironment } from '../lib/bench-config';
import { BENCH_BUCKET, BENCH_TABLE, objectKey, type ServerEndpoints } from '../lib/servers';
import { figure, percentile, type Figure } from '../lib/stats';
import { DEFAULT_LAMBDA_RUNTIME } from '../../config/runtimes';
import { lambdaNodeFor } from '../../local/lambda-node';

/**
 * `ours-*` is the shipped bundle as deployed: Powertools logger and metrics on, X-Ray tracing
 * active — a trace header per invocation, sampled as Lambda samples by default (see
 * {@link defaultSampling}), the sampled invocations' segments sent over UDP to a sink.
 * `-sampled`: every invocation traced (a 100 % sampling rule, the worst case); `-untraced`: tracing
 * off. The rest are peers on the same services and batches.
 */
export const VARIANTS = [
  'ours-pusher',
  'ours-pusher-sampled',
  'ours-pusher-untraced',
  'ours-direct',
  'unconditional-writer',
  'powertools',
  'powertools-conditional',
  'ceiling-pusher',
  'ceiling-direct',
] as const;
export type Variant = (typeof VARIANTS)[number];

/** Where the SDK calls go: the thin double (the handler's own cost) or dynalite/s3rver (a realistic server). */
export type Target = 'double' | 'dynalite';

export interface ProcessorRunParams {
  variant: Variant;
  batchSize: number;
  records: number;
  objects: number;
  endpoints: { dynamodb: string; s3: string; sqs: string };
  /** UDP address of the X-Ray sink, for the traced variants. */
  xrayDaemon: string;
}

export interface ProcessorRunResult {
  recordsPerSecond: number;
  p50BatchMs: number;
  p99BatchMs: number;
  /** Mean wall time of one invocation (what Lambda bills). */
  meanInvocationMs: number;
  /** CPU (user + system) of the handler's process per record, µs, timed loop only. */
  cpuUsPerRecord: number;
  peakRssMb: number;
}

const TRACED: readonly Variant[] = ['ours-pusher', 'ours-pusher-sampled', 'ours-direct'];
const ALL_SAMPLED: readonly Variant[] = ['ours-pusher-sampled'];
const PUSHER_SHAPED: readonly Variant[] = [
  'ours-pusher',
  'ours-pusher-sampled',
  'ours-pusher-untraced',
  'ceiling-pusher',
  'powertools-conditional',
];

/**
 * Lambda's sampling decision under active tracing with X-Ray's default rule: the first request
 * each second, then five percent of the others (docs.aws.amazon.com/xray/latest/devguide/
 * xray-console-sampling.html; an SQS-triggered invocation has no upstream decision). Every 20th
 * rather than a random 5 %, so runs compare.
 */
export function defaultSampling(now: () => number = Date.now): () => boolean {
  let second = -1;
  let others = 0;
  return () => {
    const current = Math.floor(now() / 1000);
    if (current !== second) {
      second = current;
      others = 0;
      return true;
    }
    others++;
    return others % 20 === 0;
  };
}

/** A fresh X-Ray trace header per invocation, as Lambda sets `_X_AMZN_TRACE_ID`. */
function traceHeader(sampled: boolean): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(24)};Parent=${hex(16)};Sampled=${sampled ? 1 : 0}`;
}

const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

function bodyFor(variant: Variant, i: number, objects: number, sequencer: string): string {
  // The baselines' unconditional puts would drop ordering_key from items that ours and the
  // ceiling then compare against; they write their own keys (they never read the object).
  const baseline = variant === 'unconditional-writer' || variant === 'powertools';
  const key = `${baseline ? 'baseline/' : variant === 'powertools-conditional' ? 'ptc/' : ''}${objectKey(i % objects)}`;
  if (PUSHER_SHAPED.includes(variant)) {
    return JSON.stringify({
      type: PUSHER_MESSAGE_TYPE,
      bucket: BENCH_BUCKET,
      key,
      eventName: 'ObjectCreated:Put',
      eventTime: new Date().toISOString(),
      sequencer,
      size: 12,
      etag: 'e',
      contentType: 'text/plain',
    });
  }
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: { s3SchemaVersion: '1.0', bucket: { name: BENCH_BUCKET }, object: { key: encodeS3Key(key), size: 12, eTag: 'e', sequencer } },
      },
    ],
  });
}

/** Runs inside a fresh child process: loads one variant, pushes `records` through it in batches, one invocation at a time. */
export async function runProcessorVariant(p: ProcessorRunParams): Promise<ProcessorRunResult> {
  // BENCH_LOG_LEVEL and BENCH_PROCESSOR_FILE exist for profiling (another log level, the unbundled build).
  const { NODE_OPTIONS: _nodeOptions, ...environment } = benchProcessorEnvironment(p.endpoints.sqs, Math.min(100, p.batchSize));
  const traced = TRACED.includes(p.variant);
  Object.assign(process.env, localAwsEnvironment(p.endpoints, 'eu-west-1'), environment, {
    POWERTOOLS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? environment.POWERTOOLS_LOG_LEVEL,
    // As in Lambda: metrics printed (EMF), the X-Ray SDK in Lambda mode sending to a daemon address.
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_TRACE_ENABLED: String(traced),
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    LAMBDA_TASK_ROOT: PROJECT_ROOT,
    AWS_XRAY_DAEMON_ADDRESS: p.xrayDaemon,
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  });
  let handler: (e: SQSEvent, c: Context) => Promise<unknown>;
  if (p.variant.startsWith('ours')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = require(process.env.BENCH_PROCESSOR_FILE ?? bundleDeployedHandler('processor').file).handler;
  } else if (p.variant === 'unconditional-writer') handler = unconditionalWriterHandler(BENCH_TABLE);
  else if (p.variant === 'powertools') handler = powertoolsBaselineHandler(BENCH_TABLE) as typeof handler;
  else if (p.variant === 'powertools-conditional') handler = powertoolsConditionalHandler(BENCH_TABLE) as typeof handler;
  else
    handler = rawCeilingHandler({ tableName: BENCH_TABLE, head: p.variant === 'ceiling-direct', concurrency: Math.min(100, p.batchSize) });

  // Sequencers grow with the clock, so every run's writes are newer than the last run's.
  const base = BigInt(Date.now()) * 1_000_000n;
  const batch = (from: number): SQSEvent => ({
    Records: Array.from({ length: p.batchSize }, (_, j): SQSRecord => {
      const i = from + j;
      return {
        messageId: `m-${i}`,
        receiptHandle: 'r',
        body: bodyFor(p.variant, i, p.objects, (base + BigInt(i)).toString(16).toUpperCase()),
        attributes: {} as SQSRecord['attributes'],
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn',
        awsRegion: 'eu-west-1',
      };
    }),
  });
  const sample = ALL_SAMPLED.includes(p.variant) ? () => true : defaultSampling();
  const invoke = (event: SQSEvent) => {
    if (traced) process.env._X_AMZN_TRACE_ID = traceHeader(sample());
    return handler(event, context);
  };
  await invoke(batch(p.records)); // warm-up: cold start and connection set-up are not throughput
  // Built before timing: the harness's JSON is not the handler's cost.
  const batches = Array.from({ length: Math.ceil(p.records / p.batchSize) }, (_, b) => batch(b * p.batchSize));
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  for (const event of batches) {
    const t = performance.now();
    const result = (await invoke(event)) as { batchItemFailures?: unknown[] } | undefined;
    if (result?.batchItemFailures?.length) throw new Error(`${p.variant}: ${result.batchItemFailures.length} records failed`);
    latencies.push(performance.now() - t);
  }
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const records = batches.length * p.batchSize;
  return {
    recordsPerSecond: records / (elapsed / 1000),
    p50BatchMs: percentile(latencies, 50),
    p99BatchMs: percentile(latencies, 99),
    meanInvocationMs: elapsed / batches.length,
    cpuUsPerRecord: (cpu.user + cpu.system) / records,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/** Spawns a fresh process per run; the handlers' own stdout (logs, EMF) goes nowhere, as it would to CloudWatch. */
export function runInChild<T>(task: string, params: unknown, env: NodeJS.ProcessEnv = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    // The handler runs in this child: on the runtime's Node major, as in Lambda (local/lambda-node.ts).
    const child = spawn(
      lambdaNodeFor(DEFAULT_LAMBDA_RUNTIME).path,
      [join(PROJECT_ROOT, 'dist', 'bench.js'), task, JSON.stringify(params)],
      {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      const line = err.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)) as T);
      else reject(new Error(`${task} failed (${code}): ${err.slice(-2000)}`));
    });
  });
}

export interface ProcessorFigures {
  /** Absent from results written before the double existed (those ran on dynalite). */
  target?: Target;
  variant: Variant;
  batchSize: number;
  latencyMs: number;
  recordsPerSecond: Figure;
  p50BatchMs: Figure;
  p99BatchMs: Figure;
  meanInvocationMs?: Figure;
  cpuUsPerRecord?: Figure;
  peakRssMb?: Figure;
}

/** On dynalite (the second, realistic table) ours and the peers it is compared with; the double runs them all. */
export const DYNALITE_VARIANTS: readonly Variant[] = [
  'ours-pusher',
  'ours-direct',
  'powertools-conditional',
  'ceiling-pusher',
  'ceiling-direct',
];

export async function processorSuite(
  targets: Partial<Record<Target, ServerEndpoints>>,
  xrayDaemon: string,
  o: {
    records: number;
    objects: number;
    repeats: number;
    batchSizes: number[];
    latencies: number[];
    variants?: readonly Variant[];
    log: (s: string) => void;
  },
): Promise<ProcessorFigures[]> {
  const out: ProcessorFigures[] = [];
  for (const [target, servers] of Object.entries(targets) as Array<[Target, ServerEndpoints]>) {
    for (const latencyMs of o.latencies) {
      for (const batchSize of o.batchSizes) {
        const variants = o.variants ?? (target === 'dynalite' ? DYNALITE_VARIANTS : VARIANTS);
        // The unconditional writer's one-at-a-time loop takes minutes at 5 ms; a fifth of the records says the same.
        const recordsOf = (variant: Variant) =>
          variant === 'unconditional-writer' && latencyMs > 0 ? Math.max(batchSize * 2, Math.round(o.records / 5)) : o.records;
        // Repeats interleaved (every variant once, then every variant again): this shared VM's speed drifts by up to
        // 2× within minutes, and run back to back, one variant's three runs could all fall in a slow phase.
        const runsOf = new Map<Variant, ProcessorRunResult[]>(variants.map((v) => [v, []]));
        for (let r = 0; r < o.repeats; r++) {
          for (const variant of variants) {
            const params = {
              variant,
              batchSize,
              records: recordsOf(variant),
              objects: o.objects,
              endpoints: servers.byLatency[String(latencyMs)]!,
              xrayDaemon,
            };
            runsOf.get(variant)!.push(await runInChild<ProcessorRunResult>('processor-run', params));
          }
        }
        for (const variant of variants) {
          const runs = runsOf.get(variant)!;
          const f: ProcessorFigures = {
            target,
            variant,
            batchSize,
            latencyMs,
            recordsPerSecond: figure(runs.map((x) => x.recordsPerSecond)),
            p50BatchMs: figure(runs.map((x) => x.p50BatchMs)),
            p99BatchMs: figure(runs.map((x) => x.p99BatchMs)),
            meanInvocationMs: figure(runs.map((x) => x.meanInvocationMs)),
            cpuUsPerRecord: figure(runs.map((x) => x.cpuUsPerRecord)),
            peakRssMb: figure(runs.map((x) => x.peakRssMb)),
          };
          o.log(
            `  processor [${target}] ${variant} batch ${batchSize} @${latencyMs}ms: ${f.recordsPerSecond.median} rec/s (±${f.recordsPerSecond.spreadPct}%), ${f.cpuUsPerRecord?.median} µs CPU/record`,
          );
          out.push(f);
        }
      }
    }
  }
  return out;
}
