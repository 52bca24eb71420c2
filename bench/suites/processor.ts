import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { PROJECT_ROOT } from '../../config/project-root';
import { bundleDeployedHandler } from '../../bundling/bundle-handler';
import { encodeS3Key } from '../../src/core/s3-key';
import { PUSHER_MESSAGE_TYPE } from '../../src/core/types';
import { localAwsEnvironment } from '../../local/local-clients';
import { powertoolsBaselineHandler } from '../baselines/powertools-baseline';
import { rawCeilingHandler } from '../baselines/raw-ceiling';
import { seedStyleHandler } from '../baselines/seed-style';
import { benchProcessorEnvironment } from '../lib/bench-config';
import { BENCH_BUCKET, BENCH_TABLE, objectKey, type ServerEndpoints } from '../lib/servers';
import { figure, percentile, type Figure } from '../lib/stats';

export const VARIANTS = ['ours-direct', 'ours-pusher', 'seed-style', 'powertools', 'ceiling-direct', 'ceiling-pusher'] as const;
export type Variant = (typeof VARIANTS)[number];

export interface ProcessorRunParams {
  variant: Variant;
  batchSize: number;
  records: number;
  objects: number;
  endpoints: { dynamodb: string; s3: string; sqs: string };
}

export interface ProcessorRunResult {
  recordsPerSecond: number;
  p50BatchMs: number;
  p99BatchMs: number;
}

const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

function bodyFor(variant: Variant, i: number, objects: number, sequencer: string): string {
  // The baselines' unconditional puts would drop ordering_key from items that ours and the
  // ceiling then compare against; they write their own keys (they never read the object).
  const baseline = variant === 'seed-style' || variant === 'powertools';
  const key = `${baseline ? 'baseline/' : ''}${objectKey(i % objects)}`;
  if (variant === 'ours-pusher' || variant === 'ceiling-pusher') {
    return JSON.stringify({ type: PUSHER_MESSAGE_TYPE, bucket: BENCH_BUCKET, key, eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), sequencer, size: 12, etag: 'e', contentType: 'text/plain' });
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
  Object.assign(process.env, localAwsEnvironment(p.endpoints, 'eu-west-1'), environment, { POWERTOOLS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? environment.POWERTOOLS_LOG_LEVEL });
  let handler: (e: SQSEvent, c: Context) => Promise<unknown>;
  if (p.variant.startsWith('ours')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = require(process.env.BENCH_PROCESSOR_FILE ?? bundleDeployedHandler('processor').file).handler;
  } else if (p.variant === 'seed-style') handler = seedStyleHandler(BENCH_TABLE);
  else if (p.variant === 'powertools') handler = powertoolsBaselineHandler(BENCH_TABLE) as typeof handler;
  else handler = rawCeilingHandler({ tableName: BENCH_TABLE, head: p.variant === 'ceiling-direct', concurrency: Math.min(100, p.batchSize) });

  // Sequencers grow with the clock, so every run's writes are newer than the last run's.
  const base = BigInt(Date.now()) * 1_000_000n;
  const batch = (from: number): SQSEvent => ({
    Records: Array.from({ length: p.batchSize }, (_, j): SQSRecord => {
      const i = from + j;
      return { messageId: `m-${i}`, receiptHandle: 'r', body: bodyFor(p.variant, i, p.objects, (base + BigInt(i)).toString(16).toUpperCase()), attributes: {} as SQSRecord['attributes'], messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn', awsRegion: 'eu-west-1' };
    }),
  });
  await handler(batch(p.records), context); // warm-up: cold start and connection set-up are not throughput
  const latencies: number[] = [];
  const started = performance.now();
  for (let from = 0; from < p.records; from += p.batchSize) {
    const t = performance.now();
    const result = (await handler(batch(from), context)) as { batchItemFailures?: unknown[] } | undefined;
    if (result?.batchItemFailures?.length) throw new Error(`${p.variant}: ${result.batchItemFailures.length} records failed`);
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  return { recordsPerSecond: p.records / seconds, p50BatchMs: percentile(latencies, 50), p99BatchMs: percentile(latencies, 99) };
}

/** Spawns a fresh process per run; the handlers' own stdout (logs, EMF) goes nowhere, as it would to CloudWatch. */
export function runInChild<T>(task: string, params: unknown, env: NodeJS.ProcessEnv = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [join(PROJECT_ROOT, 'dist', 'bench.js'), task, JSON.stringify(params)], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    });
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
  variant: Variant;
  batchSize: number;
  latencyMs: number;
  recordsPerSecond: Figure;
  p50BatchMs: Figure;
  p99BatchMs: Figure;
}

export async function processorSuite(
  servers: ServerEndpoints,
  o: { records: number; objects: number; repeats: number; batchSizes: number[]; latencies: number[]; variants?: readonly Variant[]; log: (s: string) => void },
): Promise<ProcessorFigures[]> {
  const out: ProcessorFigures[] = [];
  for (const latencyMs of o.latencies) {
    for (const batchSize of o.batchSizes) {
      for (const variant of o.variants ?? VARIANTS) {
        // The seed's one-at-a-time loop takes minutes at 5 ms; a fifth of the records says the same.
        const records = variant === 'seed-style' && latencyMs > 0 ? Math.max(batchSize * 2, Math.round(o.records / 5)) : o.records;
        const runs: ProcessorRunResult[] = [];
        for (let r = 0; r < o.repeats; r++) {
          runs.push(await runInChild<ProcessorRunResult>('processor-run', { variant, batchSize, records, objects: o.objects, endpoints: servers.byLatency[String(latencyMs)]! }));
        }
        const f = {
          variant,
          batchSize,
          latencyMs,
          recordsPerSecond: figure(runs.map((x) => x.recordsPerSecond)),
          p50BatchMs: figure(runs.map((x) => x.p50BatchMs)),
          p99BatchMs: figure(runs.map((x) => x.p99BatchMs)),
        };
        o.log(`  processor ${variant} batch ${batchSize} @${latencyMs}ms: ${f.recordsPerSecond.median} rec/s (±${f.recordsPerSecond.spreadPct}%)`);
        out.push(f);
      }
    }
  }
  return out;
}
