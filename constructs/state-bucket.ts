import { Construct } from 'constructs';
import { SecureBucket } from './secure-bucket';

export interface StateBucketProps {
  bucketName: string;
  /** Noncurrent state versions are kept this many days, for rollback. @default 90 */
  noncurrentVersionExpirationDays?: number;
}

/**
 * The bucket holding Terraform state: a {@link SecureBucket} (versioned, SSE, public access
 * blocked, TLS-only) that is never force-destroyed and never expires current state.
 * Locking uses S3 lock files (`use_lockfile`), so no DynamoDB lock table is created.
 */
export class StateBucket extends Construct {
  public readonly storage: SecureBucket;

  public constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    this.storage = new SecureBucket(this, 'state', {
      bucketName: props.bucketName,
      forceDestroy: false,
      expireAfterDays: 0,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays ?? 90,
    });
  }
}
