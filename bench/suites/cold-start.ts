import { gzipSync } from 'node:zlib';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { Context, SQSEvent } from 'aws-lambda';
import { PROJECT_ROOT } from '../../bundling/project-root';
import { bundleDeployedHandler, bundleHandler, HANDLER_ENTRIES } from '../../bundling/bundle-handler';
import { encodeS3Key } from '../../src/core/s3-key';
import { localAwsEnvironment } from '../../src/local/local-clients';
import { BENCH_BUCKET, BENCH_TABLE, objectKey, type ServerEndpoints } from '../lib/servers';
import { figure, type Figure } from '../lib/stats';
import { runInChild } from './processor';

export const COLD_VARIANTS = ['bundled (shipped)', 'bundled, SDK from runtime', 'unbundled (node_modules)'] as const;
type ColdVariant = (typeof COLD_VARIANTS)[number];

/** Builds the three packagings of the processor and returns the file to load for each. */
export function buildColdStartVariants(): Record<ColdVariant, string> {
  const external = bundleHandler({ entry: HANDLER_ENTRIES.processor, outDir: join('.build', 'bench', 'processor-sdk-external'), externalSdk: true });
  const unbundledFile = join(PROJECT_ROOT, '.build', 'bench', 'processor-unbundled', 'index.js');
  buildSync({
    entryPoints: [join(PROJECT_ROOT, HANDLER_ENTRIES.processor)],
    outfile: unbundledFile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    logLevel: 'warning',
  });
  return { 'bundled (shipped)': bundleDeployedHandler('processor').file, 'bundled, SDK from runtime': external.file, 'unbundled (node_modules)': unbundledFile };
}

export interface ColdRunResult {
  initMs: number;
  firstInvokeMs: number;
  /** From process start to the end of the first invocation. */
  totalMs: number;
  /** Bytes of every module file loaded by the handler. */
  loadedBytes: number;
  loadedFiles: number;
}

/** Runs in a fresh process: load the handler (cold start), invoke it once. */
export async function runColdStart(p: { file: string; endpoints: { dynamodb: string; s3: string; sqs: string } }): Promise<ColdRunResult> {
  Object.assign(process.env, localAwsEnvironment(p.endpoints, 'eu-west-1'), {
    TABLE_NAME: BENCH_TABLE,
    DEAD_LETTER_QUEUE_URL: `${p.endpoints.sqs}/123456789012/bench-dlq`,
    RECORD_CONCURRENCY: '10',
    HANDLE_DELETES: 'false',
    POWERTOOLS_SERVICE_NAME: 'processor',
    POWERTOOLS_METRICS_NAMESPACE: 'FileIngestion/bench',
    AWS_LAMBDA_FUNCTION_NAME: 'bench-processor',
  });
  const before = new Set(Object.keys(require.cache));
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require(p.file) as { handler: (e: SQSEvent, c: Context) => Promise<unknown> };
  const t1 = performance.now();
  const sequencer = (BigInt(Date.now()) * 1_000_000n).toString(16).toUpperCase();
  const body = JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), s3: { bucket: { name: BENCH_BUCKET }, object: { key: encodeS3Key(objectKey(0)), size: 12, sequencer } } }] });
  const result = (await handler({ Records: [{ messageId: 'cold', body } as SQSEvent['Records'][number]] }, { getRemainingTimeInMillis: () => 30_000 } as Context)) as { batchItemFailures: unknown[] };
  const t2 = performance.now();
  if (result.batchItemFailures.length) throw new Error('the cold invocation failed');
  const loaded = Object.keys(require.cache).filter((f) => !before.has(f));
  return { initMs: t1 - t0, firstInvokeMs: t2 - t1, totalMs: t2, loadedBytes: loaded.reduce((n, f) => n + statSync(f).size, 0), loadedFiles: loaded.length };
}

export interface ColdStartFigures {
  variant: ColdVariant;
  bundleBytes: number;
  bundleGzipBytes: number;
  loadedBytes: number;
  loadedFiles: number;
  initMs: Figure;
  firstInvokeMs: Figure;
  initPlusFirstMs: Figure;
  processTotalMs: Figure;
}

export async function coldStartSuite(servers: ServerEndpoints, o: { runs: number; log: (s: string) => void }): Promise<ColdStartFigures[]> {
  const files = buildColdStartVariants();
  const out: ColdStartFigures[] = [];
  for (const variant of COLD_VARIANTS) {
    const file = files[variant];
    const runs: ColdRunResult[] = [];
    // NODE_OPTIONS as the deployed function has it: Node then parses the source map at load.
    for (let i = 0; i < o.runs; i++) runs.push(await runInChild<ColdRunResult>('cold-start', { file, endpoints: servers.byLatency['0']! }, { NODE_OPTIONS: '--enable-source-maps' }));
    const bytes = readFileSync(file);
    const f: ColdStartFigures = {
      variant,
      bundleBytes: bytes.length,
      bundleGzipBytes: gzipSync(bytes).length,
      loadedBytes: runs[0]!.loadedBytes,
      loadedFiles: runs[0]!.loadedFiles,
      initMs: figure(runs.map((r) => r.initMs)),
      firstInvokeMs: figure(runs.map((r) => r.firstInvokeMs)),
      initPlusFirstMs: figure(runs.map((r) => r.initMs + r.firstInvokeMs)),
      processTotalMs: figure(runs.map((r) => r.totalMs)),
    };
    o.log(`  cold start ${variant}: init ${f.initMs.median} ms + first call ${f.firstInvokeMs.median} ms, ${f.loadedFiles} files / ${f.loadedBytes} bytes loaded`);
    out.push(f);
  }
  return out;
}
