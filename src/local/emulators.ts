import { mkdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { createSqsServer } from 'local-aws-sqs';
import S3rver from 's3rver';

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
  /** s3rver emits an `event` per object write, in write order. */
  s3: S3rver;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve((server.address() as AddressInfo).port));
  });

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });

/**
 * Starts the three emulators in this process, on loopback: s3rver (S3, files under
 * `<dataDir>/s3`), local-aws-sqs (SQS, in memory) and dynalite (DynamoDB, LevelDB under
 * `<dataDir>/dynamodb`).
 */
export async function startEmulators(options: EmulatorOptions): Promise<Emulators> {
  const s3Dir = join(options.dataDir, 's3');
  const dynamoDir = join(options.dataDir, 'dynamodb');
  if (options.reset) rmSync(options.dataDir, { recursive: true, force: true });
  mkdirSync(s3Dir, { recursive: true });
  mkdirSync(dynamoDir, { recursive: true });

  const s3 = new S3rver({ port: options.ports?.s3 ?? 0, address: HOST, silent: true, directory: s3Dir, allowMismatchedSignatures: true });
  const s3Address = await s3.run();

  const dynamo = dynalite({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoPort = await listen(dynamo, options.ports?.dynamodb ?? 0);

  // local-aws-sqs puts its port into queue URLs, so it needs a concrete one before it starts.
  const sqsPort = options.ports?.sqs || (await freePort());
  const sqs = await createSqsServer({
    port: sqsPort,
    hostname: HOST,
    region: options.region,
    accountId: options.accountId,
    emulateQueueCreationLifecycle: false,
  });

  return {
    endpoints: {
      s3: `http://${HOST}:${s3Address.port}`,
      sqs: `http://${HOST}:${sqsPort}`,
      dynamodb: `http://${HOST}:${dynamoPort}`,
    },
    s3,
    async stop() {
      await Promise.all([s3.close().catch(() => undefined), close(dynamo), close(sqs)]);
    },
  };
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, HOST, resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
