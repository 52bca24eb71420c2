import { createHash } from 'node:crypto';
import { BatchWriteItemCommand, DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TABLE_KEYS } from '../../config/derive';
import { LOCAL_CREDENTIALS } from '../../local/local-clients';
import { S3ObjectStore } from '../../src/adapters/s3-object-store';
import { SqsQueueSender } from '../../src/adapters/sqs-queue-sender';
import { limitConcurrency } from '../../src/core/limit';
import { backfill } from '../../tools/reconcile/backfill';
import { ingestScope } from '../../tools/reconcile/ingest-scope';
import { createRateLimiter } from '../../tools/reconcile/rate-limiter';
import { reconcile } from '../../tools/reconcile/reconcile';
import { HEAD_CONCURRENCY, SCAN_SEGMENTS } from '../../tools/reconcile/target';
import type { WalkTarget } from '../../tools/reconcile/table-walk';
import { figure, type Figure } from '../lib/stats';
import { BENCH_BUCKET, BENCH_TABLE, objectKey, type ServerEndpoints } from '../lib/servers';
import { resolveConfig } from '../../config/validate';
import { runInChild } from './processor';

type Endpoints = ServerEndpoints['byLatency'][string];
type Task = 'backfill' | 'reconcile';

export interface ReconcileRunResult {
  seconds: number;
  listed: number;
  /** What the run found or sent: reconcile's counts, or backfill's. */
  counts: Record<string, number>;
  peakRssMb: number;
}

export interface ReconcileFigures {
  scenario: string;
  objects: number;
  seconds: Figure;
  objectsPerSecond: Figure;
  peakRssMb: Figure;
  counts: Record<string, number>;
  command: string;
}

const clientBase = { region: 'eu-west-1', credentials: LOCAL_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' as const };
const clients = (e: Endpoints) => ({
  s3: new S3Client({ ...clientBase, endpoint: e.s3, forcePathStyle: true }),
  sqs: new SQSClient({ ...clientBase, endpoint: e.sqs }),
  dynamodb: new DynamoDBClient({ ...clientBase, endpoint: e.dynamodb }),
});

/** Runs in a fresh process (`node dist/bench.js reconcile-run …`): the command's own work, its own RSS. */
export async function runReconcileChild(p: { task: Task; endpoints: Endpoints }): Promise<ReconcileRunResult> {
  const { s3, sqs, dynamodb } = clients(p.endpoints);
  const target: WalkTarget = {
    s3,
    dynamodb,
    bucket: BENCH_BUCKET,
    tableName: BENCH_TABLE,
    scope: ingestScope(
      resolveConfig(
        { environment: 'bench', namePrefix: 'bench', accountId: '123456789012', region: 'eu-west-1', handleDeletes: true },
        'bench',
      ),
    ),
    versions: false,
    objects: new S3ObjectStore(s3),
    headConcurrency: HEAD_CONCURRENCY,
    scanSegments: SCAN_SEGMENTS,
  };
  const started = performance.now();
  let counts: Record<string, number>;
  let listed: number;
  if (p.task === 'reconcile') {
    const r = await reconcile({ ...target, keyLimit: 1000 });
    counts = { ...r.counts };
    listed = r.counts.objects;
  } else {
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `bench-backfill-${Date.now()}` }))).QueueUrl!;
    const r = await backfill({
      ...target,
      queue: new SqsQueueSender(sqs, queueUrl),
      limiter: createRateLimiter(0),
      onlyMissing: false,
      handleDeletes: true,
      dryRun: false,
      keyLimit: 1000,
      checkpoint: null,
    });
    counts = { ...r.counts };
    listed = r.counts.listed;
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, listed, counts, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
}

const etag = (i: number) => createHash('md5').update(`object ${i}`).digest('hex');
const item = (i: number) => ({
  [TABLE_KEYS.partitionKey]: { S: objectKey(i) },
  [TABLE_KEYS.sortKey]: { S: BENCH_BUCKET },
  etag: { S: etag(i) },
  file_size: { N: String(`object ${i}`.length) },
  message_id: { S: `seed-${i}` },
  event_time: { S: '2026-01-01T00:00:00.000Z' },
  ordering_key: { S: '1'.padEnd(64, '0') },
});

/** Writes an item for every object, as a pipeline that missed nothing would have. */
async function seedItems(dynamodb: DynamoDBClient, objects: number): Promise<void> {
  const write = limitConcurrency(4, (from: number) =>
    dynamodb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [BENCH_TABLE]: Array.from({ length: Math.min(25, objects - from) }, (_, j) => ({ PutRequest: { Item: item(from + j) } })),
        },
      }),
    ),
  );
  const batches = [];
  for (let from = 0; from < objects; from += 25) batches.push(write(from));
  await Promise.all(batches);
}

/** 1 % of items lost, 1 % stale, 1 % orphaned: the orphan search then HEADs every live item. */
async function drift(dynamodb: DynamoDBClient, objects: number): Promise<void> {
  const step = 100;
  for (let i = 0; i < objects; i += step) {
    await dynamodb.send(
      new DeleteItemCommand({
        TableName: BENCH_TABLE,
        Key: { [TABLE_KEYS.partitionKey]: { S: objectKey(i) }, [TABLE_KEYS.sortKey]: { S: BENCH_BUCKET } },
      }),
    );
    await dynamodb.send(new PutItemCommand({ TableName: BENCH_TABLE, Item: { ...item(i + 1), etag: { S: 'stale' } } }));
    await dynamodb.send(
      new PutItemCommand({ TableName: BENCH_TABLE, Item: { ...item(i), [TABLE_KEYS.partitionKey]: { S: `gone/${i}.txt` } } }),
    );
  }
}

/**
 * Reconcile and backfill on `objects` objects in s3rver (another process): backfill into an empty
 * table (every object sent), reconcile of a complete table (the COUNT Scan spares the HeadObject
 * pass), and reconcile of a drifted one (the HeadObject pass runs over every live item).
 */
export async function reconcileSuite(endpoints: Endpoints, o: { objects: number; log: (s: string) => void }): Promise<ReconcileFigures[]> {
  const { dynamodb } = clients(endpoints);
  const out: ReconcileFigures[] = [];
  const measure = async (scenario: string, task: Task, command: string) => {
    const r = await runInChild<ReconcileRunResult>('reconcile-run', { task, endpoints });
    const f: ReconcileFigures = {
      scenario,
      objects: o.objects,
      seconds: figure([r.seconds]),
      objectsPerSecond: figure([r.listed / r.seconds]),
      peakRssMb: figure([r.peakRssMb]),
      counts: r.counts,
      command,
    };
    o.log(`  ${scenario}: ${f.objectsPerSecond.median} objects/s, ${f.seconds.median} s, peak RSS ${f.peakRssMb.median} MB`);
    out.push(f);
  };
  await measure('backfill, empty table (every object sent)', 'backfill', 'npm run backfill -- --rate 0');
  await seedItems(dynamodb, o.objects);
  await measure('reconcile, complete table', 'reconcile', 'npm run reconcile');
  await drift(dynamodb, o.objects);
  await measure('reconcile, 1 % missing, stale and orphaned', 'reconcile', 'npm run reconcile');
  dynamodb.destroy();
  return out;
}
