import { ConditionalCheckFailedException, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { toAttributeValues } from './attribute-values';
import type { ItemRepository, WriteResult } from '../core/ports';
import type { DeletionMark, IngestItem } from '../core/types';

/** A write happens only when no item exists or the stored event is strictly older. */
const NEWER_ONLY = 'attribute_not_exists(s3_key) OR ordering_key < :ordering_key';

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
        ExpressionAttributeValues: { ':ordering_key': { S: item.ordering_key } },
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
        UpdateExpression: `SET ${names.map((n) => `#${n} = :${n}`).join(', ')}`,
        ConditionExpression: NEWER_ONLY,
        ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
        ExpressionAttributeValues: toAttributeValues(Object.fromEntries(names.map((n) => [`:${n}`, fields[n as keyof typeof fields]]))),
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
