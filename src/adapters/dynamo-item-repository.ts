import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { toAttributeValues } from './attribute-values';
import type { ItemRepository, StoredState, WriteResult } from '../core/ports';
import type { BackfillDeletionMark, BackfillGuard, BackfillItem, DeletionMark, IngestItem } from '../core/types';

/**
 * A real event is written only when no item exists, or the stored event is strictly older in S3's
 * order and — when a backfill wrote the item — the event is from a later second than the version
 * the backfill read (a backfill has no sequencer, and `Last-Modified` has whole seconds: across that
 * boundary time decides, and a tie is refused, so the processor asks S3 instead of guessing).
 * `NOT #b >= :s` also holds when `#b` is absent (a comparison with a missing attribute is false);
 * written this short because DynamoDB Local emulators parse it on every write, in proportion to its length.
 */
const NEWER_ONLY = 'attribute_not_exists(#k) OR (#o < :o AND NOT #b >= :s)';
const NEWER_ONLY_NAMES = { '#k': 's3_key', '#o': 'ordering_key', '#b': 'backfill_last_modified' };
const newerOnlyValues = (orderingKey: string, eventTime: string): Record<string, AttributeValue> => ({
  ':o': { S: orderingKey },
  ':s': { S: wholeSecond(eventTime) },
});

/** Written only over the item the processor read before S3 confirmed the event is current. */
const STILL_SEEN = 'message_id = :seen';

/**
 * A backfill is written only when no item exists, or the item's time is strictly older than the
 * version's `Last-Modified`: a real event's time is never before its version's `Last-Modified`,
 * so the event of this version or of any later one wins. `Last-Modified` has whole seconds, so an
 * item written in the same second is kept — unless {@link unchangedSince} holds.
 */
const BACKFILL_NEWER_ONLY =
  'attribute_not_exists(s3_key) OR (attribute_exists(backfill_last_modified) AND backfill_last_modified < :last_modified) OR (attribute_not_exists(backfill_last_modified) AND event_time < :last_modified)';

/**
 * The item is the one the backfill read before it asked S3 for the current version: everything
 * the item reflects happened before that HeadObject, so what S3 answered is at least as new.
 */
function unchangedSince(guard: BackfillGuard): { condition: string; values: Record<string, AttributeValue> } {
  if (guard.seenMessageId === undefined) return { condition: BACKFILL_NEWER_ONLY, values: {} };
  return {
    condition: `message_id = :seen_message_id OR ${BACKFILL_NEWER_ONLY}`,
    values: { ':seen_message_id': { S: guard.seenMessageId } },
  };
}

/** The ordering key of an item no event wrote: every real sequencer orders after it. */
const BACKFILL_ORDERING_KEY = '0'.repeat(64);

/** The event time's second, in `Last-Modified`'s format (ISO, `.000Z`): event times compare as strings only in one format. */
const wholeSecond = (time: string): string => new Date(Math.floor(Date.parse(time) / 1000) * 1000).toISOString();

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
        ExpressionAttributeNames: NEWER_ONLY_NAMES,
        ExpressionAttributeValues: newerOnlyValues(item.ordering_key, item.event_time),
      }),
    );
  }

  public async markDeletedIfNewer(mark: DeletionMark): Promise<WriteResult> {
    const { s3_key, bucket, ...rest } = mark;
    // The mark is a real event's: a backfill's time no longer applies to the item.
    return this.update(
      { s3_key, bucket },
      { ...rest, deleted: true },
      {
        remove: ['backfill_last_modified'],
        condition: NEWER_ONLY,
        names: NEWER_ONLY_NAMES,
        values: newerOnlyValues(mark.ordering_key, mark.event_time),
      },
    );
  }

  public async stored(bucket: string, key: string): Promise<StoredState | null> {
    const out = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: toAttributeValues({ s3_key: key, bucket }),
        ConsistentRead: true,
        ProjectionExpression: 'message_id, deleted, etag, file_size, version_id',
      }),
    );
    const i = out.Item;
    if (!i) return null;
    return {
      messageId: i.message_id?.S ?? '',
      deleted: i.deleted?.BOOL === true,
      etag: i.etag?.S,
      size: i.file_size?.N === undefined ? undefined : Number(i.file_size.N),
      versionId: i.version_id?.S,
    };
  }

  public async putConfirmed(item: IngestItem, seenMessageId: string): Promise<WriteResult> {
    return this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toAttributeValues({ ...item }),
        ConditionExpression: STILL_SEEN,
        ExpressionAttributeValues: { ':seen': { S: seenMessageId } },
      }),
    );
  }

  public async markDeletedConfirmed(mark: DeletionMark, seenMessageId: string): Promise<WriteResult> {
    const { s3_key, bucket, ...rest } = mark;
    return this.update(
      { s3_key, bucket },
      { ...rest, deleted: true },
      { remove: ['backfill_last_modified'], condition: STILL_SEEN, values: { ':seen': { S: seenMessageId } } },
    );
  }

  public async putBackfillIfNewer(item: BackfillItem, guard: BackfillGuard): Promise<WriteResult> {
    const { s3_key, bucket, ...fields } = item;
    const rule = unchangedSince(guard);
    // Attributes this version lacks must not survive from an older one.
    const absent = (['etag', 'version_id'] as const).filter((n) => fields[n] === undefined);
    return this.update({ s3_key, bucket }, fields, {
      // The item's ordering key is not kept: it may be a forged one that would outrank every real
      // event. Events after the backfill are ordered against its `Last-Modified` instead.
      set: ['ordering_key = :lowest', 'sequencer = :no_sequencer'],
      remove: ['deleted', ...absent],
      condition: rule.condition,
      values: {
        ...rule.values,
        ':last_modified': { S: item.backfill_last_modified },
        ':lowest': { S: BACKFILL_ORDERING_KEY },
        ':no_sequencer': { S: '0' },
      },
    });
  }

  public async markBackfillDeletedIfNewer(mark: BackfillDeletionMark, guard: BackfillGuard): Promise<WriteResult> {
    const { s3_key, bucket, ...rest } = mark;
    const rule = unchangedSince(guard);
    return this.update(
      { s3_key, bucket },
      { ...rest, deleted: true },
      {
        // An item only: a key no item ever named needs no mark.
        condition: `attribute_exists(s3_key) AND (${rule.condition})`,
        values: { ...rule.values, ':last_modified': { S: mark.backfill_last_modified } },
      },
    );
  }

  /** A conditional UpdateItem setting `fields` (and `set` clauses), removing `remove`. */
  private update(
    key: { s3_key: string; bucket: string },
    fields: Record<string, string | number | boolean | undefined>,
    o: { set?: string[]; remove?: string[]; condition: string; names?: Record<string, string>; values: Record<string, AttributeValue> },
  ): Promise<WriteResult> {
    const names = Object.keys(fields).filter((n) => fields[n] !== undefined);
    const set = [...names.map((n) => `#${n} = :${n}`), ...(o.set ?? [])];
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: toAttributeValues(key),
        UpdateExpression: `SET ${set.join(', ')}${o.remove?.length ? ` REMOVE ${o.remove.join(', ')}` : ''}`,
        ConditionExpression: o.condition,
        ExpressionAttributeNames: { ...Object.fromEntries(names.map((n) => [`#${n}`, n])), ...o.names },
        ExpressionAttributeValues: { ...toAttributeValues(Object.fromEntries(names.map((n) => [`:${n}`, fields[n]]))), ...o.values },
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
