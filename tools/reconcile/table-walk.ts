import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { listCurrentObjects, type ListedEntry } from './bucket-listing';
import { compare, type ItemSummary, type Verdict } from '../../src/core/reconcile-verdict';
import type { IngestScope } from '../../src/core/ingest-scope';
import { lookUpItems } from '../../src/adapters/dynamo-item-summaries';
import type { OrphanSearch } from './orphans';
import type { ObjectStore } from '../../src/core/ports';

export interface WalkTarget {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  bucket: string;
  tableName: string;
  scope: IngestScope;
  /** List versions (ListObjectVersions) rather than objects; see {@link listCurrentObjects}. */
  versions: boolean;
  objects: ObjectStore;
  headConcurrency: number;
  scanSegments: number;
}

/** The orphan search over the same bucket, table and scope. */
export const orphanSearch = (t: WalkTarget): OrphanSearch => ({
  dynamodb: t.dynamodb,
  objects: t.objects,
  bucket: t.bucket,
  tableName: t.tableName,
  prefix: t.scope.listPrefix,
  segments: t.scanSegments,
  headConcurrency: t.headConcurrency,
});

export interface ComparedObject {
  entry: ListedEntry;
  item?: ItemSummary;
  verdict: Verdict;
}

export interface ComparedPage {
  /** Every listed object of the page, in scope or not. */
  listed: number;
  /** The page's last key: resuming after it skips nothing of the pages before. */
  lastKey?: string;
  /** The in-scope objects, each against its item. */
  compared: ComparedObject[];
}

/**
 * The bucket against the table, a listing page at a time: each page's in-scope keys are looked up
 * with BatchGetItem, so memory holds one page whatever the bucket's size.
 */
export async function* compareBucketWithTable(t: WalkTarget, o: { startAfter?: string } = {}): AsyncGenerator<ComparedPage> {
  for await (const page of listCurrentObjects(t.s3, t.bucket, {
    prefix: t.scope.listPrefix,
    startAfter: o.startAfter,
    versions: t.versions,
  })) {
    const inScope = page.filter((e) => t.scope.byListing(e.key, e.size));
    const items = await lookUpItems(
      t.dynamodb,
      t.tableName,
      t.bucket,
      inScope.map((e) => e.key),
    );
    yield {
      listed: page.length,
      lastKey: page.at(-1)?.key,
      compared: inScope.map((entry) => {
        const item = items.get(entry.key);
        return { entry, item, verdict: compare(entry, item) };
      }),
    };
  }
}
