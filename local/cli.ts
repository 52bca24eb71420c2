import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { watchStopSignals, type StopReason, type StopSignal } from './stop-signal';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root';
import { loadAllConfigs, loadConfig } from '../config/load';
import { FolderWatcher } from './folder-watcher';
import { collectInput, contentTypeOf, type InputFile } from './input-files';
import { startLocalPipeline, type LocalPipeline } from './local-pipeline';
import { liveLine } from './live-lines';
import { renderReport } from './render-report';
import { buildReport, type InjectedRecord, type UploadRecord } from './run-report';
import { command, UsageError } from '../cli/command';
import { runMain } from '../cli/run-main';

const USAGE = `Usage: npm start -- [PATH…] [options]

Runs the whole pipeline on this machine (S3, SQS and DynamoDB emulators, the deployed
handler bundles) and ingests files. With no PATH, ingests samples/.

Options:
  --env NAME           environment config (default: the first direct-mode one, "dev")
  --json               print one JSON document instead of tables
  --watch DIR          keep running; ingest files dropped into DIR until Ctrl-C
  --reset              start from empty emulator storage
  --data-dir DIR       emulator storage (default .local/<env>)
  --s3-port N, --sqs-port N, --dynamodb-port N   fixed ports (default: free ones)
  --timeout SECONDS    how long to wait for the queue to drain (default 120)
  --verbose            print the functions' log lines
  --no-iam             do not check calls against the stack's IAM and resource policies
  -h, --help`;

const SAMPLE_OBJECTS = join(PROJECT_ROOT, 'samples', 'objects');
const SAMPLE_MESSAGES = join(PROJECT_ROOT, 'samples', 'queue-messages');

const OPTIONS = {
  watch: { type: 'string' },
  reset: { type: 'boolean', default: false },
  's3-port': { type: 'string' },
  'sqs-port': { type: 'string' },
  'dynamodb-port': { type: 'string' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean', default: false },
  'no-iam': { type: 'boolean', default: false },
} as const;

/** The fixed ports and the drain timeout, checked before anything starts. */
function settings(values: { 's3-port'?: string; 'sqs-port'?: string; 'dynamodb-port'?: string; timeout?: string }) {
  const port = (name: string): number => {
    const raw = values[name as 's3-port'];
    if (raw === undefined) return 0;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${name} must be a port number (got "${raw}")`);
    return n;
  };
  const timeout = values.timeout === undefined ? 120 : Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new UsageError(`--timeout must be a positive number of seconds (got "${values.timeout}")`);
  return { ports: { s3: port('s3-port'), sqs: port('sqs-port'), dynamodb: port('dynamodb-port') }, timeoutMs: timeout * 1000 };
}

/** Uploads files, with a progress line on stderr; an unreadable file is recorded, never fatal. */
async function uploadAll(
  pipeline: LocalPipeline,
  files: InputFile[],
  progress: (s: string) => void,
  stop?: StopSignal,
): Promise<UploadRecord[]> {
  const uploads: UploadRecord[] = [];
  for (const f of files) {
    // Asked to stop: what is uploaded is drained and reported; the rest is not started.
    if (stop?.stopping) break;
    try {
      const body = readFileSync(f.path);
      const { uploadedAt } = await pipeline.upload(f.key, body, contentTypeOf(f.key));
      uploads.push({ key: f.key, size: body.length, uploadedAt });
    } catch (e) {
      uploads.push({ key: f.key, size: f.size, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
    }
    progress(`uploaded ${uploads.length}/${files.length}`);
  }
  return uploads;
}

async function injectSamples(pipeline: LocalPipeline): Promise<InjectedRecord[]> {
  if (!existsSync(SAMPLE_MESSAGES)) return [];
  const injected: InjectedRecord[] = [];
  for (const name of readdirSync(SAMPLE_MESSAGES).sort()) {
    injected.push({ name, messageId: await pipeline.injectMessage(readFileSync(join(SAMPLE_MESSAGES, name), 'utf8')) });
  }
  return injected;
}

function progressPrinter(enabled: boolean, pipeline: () => LocalPipeline | undefined) {
  let last = '';
  let written = '';
  const tty = process.stderr.isTTY;
  const timer = setInterval(
    () => {
      const p = pipeline();
      if (!enabled || !p) return;
      const o = p.outcomes;
      const line = `${last} · stored ${o.count('stored')} · duplicates ${o.count('duplicate')} · poison ${o.count('poison')} · retries ${o.count('transient-failure')}`;
      // In a log (not a terminal) only a line that says something new.
      if (!tty && line === written) return;
      written = line;
      process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    },
    tty ? 250 : 2000,
  );
  return {
    set: (s: string) => (last = s),
    done: () => {
      clearInterval(timer);
      if (enabled && tty) process.stderr.write('\r\x1b[K');
    },
  };
}

async function watchFolder(pipeline: LocalPipeline, dir: string, json: boolean, stop: StopSignal): Promise<void> {
  const started = Date.now();
  if (!existsSync(resolve(dir))) throw new Error(`--watch: no such folder ${dir}`);
  const prefix = pipeline.config.filters.prefix;
  const watcher = new FolderWatcher(pipeline, dir, {
    prefix,
    onUploaded: (u) => !json && process.stderr.write(u.error ? `! ${u.key}: ${u.error}\n` : `↑ ${u.key} (${u.size} bytes)\n`),
    onProblem: (path, problem) => process.stderr.write(`! ${path}: ${problem}\n`),
  });
  // A line per object as its outcome is known, also for objects other S3 clients write.
  if (!json) pipeline.outcomes.subscribe((o) => process.stderr.write(`${liveLine(o, (key) => watcher.isOurs(key))}\n`));
  const caughtUp = await watcher.start();
  if (caughtUp > 0)
    process.stderr.write(
      `Catching up: ${caughtUp} file(s) in ${watcher.root} were not in the bucket, or differed from it: uploading them.\n`,
    );
  process.stderr.write(
    `Watching ${watcher.root}${prefix ? ` (uploaded under "${prefix}", the prefix "${pipeline.config.environment}" ingests)` : ''} — drop files in, or write to s3://${pipeline.resources.bucket} with any S3 client (endpoint ${pipeline.endpoints.s3}, see .local/<env>/endpoints.json); Ctrl-C prints the summary.\n`,
  );
  announceStop(await stop.requested);
  await watcher.stop();
  await pipeline.waitForDrain(30_000).catch(() => undefined);
  const report = await buildReport(pipeline, watcher.lastUploads(), [], [], started);
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `\n${renderReport(report)}\n`);
}

/** Said at once when a stop is asked for: the drain can take a while, and silence looks like a hang. */
function announceStop(reason: StopReason): void {
  const why = reason === 'parent-exited' ? 'the process that started this one is gone' : reason;
  process.stderr.write(
    `\nStopping (${why}): draining what is in flight (up to 30 s), then the summary. ${reason === 'parent-exited' ? '' : 'Press Ctrl-C again to stop at once.'}\n`,
  );
}

export const main = command(
  { usage: USAGE, shared: ['env', 'json', 'data-dir'], options: OPTIONS, positionals: true, aws: true },
  async ({ values, positionals }) => {
    const args = settings(values);
    const envName = values.env ?? loadAllConfigs().find((c) => c.mode === 'direct')?.environment ?? 'dev';
    const config = loadConfig(envName);
    const dataDir = resolve(values['data-dir'] ?? join(PROJECT_ROOT, '.local', envName));

    const useSamples = positionals.length === 0;
    const collected = values.watch ? { files: [], problems: [] } : collectInput(useSamples ? [SAMPLE_OBJECTS] : positionals);
    if (!values.watch && !useSamples && collected.files.length === 0) {
      // Checked before any emulator starts: a typo in a path is not a run.
      const why = collected.problems.map((p) => `  ${p.path}: ${p.problem}`).join('\n') || '  the folders hold no files';
      process.stderr.write(`Nothing to ingest:\n${why}\n`);
      return 2;
    }

    let pipeline: LocalPipeline | undefined;
    // A second Ctrl-C/SIGTERM: stop at once, still removing endpoints.json and the data folder's lock.
    const stop = watchStopSignals(() => void (pipeline?.stop() ?? Promise.resolve()).finally(() => process.exit(130)));
    const progress = progressPrinter(!values.json || process.stderr.isTTY === true, () => pipeline);
    try {
      progress.set('starting emulators');
      pipeline = await startLocalPipeline({
        config,
        dataDir,
        reset: values.reset,
        ports: args.ports,
        echoLogs: values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
        iam: !values['no-iam'],
      });
      for (const notice of pipeline.notices) process.stderr.write(`${notice}\n`);
      pipeline.onEmulatorFailure((reason) => {
        // Nothing can be ingested any more: say so and stop, instead of leaving dead ports behind.
        process.stderr.write(
          `\nThe local emulators stopped: ${reason}. Nothing more can be ingested; the data in ${dataDir} is kept. Start again with npm start.\n`,
        );
        void pipeline?.stop().finally(() => process.exit(1));
      });
      if (!values.json) {
        process.stderr.write(
          `Emulators: S3 ${pipeline.endpoints.s3} · SQS ${pipeline.endpoints.sqs} · DynamoDB ${pipeline.endpoints.dynamodb} · data in ${dataDir}\n`,
        );
      }
      if (values.watch) {
        progress.done();
        await watchFolder(pipeline, values.watch, values.json, stop);
        return 0;
      }
      const { problems } = collected;
      // The samples go where the environment ingests: under its prefix filter (prod's is "incoming/").
      const files = useSamples ? collected.files.map((f) => ({ ...f, key: `${config.filters.prefix}${f.key}` })) : collected.files;
      if (useSamples && config.filters.prefix && !values.json)
        process.stderr.write(`Samples are uploaded under "${config.filters.prefix}", the prefix "${envName}" ingests.\n`);
      const uploads = await uploadAll(pipeline, files, (s) => progress.set(s), stop);
      const injected = useSamples && !stop.stopping ? await injectSamples(pipeline) : [];
      progress.set(`uploaded ${uploads.length}/${files.length} · draining`);
      let drainError: string | undefined;
      // A stop request (Ctrl-C, SIGTERM) ends the wait for the drain early, after a bounded one.
      const drained = pipeline.waitForDrain(args.timeoutMs).catch((e: Error) => (drainError = e.message));
      const interrupted = await Promise.race([drained.then(() => undefined), stop.requested]);
      if (interrupted) {
        progress.done();
        announceStop(interrupted);
        await pipeline.waitForDrain(30_000).catch((e: Error) => (drainError = e.message));
        if (uploads.length < files.length) drainError = `stopped (${interrupted}) after ${uploads.length} of ${files.length} files`;
      }
      progress.done();
      const report = await buildReport(pipeline, uploads, injected, problems);
      if (drainError) report.errors.push(drainError);
      process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}\n`);
      // An input path that could not be read is a failed run, even when the others went through.
      if (interrupted) return 130;
      return report.counts.pending > 0 || drainError || problems.length > 0 ? 1 : 0;
    } finally {
      progress.done();
      stop.dispose();
      await pipeline?.stop();
    }
  },
);

runMain(module, main);
