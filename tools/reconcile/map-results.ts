import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { addShardCounts, type ShardCounts } from '../../src/core/key-shards';
import { emptyBatchCounts, type BatchCounts, type BatchResult } from '../../src/core/reconcile-batch';
import type { Difference } from '../../src/core/reconcile-verdict';

/**
 * A Distributed Map run's results, summed: ResultWriter's `manifest.json` names `SUCCEEDED_n.json`
 * and `FAILED_n.json` files, each an array of child executions whose `Output` is the reconcile
 * function's {@link BatchResult} (as a JSON string) and whose `Error`/`Cause` say why one failed.
 */

export interface MapRunTotals {
  batches: number;
  failedBatches: number;
  counts: BatchCounts;
  missing: string[];
  stale: Array<{ key: string; differs: Difference[] }>;
  orphaned: string[];
  invalid: string[];
  /** The first failures' errors and causes. */
  failures: string[];
  /** True when a list above stops at the key limit. */
  truncated: boolean;
  /** Live items per key shard (objects pass: those an object matched). */
  liveShards: ShardCounts;
}

export const emptyTotals = (): MapRunTotals => ({
  batches: 0,
  failedBatches: 0,
  counts: emptyBatchCounts(),
  missing: [],
  stale: [],
  orphaned: [],
  invalid: [],
  failures: [],
  truncated: false,
  liveShards: {},
});

interface ResultManifest {
  ResultFiles: Record<string, Array<{ Key: string }>>;
}

interface ChildExecution {
  Status: string;
  Output?: string;
  Error?: string;
  Cause?: string;
}

const readJson = async <T>(s3: S3Client, bucket: string, key: string): Promise<T> => {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString()) as T;
};

/** Adds one map run's results (its ResultWriter manifest) to `totals`, keeping at most `keyLimit` keys per list. */
export async function addMapRun(
  s3: S3Client,
  where: { Bucket: string; Key: string },
  totals: MapRunTotals,
  keyLimit: number,
): Promise<void> {
  const manifest = await readJson<ResultManifest>(s3, where.Bucket, where.Key);
  const keep = <T>(list: T[], values: T[]) => {
    for (const v of values) list.length < keyLimit ? list.push(v) : (totals.truncated = true);
  };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    for (const file of manifest.ResultFiles[status] ?? []) {
      for (const child of await readJson<ChildExecution[]>(s3, where.Bucket, file.Key)) {
        totals.batches++;
        if (child.Status !== 'SUCCEEDED' || child.Output === undefined) {
          totals.failedBatches++;
          if (totals.failures.length < 10) totals.failures.push(`${child.Error ?? child.Status}: ${child.Cause ?? ''}`.trim());
          continue;
        }
        const r = JSON.parse(child.Output) as BatchResult;
        for (const [k, v] of Object.entries(r.counts) as Array<[keyof BatchCounts, number]>) totals.counts[k] += v;
        keep(totals.missing, r.missing);
        keep(totals.stale, r.stale);
        keep(totals.orphaned, r.orphaned);
        keep(totals.invalid, r.invalid);
        addShardCounts(totals.liveShards, r.liveShards ?? {});
      }
    }
  }
}
