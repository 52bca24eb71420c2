import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { writeInventoryReport } from '../../local/reconcile/inventory-report';
import { flattenedJsonLines, inventoryItems } from '../../local/reconcile/item-readers';
import { writeTableExport } from '../../local/reconcile/table-export';
import { LOCAL_CREDENTIALS } from '../../local/local-clients';
import { createReconcileHandler } from '../../src/app/reconcile-app';
import { encodeShards, KEY_SHARDS, shardsWithOrphans, type ShardCounts } from '../../src/core/key-shards';
import type { BatchResult } from '../../src/core/reconcile-batch';
import { figure, round, type Figure } from '../lib/stats';
import { BENCH_BUCKET, BENCH_TABLE, type ServerEndpoints } from '../lib/servers';
import { runInChild } from './processor';

type Endpoints = ServerEndpoints['byLatency'][string];

/** One pass of the distributed reconcile, measured per 1,000 rows in the reconcile function's own process. */
export interface DistributedPassFigures {
  pass: 'objects' | 'live' | 'orphans';
  rows: number;
  batches: number;
  /** One invocation's wall time (handler call to its result), per batch. */
  batchMs: Figure;
  /** The handler's CPU (user + system) per 1,000 rows. */
  cpuMsPer1000: number;
  /** AWS calls per 1,000 rows, by operation. */
  requestsPer1000: Record<string, number>;
  counts: Record<string, number>;
  command: string;
}

const clientBase = { region: 'eu-west-1', credentials: LOCAL_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' as const };
const INVENTORY_BUCKET = 'bench-inventory';
const ITEMS_PER_BATCH = 1000;

interface ChildParams {
  endpoints: Endpoints;
  manifestKey: string;
  exportDataPrefix: string;
  queueUrl: string;
}

/** Runs in a fresh process on the runtime's Node (`node dist/bench.js distributed-run …`): the function's own CPU and calls. */
export async function runDistributedChild(p: ChildParams): Promise<DistributedPassFigures[]> {
  const clients = {
    s3: new S3Client({ ...clientBase, endpoint: p.endpoints.s3, forcePathStyle: true }),
    sqs: new SQSClient({ ...clientBase, endpoint: p.endpoints.sqs }),
    dynamodb: new DynamoDBClient({ ...clientBase, endpoint: p.endpoints.dynamodb }),
  };
  const requests: Record<string, number> = {};
  const count: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    requests[context.commandName as string] = (requests[context.commandName as string] ?? 0) + 1;
    return next(args);
  };
  for (const client of [clients.s3, clients.sqs, clients.dynamodb] as Array<{ middlewareStack: MiddlewareStack<object, MetadataBearer> }>)
    client.middlewareStack.add(count, { step: 'initialize', name: 'benchRequestCount' });
  // Tracing off, as outside Lambda; the same app code the bundle holds.
  const handler = createReconcileHandler({
    env: {
      TABLE_NAME: BENCH_TABLE,
      QUEUE_URL: p.queueUrl,
      BUCKET_NAME: BENCH_BUCKET,
      HANDLE_DELETES: 'true',
      INGEST_SCOPE: JSON.stringify({ prefix: '', suffix: '', pusher: null, minSizeBytes: 0, maxSizeBytes: 0 }),
      POWERTOOLS_LOG_LEVEL: 'WARN',
    },
    clients,
  });
  const context = { functionName: 'bench-reconcile', awsRequestId: 'bench' } as Parameters<typeof handler>[1];

  const runPass = async (pass: DistributedPassFigures['pass'], items: AsyncGenerator<unknown>, shards?: string) => {
    for (const k of Object.keys(requests)) delete requests[k];
    const batchMs: number[] = [];
    let cpu = 0;
    let rows = 0;
    const counts: Record<string, number> = {};
    const liveShards: ShardCounts = {};
    const call = async (batch: unknown[]) => {
      const before = process.cpuUsage();
      const started = performance.now();
      const r: BatchResult = await handler(
        { Items: batch, BatchInput: { pass, backfill: false, prefix: '', ...(shards ? { shards } : {}) } },
        context,
      );
      batchMs.push(performance.now() - started);
      const used = process.cpuUsage(before);
      cpu += (used.user + used.system) / 1000;
      rows += batch.length;
      for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + v;
      for (const [s, n] of Object.entries(r.liveShards)) liveShards[s] = (liveShards[s] ?? 0) + n;
    };
    let batch: unknown[] = [];
    for await (const item of items) {
      batch.push(item);
      if (batch.length === ITEMS_PER_BATCH) {
        await call(batch);
        batch = [];
      }
    }
    if (batch.length) await call(batch);
    const per1000 = (n: number) => round((n / rows) * 1000);
    const figures: DistributedPassFigures = {
      pass,
      rows,
      batches: batchMs.length,
      batchMs: figure(batchMs),
      cpuMsPer1000: per1000(cpu),
      requestsPer1000: Object.fromEntries(Object.entries(requests).map(([k, v]) => [k, per1000(v)])),
      counts,
      command: 'npm run bench -- --only reconcile',
    };
    return { figures, liveShards };
  };

  // Reading the items is Step Functions' work: a client of its own, not counted.
  const reader = new S3Client({ ...clientBase, endpoint: p.endpoints.s3, forcePathStyle: true });
  const objects = await runPass('objects', inventoryItems(reader, INVENTORY_BUCKET, p.manifestKey));
  const live = await runPass('live', flattenedJsonLines(reader, INVENTORY_BUCKET, p.exportDataPrefix));
  const shards = shardsWithOrphans(live.liveShards, objects.liveShards);
  const orphans = await runPass('orphans', flattenedJsonLines(reader, INVENTORY_BUCKET, p.exportDataPrefix), encodeShards(shards));
  reader.destroy();
  orphans.figures.counts.shardsChecked = shards.length;
  orphans.figures.counts.shards = KEY_SHARDS;
  for (const c of Object.values(clients)) c.destroy();
  return [objects.figures, live.figures, orphans.figures];
}

/**
 * The reconcile function's cost per 1,000 objects on the local emulators, over a real inventory
 * report and table export of the bench bucket and table as they stand (the reconcile suite's
 * drifted state: 1 % missing, stale and orphaned): the inputs of the model in docs/operations.md.
 */
export async function distributedReconcileSuite(endpoints: Endpoints, log: (s: string) => void): Promise<DistributedPassFigures[]> {
  const s3 = new S3Client({ ...clientBase, endpoint: endpoints.s3, forcePathStyle: true });
  const sqs = new SQSClient({ ...clientBase, endpoint: endpoints.sqs });
  const dynamodb = new DynamoDBClient({ ...clientBase, endpoint: endpoints.dynamodb });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: INVENTORY_BUCKET }));
    const manifestKey = await writeInventoryReport(s3, { sourceBucket: BENCH_BUCKET, destinationBucket: INVENTORY_BUCKET });
    const exported = await writeTableExport(dynamodb, s3, {
      tableName: BENCH_TABLE,
      region: 'eu-west-1',
      accountId: '123456789012',
      bucket: INVENTORY_BUCKET,
    });
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `bench-distributed-${Date.now()}` }))).QueueUrl!;
    const figures = await runInChild<DistributedPassFigures[]>('distributed-run', {
      endpoints,
      manifestKey,
      exportDataPrefix: exported.dataPrefix,
      queueUrl,
    });
    for (const f of figures)
      log(
        `  distributed ${f.pass}: ${f.rows} rows in ${f.batches} batches, ${f.batchMs.median} ms a batch, ${f.cpuMsPer1000} ms CPU and ${
          Object.entries(f.requestsPer1000)
            .map(([k, v]) => `${v} ${k.replace(/Command$/, '')}`)
            .join(', ') || 'no calls'
        } per 1,000 rows`,
      );
    return figures;
  } finally {
    for (const c of [s3, sqs, dynamodb]) c.destroy();
  }
}
