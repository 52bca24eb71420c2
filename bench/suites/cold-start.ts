import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { PROJECT_ROOT } from '../../config/project-root';
import { bundleDeployedHandler, bundleHandler, HANDLER_ENTRIES } from '../../bundling/bundle-handler';
import { localAwsEnvironment } from '../../local/local-clients';
import { benchProcessorEnvironment } from '../lib/bench-config';
import { BENCH_BUCKET, objectKey, type ServerEndpoints } from '../lib/servers';
import { figure, type Figure } from '../lib/stats';
import { spawn } from 'node:child_process';
import { DEFAULT_LAMBDA_RUNTIME } from '../../config/runtimes';
import { lambdaNodeFor } from '../../local/lambda-node';

export const COLD_VARIANTS = [
  'bundled (shipped)',
  'bundled, SDK from runtime',
  'unbundled (node_modules)',
  'Powertools peer (typical handler)',
] as const;
/** The packagings of the shipped processor (the peer is another handler, the yardstick). */
export const OUR_COLD_VARIANTS: readonly string[] = COLD_VARIANTS.filter((v) => v !== 'Powertools peer (typical handler)');
type ColdVariant = (typeof COLD_VARIANTS)[number];

/** Builds the three packagings of the processor and returns the file to load for each. */
export function buildColdStartVariants(): Record<ColdVariant, string> {
  const external = bundleHandler({
    entry: HANDLER_ENTRIES.processor,
    outDir: join('.build', 'bench', 'processor-sdk-external'),
    externalSdk: true,
  });
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
  // The peer bundled as the issue defines it: minified, the same SDK build as ours (its ESM entry points, which
  // tree-shake far better than esbuild's default CommonJS ones), a linked source map, no X-Ray context shim.
  const peerFile = join(PROJECT_ROOT, '.build', 'bench', 'powertools-peer', 'index.js');
  buildSync({
    entryPoints: [join(PROJECT_ROOT, 'bench', 'peer', 'powertools-peer.ts')],
    outfile: peerFile,
    bundle: true,
    minify: true,
    mainFields: ['module', 'main'],
    sourcemap: 'linked',
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    logLevel: 'warning',
  });
  return {
    'bundled (shipped)': bundleDeployedHandler('processor').file,
    'bundled, SDK from runtime': external.file,
    'unbundled (node_modules)': unbundledFile,
    'Powertools peer (typical handler)': peerFile,
  };
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

/**
 * The child is plain JavaScript with no imports but Node's own, so nothing (the SDK above
 * all) is loaded before the handler: each run pays the handler's whole cold start.
 */
const COLD_CHILD = `
const { statSync } = require('node:fs');
const before = new Set(Object.keys(require.cache));
const t0 = performance.now();
const { handler } = require(process.env.COLD_FILE);
const t1 = performance.now();
const sequencer = (BigInt(Date.now()) * 1000000n).toString(16).toUpperCase();
const key = encodeURIComponent(process.env.COLD_KEY).replace(/%20/g, '+').replace(/%2F/g, '/');
const body = JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), s3: { bucket: { name: process.env.COLD_BUCKET }, object: { key, size: 12, sequencer } } }] });
handler({ Records: [{ messageId: 'cold', body }] }, { getRemainingTimeInMillis: () => 30000 }).then((result) => {
  const t2 = performance.now();
  if (result.batchItemFailures.length) throw new Error('the cold invocation failed');
  const loaded = Object.keys(require.cache).filter((f) => !before.has(f));
  const loadedBytes = loaded.reduce((n, f) => n + statSync(f).size, 0);
  process.stderr.write('RESULT ' + JSON.stringify({ initMs: t1 - t0, firstInvokeMs: t2 - t1, totalMs: t2, loadedBytes, loadedFiles: loaded.length }) + '\\n');
}).catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

/**
 * The unbundled build's init, split by what it loads: every require issued by the handler's own
 * file is timed (inclusive) and charged to its package group; aws-xray-sdk-core, which the tracer
 * loads, is timed wherever it is required and taken out of the tracer's share. What remains of
 * the module init is our code (including creating the SDK clients and Powertools objects).
 */
const BREAKDOWN_CHILD = `
const Module = require('node:module');
const groupOf = (request) =>
  request.startsWith('@aws-sdk/') ? 'SDK clients' :
  request === 'aws-xray-sdk-core' ? 'aws-xray-sdk-core' :
  request.startsWith('@aws-lambda-powertools/tracer') ? 'Powertools tracer' :
  request.startsWith('@aws-lambda-powertools/') ? 'Powertools logger, metrics, batch' : null;
const spent = {};
const load = Module._load;
let inXray = false;
Module._load = function (request, parent, isMain) {
  const group = groupOf(request);
  const top = parent && parent.filename === process.env.COLD_FILE;
  if (!group || (!top && !(group === 'aws-xray-sdk-core' && !inXray))) return load.apply(this, arguments);
  const xray = group === 'aws-xray-sdk-core';
  if (xray) inXray = true;
  const t = performance.now();
  try { return load.apply(this, arguments); } finally {
    const ms = performance.now() - t;
    spent[group] = (spent[group] || 0) + ms;
    if (xray) { inXray = false; if (!top) spent['Powertools tracer'] = (spent['Powertools tracer'] || 0) - ms; }
  }
};
const t0 = performance.now();
const { handler } = require(process.env.COLD_FILE);
const t1 = performance.now();
const sequencer = (BigInt(Date.now()) * 1000000n).toString(16).toUpperCase();
const key = encodeURIComponent(process.env.COLD_KEY).replace(/%20/g, '+').replace(/%2F/g, '/');
const body = JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), s3: { bucket: { name: process.env.COLD_BUCKET }, object: { key, size: 12, sequencer } } }] });
handler({ Records: [{ messageId: 'cold', body }] }, { getRemainingTimeInMillis: () => 30000 }).then(() => {
  const t2 = performance.now();
  const libraries = Object.values(spent).reduce((a, b) => a + b, 0);
  process.stderr.write('RESULT ' + JSON.stringify({ ...spent, 'our code': t1 - t0 - libraries, 'first invocation': t2 - t1 }) + '\\n');
}).catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

function runColdChild(file: string, endpoints: { dynamodb: string; s3: string; sqs: string }, script = COLD_CHILD): Promise<ColdRunResult> {
  const env = {
    PATH: process.env.PATH ?? '',
    ...localAwsEnvironment(endpoints, 'eu-west-1'),
    // As the deployed function has it, NODE_OPTIONS=--enable-source-maps included: Node parses the source map at load.
    ...benchProcessorEnvironment(endpoints.sqs, 10),
    COLD_FILE: file,
    COLD_KEY: objectKey(0),
    COLD_BUCKET: BENCH_BUCKET,
  };
  return new Promise((resolve, reject) => {
    // On the runtime's Node major, as Lambda runs it (local/lambda-node.ts), not the machine's.
    const child = spawn(lambdaNodeFor(DEFAULT_LAMBDA_RUNTIME).path, ['-e', script], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      const line = err.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)) as ColdRunResult);
      else reject(new Error(`cold start run failed (${code}): ${err.slice(-1500)}`));
    });
  });
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

/** Median ms per part of the unbundled build's cold start (see BREAKDOWN_CHILD). */
export type ColdStartBreakdown = Record<string, Figure>;

export async function coldStartBreakdown(
  servers: ServerEndpoints,
  o: { runs: number; log: (s: string) => void },
): Promise<ColdStartBreakdown> {
  const file = buildColdStartVariants()['unbundled (node_modules)'];
  const runs: Array<Record<string, number>> = [];
  for (let i = 0; i < o.runs; i++)
    runs.push((await runColdChild(file, servers.byLatency['0']!, BREAKDOWN_CHILD)) as unknown as Record<string, number>);
  const parts = Object.keys(runs[0]!);
  const out = Object.fromEntries(parts.map((part) => [part, figure(runs.map((r) => r[part] ?? 0))]));
  o.log(`  cold start breakdown (unbundled): ${parts.map((p) => `${p} ${out[p]!.median} ms`).join(', ')}`);
  return out;
}

export async function coldStartSuite(servers: ServerEndpoints, o: { runs: number; log: (s: string) => void }): Promise<ColdStartFigures[]> {
  const files = buildColdStartVariants();
  const out: ColdStartFigures[] = [];
  // Interleaved, as the processor's repeats: a slow phase of this shared VM falls on every packaging alike.
  const runsOf = new Map<ColdVariant, ColdRunResult[]>(COLD_VARIANTS.map((v) => [v, []]));
  for (let i = 0; i < o.runs; i++)
    for (const variant of COLD_VARIANTS) runsOf.get(variant)!.push(await runColdChild(files[variant], servers.byLatency['0']!));
  for (const variant of COLD_VARIANTS) {
    const file = files[variant];
    const runs = runsOf.get(variant)!;
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
    o.log(
      `  cold start ${variant}: init ${f.initMs.median} ms + first call ${f.firstInvokeMs.median} ms, ${f.loadedFiles} files / ${f.loadedBytes} bytes loaded`,
    );
    out.push(f);
  }
  return out;
}
