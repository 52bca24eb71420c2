import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, totalmem, release } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root';
import { runServers, type ServerEndpoints } from './lib/servers';
import { runDoubles, type DoubleEndpoints } from './lib/doubles';
import { coldStartBreakdown, coldStartSuite } from './suites/cold-start';
import { localPipelineSuite, runLoadChild } from './suites/local-pipeline';
import { processorSuite, runProcessorVariant } from './suites/processor';
import { distributedReconcileSuite, runDistributedChild } from './suites/distributed-reconcile';
import { reconcileSuite, runReconcileChild } from './suites/reconcile';
import { tracingSuite } from './suites/tracing';
import { toolchainSuite } from './suites/toolchain';
import { renderMarkdown, type BenchResults } from './report';
import { BENCH_USAGE, parseBenchArgs, type BenchArgs, type BenchSuite } from './lib/bench-args';
import { DEFAULT_LAMBDA_RUNTIME } from '../config/runtimes';
import { lambdaNodeFor } from '../local/lambda-node';

const log = (s: string) => process.stderr.write(`${s}\n`);

/** A server process of the bench (`servers`: emulators and latency proxies; `double`: the thin service double), for the whole run. */
function startServerProcess<T>(task: string, params: unknown): Promise<{ endpoints: T; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [join(PROJECT_ROOT, 'dist', 'bench.js'), task, JSON.stringify(params)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const line = err.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) resolve({ endpoints: JSON.parse(line.slice(7)), child });
    });
    child.on('close', (code) => reject(new Error(`bench ${task} exited ${code}: ${err}`)));
  });
}

const startServers = (objects: number, latencies: number[]) => startServerProcess<ServerEndpoints>('servers', { objects, latencies });
const startDoubles = (latencies: number[]) => startServerProcess<DoubleEndpoints>('double', { latencies });

/** How much each suite runs: `--quick` is CI's smoke run, the default the figures in docs/benchmarks.md. */
function benchParameters(quick: boolean) {
  return quick
    ? {
        records: 500,
        repeats: 1,
        coldRuns: 5,
        loadFiles: 1000,
        loadRepeats: 1,
        synthRepeats: 1,
        tests: false,
        reconcileObjects: 1000,
        tracingRuns: 3,
        tracingInvocations: 50,
      }
    : {
        records: 3000,
        repeats: 3,
        coldRuns: 20,
        loadFiles: 10000,
        loadRepeats: 3,
        synthRepeats: 3,
        tests: true,
        reconcileObjects: 10000,
        tracingRuns: 9,
        tracingInvocations: 200,
      };
}

function emptyResults(quick: boolean, p: ReturnType<typeof benchParameters>, objects: number): BenchResults {
  return {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    durationSeconds: 0,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      // The handlers' Node: the default runtime's major (local/lambda-node.ts), as in Lambda.
      functionsNode: `v${lambdaNodeFor(DEFAULT_LAMBDA_RUNTIME).version}`,
      os: release(),
    },
    parameters: {
      ...p,
      objects,
      note: 'processor: one invocation at a time, warm; 5 ms = a delay proxy per request; unconditional-writer at 5 ms runs a fifth of the records',
    },
    commands: { full: 'npm run bench', quick: 'npm run bench -- --quick' },
    processor: [],
    coldStart: [],
    localPipeline: [],
    reconcile: [],
    toolchain: [],
    errors: [],
  };
}

async function main(argv: string[]): Promise<void> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (e) {
    log(`${(e as Error).message}\n\n${BENCH_USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) return void process.stdout.write(`${BENCH_USAGE}\n`);
  // `--only cold-start` (or processor, local-pipeline, reconcile, toolchain) reruns one suite into the existing results.
  const { quick, only } = args;
  const wanted = (name: BenchSuite) => only === undefined || only === name;
  const p = benchParameters(quick);
  const objects = 1000;
  const started = Date.now();
  const file = join(PROJECT_ROOT, 'bench', quick ? 'results-quick.json' : 'results.json');
  const previous = only && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BenchResults) : undefined;
  const results: BenchResults = previous ? { ...previous, errors: [] } : emptyResults(quick, p, objects);
  // Results are written after every suite, and a failing suite is recorded, not fatal: a long run never loses the rest.
  const save = () => {
    results.durationSeconds = Math.round((Date.now() - started) / 1000);
    mkdirSync(join(PROJECT_ROOT, 'bench'), { recursive: true });
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  };
  const suite = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (e) {
      results.errors!.push(`${name}: ${(e as Error).message.slice(0, 2000)}`);
      log(`  ${name} FAILED: ${(e as Error).message.slice(0, 500)}`);
    }
    save();
  };
  if (wanted('processor') || wanted('cold-start')) {
    log(`bench (${quick ? 'quick' : 'full'}): starting emulators, 5 ms latency proxies and the service doubles in separate processes`);
    const { endpoints, child } = await startServers(objects, [0, 5]);
    const doubles = await startDoubles([0, 5]);
    try {
      if (wanted('processor')) {
        await suite('processor', async () => {
          const targets = { double: { byLatency: doubles.endpoints.byLatency }, dynalite: endpoints };
          results.processor = await processorSuite(targets, doubles.endpoints.xrayDaemon, {
            records: p.records,
            objects,
            repeats: p.repeats,
            batchSizes: [10, 100],
            latencies: [0, 5],
            log,
          });
        });
      }
      if (wanted('cold-start')) {
        await suite('cold start', async () => {
          results.coldStart = await coldStartSuite(endpoints, { runs: p.coldRuns, log });
          results.coldStartBreakdown = await coldStartBreakdown(endpoints, { runs: p.coldRuns, log });
        });
      }
    } finally {
      child.kill();
      doubles.child.kill();
    }
  }
  if (wanted('local-pipeline'))
    await suite('local pipeline', async () =>
      void (results.localPipeline = await localPipelineSuite({ files: p.loadFiles, repeats: p.loadRepeats, log })));
  if (wanted('reconcile')) {
    await suite('reconcile', async () => {
      log(`bench: ${p.reconcileObjects} objects in s3rver (separate process) for reconcile and backfill`);
      const { endpoints, child } = await startServers(p.reconcileObjects, [0]);
      try {
        results.reconcile = await reconcileSuite(endpoints.byLatency['0']!, { objects: p.reconcileObjects, log });
        results.reconcileDistributed = await distributedReconcileSuite(endpoints.byLatency['0']!, log);
      } finally {
        child.kill();
      }
    });
  }
  if (wanted('tracing'))
    await suite('tracing', async () => {
      log('bench: tracing, three ways (bench/tracing/), interleaved fresh processes');
      results.tracing = await tracingSuite({ runs: p.tracingRuns, invocations: p.tracingInvocations, log });
    });
  if (wanted('toolchain'))
    await suite('toolchain', async () =>
      void (results.toolchain = toolchainSuite({ repeats: p.synthRepeats, includeTests: p.tests, log })));
  process.stdout.write(renderMarkdown(results));
  save();
  log(`\nwritten ${file} in ${results.durationSeconds} s`);
  if (results.errors!.length) process.exitCode = 1;
}

const [task, json] = process.argv.slice(2);
const emit = (value: unknown) => process.stderr.write(`RESULT ${JSON.stringify(value)}\n`);
const fail = (e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
};
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
if (task === 'double') {
  runDoubles((JSON.parse(json!) as { latencies: number[] }).latencies).then(emit, fail);
} else if (task === 'servers') {
  const { objects, latencies } = JSON.parse(json!) as { objects: number; latencies: number[] };
  runServers(objects, latencies).then(emit, fail);
} else if (task === 'processor-run') {
  runProcessorVariant(JSON.parse(json!)).then((r) => (emit(r), process.exit(0)), fail);
} else if (task === 'reconcile-run') {
  runReconcileChild(JSON.parse(json!)).then((r) => (emit(r), process.exit(0)), fail);
} else if (task === 'distributed-run') {
  runDistributedChild(JSON.parse(json!)).then((r) => (emit(r), process.exit(0)), fail);
} else if (task === 'load-run') {
  runLoadChild(JSON.parse(json!)).then((r) => (emit(r), process.exit(0)), fail);
} else {
  main(process.argv.slice(2)).then(() => process.exit(process.exitCode ?? 0), fail);
}
