import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root';
import { loadAllConfigs, loadConfig } from '../config/load';
import { runLoad, type LoadReport } from './load-run';
import { command, sharedHelp, UsageError } from '../cli/command';
import { runMain } from '../cli/run-main';

const USAGE = `Usage: npm run load -- --files N [--poison P] [--duplicates D] [--reorder R] [--transient T] [--crash C] [options]

Generates N objects and drives them through the local pipeline with faults, then prints a
conservation report. Fractions are 0–1. Exits 1 if any object was lost or written twice.
--crash C makes that fraction of function invocations exit mid-invocation (Runtime.ExitError).

  --env NAME        environment config (default: the first direct-mode one)
  --seed N          randomness seed (default 1)
  --concurrency N   parallel uploads (default 16; closed loop: the next starts when one ends)
  --rate N          open loop: start N uploads a second whatever the pipeline does (latency is then
                    the pipeline's, not the uploader's backlog); overrides --concurrency
  --warmup S        seconds at the start left out of the steady-state latency (default 5; 0: none);
                    with --rate, the uploads of those seconds are drained before the rest start
  --no-iam          do not check calls against the stack's IAM policies (to measure what checking costs)
${sharedHelp('json', 20)}`;

const fraction = (name: string, raw: string | undefined): number => {
  const v = raw === undefined ? 0 : Number(raw);
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new UsageError(`--${name} must be a fraction from 0 to 1 (got "${raw}")`);
  return v;
};
const positive = (name: string, raw: string | undefined, fallback?: number): number => {
  const v = raw === undefined ? fallback : Number(raw);
  if (v === undefined || !Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive integer (got "${raw ?? ''}")`);
  return v;
};

const nonNegative = (name: string, raw: string): number => {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new UsageError(`--${name} must be a whole number of seconds, 0 or more (got "${raw}")`);
  return v;
};

/**
 * Load runs start from empty storage and throw it away, so it lives in memory (/dev/shm) where
 * there is one: s3rver keeps every object as files, and disk metadata calls were the emulator
 * thread's largest cost in the profile.
 */
function loadDataDir(env: string): string {
  const shm = '/dev/shm';
  return existsSync(shm) ? join(shm, `s3-ingest-load-${env}-${process.pid}`) : resolve(join(PROJECT_ROOT, '.local', `load-${env}`));
}

export function renderLoadReport(r: LoadReport): string {
  const ms = (v: number | null) => (v === null ? '–' : `${v} ms`);
  return [
    `Load run: ${r.uploaded} objects, environment "${r.environment}" (${r.mode} mode), ${r.options.rate ? `open loop at ${r.options.rate} uploads/s` : 'closed loop'}`,
    `faults: poison ${r.options.poison}, duplicates ${r.options.duplicates}, reorder ${r.options.reorder}, transient ${r.options.transient}, crash ${r.options.crash}`,
    '',
    '| conservation | count |',
    '| --- | ---: |',
    `| objects uploaded | ${r.uploaded} |`,
    `| stored (newest version) | ${r.stored} |`,
    `| duplicates absorbed | ${r.duplicatesAbsorbed} |`,
    `| poison injected | ${r.poisonInjected} |`,
    `| poison dead-lettered (distinct parts) | ${r.poisonDeadLettered}${r.poisonRedriven ? ` (+ ${r.poisonRedriven} moved by SQS after maxReceiveCount: crashes or timeouts used up their receives first)` : ''} |`,
    ...(r.pusherFailures === null ? [] : [`| parked in the pusher failure queue | ${r.pusherFailures} |`]),
    `| dead-lettered (distinct) | ${r.deadLettered}${r.deadLetterCopies > r.deadLettered ? ` (${r.deadLetterCopies} DLQ messages: a crash between send and delete sent some twice)` : ''} |`,
    `| objects dead-lettered | ${r.objectsDeadLettered} |`,
    `| throttles injected | ${r.throttlesInjected} |`,
    `| crashes injected | ${r.crashesInjected} |`,
    `| **lost** | **${r.lost}** |`,
    `| **double-written** | **${r.doubleWritten}** |`,
    '',
    `throughput ${r.filesPerSecond} files/s over ${(r.durationMs / 1000).toFixed(1)} s · peak RSS ${r.peakRssMb} MB`,
    `latency upload → item, all objects: p50 ${ms(r.latencyMs.p50)} · p95 ${ms(r.latencyMs.p95)} · p99 ${ms(r.latencyMs.p99)}`,
    r.steadyLatencyMs.objects > 0
      ? `latency after the warm-up, ${r.steadyLatencyMs.objects} objects: p50 ${ms(r.steadyLatencyMs.p50)} · p95 ${ms(r.steadyLatencyMs.p95)} · p99 ${ms(r.steadyLatencyMs.p99)} (${warmupText(r)})`
      : `latency after the warm-up: no object (every upload came within the first ${r.steadyLatencyMs.warmupSeconds} s warm-up: a closed loop uploads all at once; --rate N spreads them out)`,
    ...(r.lostKeys.length ? [`lost keys (first 20): ${r.lostKeys.join(', ')}`] : []),
  ].join('\n');
}

/** What the warm-up left out of the steady-state latency: cold starts, JIT warm-up, first connections. */
const warmupText = (r: LoadReport): string =>
  r.options.rate
    ? `warm-up: the first ${r.steadyLatencyMs.warmupObjects} objects, ${r.steadyLatencyMs.warmupSeconds} s at ${r.options.rate}/s, drained before the rest`
    : `warm-up: the ${r.steadyLatencyMs.warmupObjects} objects of the first ${r.steadyLatencyMs.warmupSeconds} s`;

const OPTIONS = {
  files: { type: 'string' },
  poison: { type: 'string' },
  duplicates: { type: 'string' },
  reorder: { type: 'string' },
  transient: { type: 'string' },
  crash: { type: 'string' },
  seed: { type: 'string' },
  concurrency: { type: 'string' },
  rate: { type: 'string' },
  warmup: { type: 'string' },
  'no-iam': { type: 'boolean', default: false },
} as const;

export const main = command({ usage: USAGE, shared: ['env', 'json'], options: OPTIONS, aws: true }, async ({ values, write }) => {
  const opts = {
    files: positive('files', values.files),
    poison: fraction('poison', values.poison),
    duplicates: fraction('duplicates', values.duplicates),
    reorder: fraction('reorder', values.reorder),
    transient: fraction('transient', values.transient),
    crash: fraction('crash', values.crash),
    seed: positive('seed', values.seed, 1),
    uploadConcurrency: positive('concurrency', values.concurrency, 16),
    rate: values.rate === undefined ? undefined : positive('rate', values.rate),
    warmupSeconds: values.warmup === undefined ? 5 : nonNegative('warmup', values.warmup),
    json: values.json,
    iam: !values['no-iam'],
    env: values.env ?? loadAllConfigs().find((c) => c.mode === 'direct')?.environment ?? 'dev',
  };
  const dataDir = loadDataDir(opts.env);
  let report: LoadReport;
  try {
    let previous = '';
    // A line each second only when it says something new (a log otherwise repeats the same line).
    const onProgress = (line: string) => (line === previous ? undefined : ((previous = line), process.stderr.write(`${line}\n`)));
    report = await runLoad({ ...opts, config: loadConfig(opts.env), dataDir, onProgress: opts.json ? undefined : onProgress });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderLoadReport(report)}\n`);
  return report.lost > 0 || report.doubleWritten > 0 ? 1 : 0;
});

runMain(module, main);
