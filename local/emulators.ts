import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { S3Guard } from './s3-guard';
import { repairTornObjects, type TornObjectsReport } from './torn-objects';

export interface EmulatorPorts {
  /** 0 (default) picks a free port. */
  s3?: number;
  sqs?: number;
  dynamodb?: number;
}

export interface EmulatorOptions {
  /** Where S3 objects and DynamoDB tables persist between runs. */
  dataDir: string;
  /** Start from empty storage. */
  reset?: boolean;
  ports?: EmulatorPorts;
  /** The account and region queue ARNs and URLs are made with. */
  accountId: string;
  region: string;
}

export interface Emulators {
  endpoints: { s3: string; sqs: string; dynamodb: string };
  /** Emits `event` with each S3 event notification s3rver produces, in write order. */
  s3: EventEmitter;
  /** What a start found torn by an earlier kill, and moved out of the emulator's way. */
  repaired: TornObjectsReport;
  /** Called once if the emulators stop on their own (a crash): the run cannot go on. */
  onFailure(listener: (reason: string) => void): void;
  stop(): Promise<void>;
}

// Runs in the emulators' own thread. Packages are resolved by the parent and passed as paths.
const EMULATOR_THREAD = `
const { parentPort, workerData: o } = require('node:worker_threads');
// s3rver's ListObjectsV2 continuation tokens use single DES ('des'), which OpenSSL 3 moved to its
// legacy provider: every truncated listing answered 500. Triple DES with one key three times is the
// same cipher, and is still in the default provider. (This thread's module registry is its own.)
const crypto = require('node:crypto');
const tripleKey = (key) => Buffer.concat([key, key, key]);
for (const name of ['createCipheriv', 'createDecipheriv']) {
  const original = crypto[name];
  crypto[name] = (algorithm, key, iv, options) => (algorithm === 'des' ? original('des-ede3-cbc', tripleKey(key), iv, options) : original(algorithm, key, iv, options));
}
const S3rver = require(o.modules.s3rver);
const dynalite = require(o.modules.dynalite);
const { createSqsServer } = require(o.modules.sqs);
const HOST = '127.0.0.1';
const listen = (server, port) => new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, HOST, () => resolve(server.address().port));
});
const close = (server) => new Promise((resolve) => { server.closeAllConnections && server.closeAllConnections(); server.close(() => resolve()); });
(async () => {
  const s3 = new S3rver({ port: o.ports.s3 || 0, address: HOST, silent: true, directory: o.s3Dir, allowMismatchedSignatures: true });
  const s3Address = await s3.run();
  s3.on('event', (event) => parentPort.postMessage({ type: 'event', event }));
  const dynamo = dynalite({ path: o.dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoPort = await listen(dynamo, o.ports.dynamodb || 0);
  const sqs = await createSqsServer({ port: o.sqsPort, hostname: HOST, region: o.region, accountId: o.accountId, emulateQueueCreationLifecycle: false });
  parentPort.on('message', async (m) => {
    if (m.type !== 'stop') return;
    await Promise.all([s3.close().catch(() => undefined), close(dynamo), close(sqs)]);
    parentPort.postMessage({ type: 'stopped' });
  });
  parentPort.postMessage({ type: 'ready', endpoints: { s3: 'http://' + HOST + ':' + s3Address.port, sqs: 'http://' + HOST + ':' + o.sqsPort, dynamodb: 'http://' + HOST + ':' + dynamoPort } });
})().catch((e) => parentPort.postMessage({ type: 'error', message: e && e.stack || String(e) }));
`;

/**
 * Starts the three emulators on loopback in a thread of their own, so their work (HTTP
 * parsing, LevelDB, the S3 file store) runs beside the SDK clients, bridge and pollers of the
 * main thread rather than queued behind them: s3rver (S3, files under `<dataDir>/s3`),
 * local-aws-sqs (SQS, in memory) and dynalite (DynamoDB, LevelDB under `<dataDir>/dynamodb`).
 */
export async function startEmulators(options: EmulatorOptions): Promise<Emulators> {
  // The SQS port is picked before the emulator listens on it: another process (a parallel test) may
  // take it in between. Only then, with a port of our own choosing, is the start tried again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEmulatorsOnce(options, attempt === 1);
    } catch (e) {
      if (options.ports?.sqs || attempt >= 3 || !/EADDRINUSE/.test((e as Error).message)) throw e;
    }
  }
}

async function startEmulatorsOnce(options: EmulatorOptions, first: boolean): Promise<Emulators> {
  const s3Dir = join(options.dataDir, 's3');
  const dynamoDir = join(options.dataDir, 'dynamodb');
  if (options.reset && first) rmSync(options.dataDir, { recursive: true, force: true });
  mkdirSync(s3Dir, { recursive: true });
  mkdirSync(dynamoDir, { recursive: true });
  ensureDatasetId(options.dataDir);
  const repaired = first ? repairTornObjects(options.dataDir) : { quarantined: [], md5Repaired: 0 };
  // local-aws-sqs puts its port into queue URLs, so it needs a concrete one before it starts.
  const sqsPort = options.ports?.sqs || (await freePort());
  const worker = new Worker(EMULATOR_THREAD, {
    eval: true,
    workerData: {
      modules: { s3rver: require.resolve('s3rver'), dynalite: require.resolve('dynalite'), sqs: require.resolve('local-aws-sqs') },
      // s3rver listens anywhere: the S3 endpoint (and --s3-port) is the guard's, in front of it.
      ports: { ...options.ports, s3: 0 },
      sqsPort,
      s3Dir,
      dynamoDir,
      region: options.region,
      accountId: options.accountId,
    },
  });
  const s3 = new EventEmitter();
  const endpoints = await new Promise<Emulators['endpoints']>((resolve, reject) => {
    worker.on('message', (m: { type: string; endpoints?: Emulators['endpoints']; event?: unknown; message?: string }) => {
      if (m.type === 'ready') resolve(m.endpoints!);
      else if (m.type === 'event') s3.emit('event', m.event);
      else if (m.type === 'error') reject(new Error(`emulators failed to start: ${m.message}`));
    });
    worker.once('error', reject);
  }).catch(async (e: Error) => {
    await worker.terminate();
    throw e;
  });
  const guard = new S3Guard();
  let guarded: string;
  try {
    guarded = await guard.start(endpoints.s3, options.ports?.s3 ?? 0);
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  const failures = new EventEmitter();
  let stopping = false;
  // The emulators' thread dying (a crash inside one of them) must stop the run with a message, not leave dead ports.
  worker.on('exit', (code) => !stopping && failures.emit('failure', `the emulators' thread exited (code ${code})`));
  worker.on('error', (e) => !stopping && failures.emit('failure', `the emulators' thread failed: ${e.message}`));
  return {
    endpoints: { ...endpoints, s3: guarded },
    s3,
    repaired,
    onFailure: (listener) => void failures.on('failure', listener),
    async stop() {
      stopping = true;
      await guard.stop();
      const stopped = new Promise<void>((resolve) => worker.on('message', (m: { type: string }) => m.type === 'stopped' && resolve()));
      worker.postMessage({ type: 'stop' });
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 2000))]);
      await worker.terminate();
    },
  };
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The file naming one generation of an emulator data folder: new when the folder is (re)created. */
const datasetIdFile = (dataDir: string): string => join(dataDir, 'dataset-id');

/**
 * The identity of the data in an emulator folder: a random id written when the folder is created
 * (again after `--reset`). What was derived from the data (a backfill checkpoint) records it, and
 * is discarded when the data it was made for is gone.
 */
export function ensureDatasetId(dataDir: string): string {
  const file = datasetIdFile(dataDir);
  if (!existsSync(file)) writeFileSync(file, `${randomUUID()}\n`);
  return readFileSync(file, 'utf8').trim();
}

/** The data folder's identity, or undefined for a folder made before identities existed. */
export function datasetId(dataDir: string): string | undefined {
  const file = datasetIdFile(dataDir);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
