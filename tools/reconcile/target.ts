import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { S3ObjectStore } from '../../src/adapters/s3-object-store';
import type { Deployment } from '../deployment';
import { ingestScope } from './ingest-scope';
import type { WalkTarget } from './table-walk';

/** HeadObject calls at once, and Scan segments: enough to hide latency, far below S3's and DynamoDB's limits. */
export const HEAD_CONCURRENCY = 16;
export const SCAN_SEGMENTS = 4;

/** What reconcile and backfill walk: the deployment's bucket and table, within the environment's scope. */
export function walkTarget(d: Deployment, prefix: string): WalkTarget {
  return {
    s3: d.s3,
    dynamodb: d.dynamodb,
    bucket: d.resources.bucket,
    tableName: d.resources.tableName,
    scope: ingestScope(d.config, prefix),
    // The stack's bucket is versioned, so on AWS a versions listing tells each current version's
    // id; the local S3 emulator keeps no versions.
    versions: !d.local,
    objects: new S3ObjectStore(d.s3),
    headConcurrency: HEAD_CONCURRENCY,
    scanSegments: SCAN_SEGMENTS,
  };
}

/** The table's item count as DynamoDB last computed it (about every six hours): good enough for an ETA. */
export async function approximateItemCount(d: Deployment): Promise<number | undefined> {
  try {
    const out = await d.dynamodb.send(new DescribeTableCommand({ TableName: d.resources.tableName }));
    return out.Table?.ItemCount || undefined;
  } catch {
    return undefined;
  }
}
