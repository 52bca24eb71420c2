import { BatchGetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS } from '../core/items';
import type { ItemSummary } from '../core/reconcile-verdict';

/** BatchGetItem's limit per request. */
const BATCH_GET_LIMIT = 100;
const ATTEMPTS = 8;

const NAMES = {
  '#k': TABLE_KEYS.partitionKey,
  '#b': TABLE_KEYS.sortKey,
  '#e': 'etag',
  '#s': 'file_size',
  '#v': 'version_id',
  '#d': 'deleted',
  '#m': 'message_id',
};

function summary(item: Record<string, AttributeValue>): ItemSummary {
  return {
    key: item[TABLE_KEYS.partitionKey]!.S!,
    etag: item.etag?.S,
    size: item.file_size?.N === undefined ? undefined : Number(item.file_size.N),
    versionId: item.version_id?.S,
    deleted: item.deleted?.BOOL === true,
    messageId: item.message_id?.S,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The items of these keys in one bucket, by key (absent: no item). Requests of 100 keys, all at
 * once (a listing page makes ten); keys DynamoDB leaves unprocessed (throttling, 16 MB responses)
 * are asked again with backoff.
 */
export async function lookUpItems(
  dynamodb: DynamoDBClient,
  tableName: string,
  bucket: string,
  keys: string[],
  sleepFor = sleep,
): Promise<Map<string, ItemSummary>> {
  const found = new Map<string, ItemSummary>();
  const lookUp = async (chunk: string[]) => {
    let request: Record<string, AttributeValue>[] = chunk.map((k) => ({
      [TABLE_KEYS.partitionKey]: { S: k },
      [TABLE_KEYS.sortKey]: { S: bucket },
    }));
    for (let attempt = 1; request.length > 0; attempt++) {
      if (attempt > ATTEMPTS)
        throw new Error(`DynamoDB left ${request.length} key(s) unprocessed after ${ATTEMPTS} attempts (table ${tableName} throttled?)`);
      if (attempt > 1) await sleepFor(Math.min(50 * 2 ** attempt, 5_000));
      const out = await dynamodb.send(
        new BatchGetItemCommand({
          RequestItems: {
            [tableName]: { Keys: request, ProjectionExpression: Object.keys(NAMES).join(', '), ExpressionAttributeNames: NAMES },
          },
        }),
      );
      for (const item of out.Responses?.[tableName] ?? []) {
        const s = summary(item);
        found.set(s.key, s);
      }
      request = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  };
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) chunks.push(keys.slice(i, i + BATCH_GET_LIMIT));
  await Promise.all(chunks.map(lookUp));
  return found;
}
