import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { LocalPipeline } from '../../local/local-pipeline';

/**
 * The drift reconcile and backfill must find, made on a running local pipeline: `keys` (which must
 * hold `lost item.txt`, `changed.txt` and `removed.txt`) ingested; then the item of `lost item.txt`
 * lost, and while notifications are off `quiet.txt` written, `changed.txt` rewritten, `notes.md`
 * (outside a `.txt` suffix filter) written and `removed.txt` deleted.
 */
export async function driftTheTable(pipeline: LocalPipeline, keys: string[]): Promise<void> {
  for (const key of keys) await pipeline.upload(key, `first ${key}`, 'text/plain');
  await pipeline.waitForDrain(60_000);
  await pipeline.clients.dynamodb.send(
    new DeleteItemCommand({
      TableName: pipeline.resources.tableName,
      Key: { s3_key: { S: 'lost item.txt' }, bucket: { S: pipeline.resources.bucket } },
    }),
  );
  pipeline.notifications.pause();
  await pipeline.upload('quiet.txt', 'never announced', 'text/plain');
  await pipeline.upload('changed.txt', 'second, longer content', 'text/plain');
  await pipeline.upload('notes.md', 'excluded by the suffix filter', 'text/markdown');
  await pipeline.clients.s3.send(new DeleteObjectCommand({ Bucket: pipeline.resources.bucket, Key: 'removed.txt' }));
  pipeline.notifications.resume();
}

/** The item of `key` in the pipeline's bucket, or undefined. */
export async function itemOf(pipeline: LocalPipeline, key: string) {
  const out = await pipeline.clients.dynamodb.send(
    new GetItemCommand({ TableName: pipeline.resources.tableName, Key: { s3_key: { S: key }, bucket: { S: pipeline.resources.bucket } } }),
  );
  return out.Item;
}
