// Runs in its own process (`node dist/bench.js servers`): the emulators and the latency proxies,
// so the code under test and the servers compete for the two cores the way client and AWS
// would not, but the same way for every variant.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TABLE_KEYS } from '../../config/derive';
import { startEmulators } from '../../local/emulators';
import { limitConcurrency } from '../../src/core/limit';
import { LOCAL_CREDENTIALS } from '../../local/local-clients';
import { ensureTable } from '../../local/resources';
import { startDelayProxy } from './delay-proxy';

export const BENCH_TABLE = 'bench-objects';
export const BENCH_BUCKET = 'bench-uploads';
export const objectKey = (i: number): string => `bench/${String(i).padStart(6, '0')}.txt`;

export interface ServerEndpoints {
  /** By injected latency in ms: `{ "0": {...}, "5": {...} }`. */
  byLatency: Record<string, { dynamodb: string; s3: string; sqs: string }>;
}

export async function runServers(objects: number, latencies: number[]): Promise<ServerEndpoints> {
  const emulators = await startEmulators({
    dataDir: mkdtempSync(join(tmpdir(), 'bench-')),
    accountId: '123456789012',
    region: 'eu-west-1',
  });
  const base = { region: 'eu-west-1', credentials: LOCAL_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' as const };
  const dynamodb = new DynamoDBClient({ ...base, endpoint: emulators.endpoints.dynamodb });
  await ensureTable(dynamodb, { name: BENCH_TABLE, partitionKey: TABLE_KEYS.partitionKey, sortKey: TABLE_KEYS.sortKey });
  const s3 = new S3Client({ ...base, endpoint: emulators.endpoints.s3, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BENCH_BUCKET }));
  const put = limitConcurrency(16, (i: number) =>
    s3.send(new PutObjectCommand({ Bucket: BENCH_BUCKET, Key: objectKey(i), Body: `object ${i}`, ContentType: 'text/plain' })),
  );
  await Promise.all(Array.from({ length: objects }, (_, i) => put(i)));
  const byLatency: ServerEndpoints['byLatency'] = {};
  for (const ms of latencies) {
    byLatency[String(ms)] =
      ms === 0
        ? emulators.endpoints
        : {
            dynamodb: (await startDelayProxy(emulators.endpoints.dynamodb, ms)).url,
            s3: (await startDelayProxy(emulators.endpoints.s3, ms)).url,
            sqs: (await startDelayProxy(emulators.endpoints.sqs, ms)).url,
          };
  }
  return { byLatency };
}
