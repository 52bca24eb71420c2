import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../config/derive';

export interface IngestTableProps {
  tableName: string;
  /** @default true */
  deletionProtection?: boolean;
}

/**
 * One item per ingested object, keyed by `s3_key` (partition) and `bucket` (sort), so the
 * same key in two buckets never collides while a lookup by key stays a single Query.
 *
 * Defaults it applies: on-demand billing, point-in-time recovery, SSE with the AWS managed
 * KMS key, deletion protection.
 */
export class IngestTable extends Construct {
  public readonly table: DynamodbTable;

  public constructor(scope: Construct, id: string, props: IngestTableProps) {
    super(scope, id);
    this.table = new DynamodbTable(this, 'table', {
      name: props.tableName,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: TABLE_KEYS.partitionKey,
      rangeKey: TABLE_KEYS.sortKey,
      attribute: [
        { name: TABLE_KEYS.partitionKey, type: 'S' },
        { name: TABLE_KEYS.sortKey, type: 'S' },
      ],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: props.deletionProtection ?? true,
    });
  }
}
