import { ScanCommand, type AttributeValue, type DynamoDBClient, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS } from '../../config/derive';
import { limitConcurrency } from '../../src/core/limit';
import type { ObjectStore } from '../../src/core/ports';

export interface OrphanSearch {
  dynamodb: DynamoDBClient;
  objects: ObjectStore;
  bucket: string;
  tableName: string;
  /** Only items whose key starts with this. */
  prefix: string;
  /** Parallel Scan segments. */
  segments: number;
  /** HeadObject calls at once. */
  headConcurrency: number;
}

/** Live items (not marked deleted) of the bucket under the prefix: their keys, or only their count. */
function liveItemsScan(s: OrphanSearch, what: 'keys' | 'count'): Omit<ScanCommandInput, 'Segment'> {
  // DynamoDB refuses names the expressions do not use.
  const usesKey = what === 'keys' || s.prefix !== '';
  return {
    TableName: s.tableName,
    TotalSegments: s.segments,
    FilterExpression: `#b = :b AND attribute_not_exists(#d)${s.prefix ? ' AND begins_with(#k, :p)' : ''}`,
    // Keys: at most 1,000 items a page, so each segment holds at most that many HeadObjects in line.
    ...(what === 'keys' ? { ProjectionExpression: '#k, #m', Limit: 1000 } : { Select: 'COUNT' as const }),
    ExpressionAttributeNames: {
      '#b': TABLE_KEYS.sortKey,
      '#d': 'deleted',
      ...(usesKey ? { '#k': TABLE_KEYS.partitionKey } : {}),
      ...(what === 'keys' ? { '#m': 'message_id' } : {}),
    },
    ExpressionAttributeValues: { ':b': { S: s.bucket }, ...(s.prefix ? { ':p': { S: s.prefix } } : {}) },
  };
}

/** Runs a parallel Scan, handing each page's items (if any were asked for) to `onPage`. */
async function scanAll(
  dynamodb: DynamoDBClient,
  input: Omit<ScanCommandInput, 'Segment'>,
  onPage: (count: number, items: Record<string, AttributeValue>[]) => Promise<void>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: input.TotalSegments ?? 1 }, async (_, segment) => {
      let start: Record<string, AttributeValue> | undefined;
      do {
        const out = await dynamodb.send(new ScanCommand({ ...input, Segment: segment, ExclusiveStartKey: start }));
        await onPage(out.Count ?? 0, out.Items ?? []);
        start = out.LastEvaluatedKey;
      } while (start);
    }),
  );
}

/** How many live items the bucket has under the prefix (a COUNT Scan: no items cross the wire). */
async function countLiveItems(s: OrphanSearch): Promise<number> {
  let total = 0;
  await scanAll(s.dynamodb, liveItemsScan(s, 'count'), async (count) => void (total += count));
  return total;
}

/** A live item whose object is gone. */
export interface Orphan {
  key: string;
  /** When the HeadObject that answered 404 was sent. */
  checkedAt: string;
  /** The item's `message_id` as scanned (before that HeadObject). */
  seenMessageId?: string;
}

export type OnOrphan = (orphan: Orphan) => Promise<void> | void;

/**
 * Live items whose object is gone: a Scan of the live items, each checked with HeadObject (the
 * current version; a delete marker answers 404). Costs one HeadObject per live item: see
 * {@link searchOrphans}.
 */
async function findOrphans(s: OrphanSearch, onOrphan: OnOrphan, onChecked: (n: number) => void = () => undefined): Promise<void> {
  const check = limitConcurrency(s.headConcurrency, async (item: Record<string, AttributeValue>): Promise<Orphan | null> => {
    const key = item[TABLE_KEYS.partitionKey]!.S!;
    const checkedAt = new Date().toISOString();
    return (await s.objects.head(s.bucket, key)) === null ? { key, checkedAt, seenMessageId: item.message_id?.S } : null;
  });
  await scanAll(s.dynamodb, liveItemsScan(s, 'keys'), async (_, items) => {
    const gone = await Promise.all(items.map((i) => check(i)));
    for (const orphan of gone) if (orphan) await onOrphan(orphan);
    onChecked(items.length);
  });
}

/**
 * Orphans, cheaply when there are none: a COUNT Scan of the live items first; only when it differs
 * from `liveMatched` (the live items the listing found objects for) does the HeadObject pass run.
 * Returns the live item count.
 */
export async function searchOrphans(
  s: OrphanSearch,
  liveMatched: number,
  onOrphan: OnOrphan,
  onChecked?: (n: number) => void,
): Promise<number> {
  const live = await countLiveItems(s);
  if (live !== liveMatched) await findOrphans(s, onOrphan, onChecked);
  return live;
}
