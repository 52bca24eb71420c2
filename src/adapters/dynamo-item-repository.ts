import { ConditionalCheckFailedException, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { toAttributeValues } from './attribute-values';
import type { ItemRepository, WriteResult } from '../core/ports';
import type { BackfillItem, DeletionMark, IngestItem } from '../core/types';

/**
 * A real event is written only when no item exists, or the stored event is strictly older in S3's
 * order and — when a backfill wrote the item — the event is not older than the version the
 * backfill read (a backfill has no sequencer, so across that boundary time decides).
 */
const NEWER_ONLY =
  'attribute_not_exists(s3_key) OR (ordering_key < :ordering_key AND (attribute_not_exists(backfill_last_modified) OR backfill_last_modified <= :event_time))';

/**
 * A backfill is written only when no item exists, or the item's time is strictly older than the
 * version's `Last-Modified`: a real event's time is never before its version's `Last-Modified`,
 * so the event of this version or of any later one wins.
 */
const BACKFILL_NEWER_ONLY =
  'attribute_not_exists(s3_key) OR (attribute_exists(backfill_last_modified) AND backfill_last_modified < :last_modified) OR (attribute_not_exists(backfill_last_modified) AND event_time < :last_modified)';

/** The ordering key of an item no event wrote: every real sequencer orders after it. */
export const BACKFILL_ORDERING_KEY = '0'.repeat(64);

/** Event times compare as strings only in one format (EventBridge's have no milliseconds). */
const isoTime = (time: string): string => new Date(time).toISOString();

/** {@link ItemRepository} over DynamoDB conditional writes. */
export class DynamoItemRepository implements ItemRepository {
  public constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  public async putIfNewer(item: IngestItem): Promise<WriteResult> {
    return this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toAttributeValues({ ...item }),
        ConditionExpression: NEWER_ONLY,
        ExpressionAttributeValues: { ':ordering_key': { S: item.ordering_key }, ':event_time': { S: isoTime(item.event_time) } },
      }),
    );
  }

  public async markDeletedIfNewer(mark: DeletionMark): Promise<WriteResult> {
    const { s3_key, bucket, ...rest } = mark;
    const fields = { ...rest, deleted: true };
    const names = Object.keys(fields);
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: toAttributeValues({ s3_key, bucket }),
        // The mark is a real event's: a backfill's time no longer applies to the item.
        UpdateExpression: `SET ${names.map((n) => `#${n} = :${n}`).join(', ')} REMOVE backfill_last_modified`,
        ConditionExpression: NEWER_ONLY,
        ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
        ExpressionAttributeValues: {
          ...toAttributeValues(Object.fromEntries(names.map((n) => [`:${n}`, fields[n as keyof typeof fields]]))),
          ':event_time': { S: isoTime(mark.event_time) },
        },
      }),
    );
  }

  public async putBackfillIfNewer(item: BackfillItem): Promise<WriteResult> {
    const { s3_key, bucket, ...fields } = item;
    const names = Object.keys(fields);
    // Attributes this version lacks must not survive from an older one.
    const absent = (['etag', 'version_id'] as const).filter((n) => fields[n] === undefined);
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: toAttributeValues({ s3_key, bucket }),
        UpdateExpression:
          `SET ${names.map((n) => `#${n} = :${n}`).join(', ')}, ordering_key = if_not_exists(ordering_key, :lowest), sequencer = if_not_exists(sequencer, :no_sequencer)` +
          ` REMOVE deleted${absent.map((n) => `, ${n}`).join('')}`,
        ConditionExpression: BACKFILL_NEWER_ONLY,
        ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
        ExpressionAttributeValues: {
          ...toAttributeValues(Object.fromEntries(names.map((n) => [`:${n}`, fields[n as keyof typeof fields]]))),
          ':last_modified': { S: item.backfill_last_modified },
          ':lowest': { S: BACKFILL_ORDERING_KEY },
          ':no_sequencer': { S: '0' },
        },
      }),
    );
  }

  private async conditional(command: PutItemCommand | UpdateItemCommand): Promise<WriteResult> {
    try {
      await this.dynamodb.send(command as PutItemCommand);
      return 'written';
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException || (e as Error)?.name === 'ConditionalCheckFailedException') return 'stale';
      throw e;
    }
  }
}
