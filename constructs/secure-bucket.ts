import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Construct } from 'constructs';
import { denyInsecureTransport, policyDocument, type PolicyStatement } from './policy-document';

export interface SecureBucketProps {
  bucketName: string;
  /** @default false — `terraform destroy` refuses a non-empty bucket. */
  forceDestroy?: boolean;
  /** Expire current versions after N days. @default 0 (never) */
  expireAfterDays?: number;
  /** Expire noncurrent versions after N days. @default 0 (never) */
  noncurrentVersionExpirationDays?: number;
  /** Statements added to the bucket policy (e.g. the S3 logging service's grant on a log bucket). @default none */
  statements?: PolicyStatement[];
  /** Server access logs of this bucket go to another bucket. @default none */
  accessLogs?: { targetBucket: string; targetPrefix: string };
}

/**
 * A private S3 bucket with the defaults every bucket here needs: all public access blocked,
 * bucket-owner-enforced ownership (no ACLs), SSE-S3 encryption, versioning, a TLS-only
 * bucket policy, and a lifecycle that aborts incomplete multipart uploads after 7 days,
 * removes delete markers left without versions (every later request would otherwise list
 * past them), plus the optional expirations.
 */
export class SecureBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly policy: S3BucketPolicy;
  public readonly versioning: S3BucketVersioningA;
  public readonly publicAccess: S3BucketPublicAccessBlock;

  public constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
    const bucketId = this.bucket.id;

    const publicAccess = (this.publicAccess = new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket: bucketId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }));
    new S3BucketOwnershipControls(this, 'ownership', { bucket: bucketId, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: bucketId,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    this.versioning = new S3BucketVersioningA(this, 'versioning', {
      bucket: bucketId,
      versioningConfiguration: { status: 'Enabled' },
    });
    this.policy = new S3BucketPolicy(this, 'policy', {
      bucket: bucketId,
      policy: policyDocument([...(props.statements ?? []), denyInsecureTransport(['s3:*'], [this.bucket.arn, `${this.bucket.arn}/*`])]),
      // S3 rejects a policy write that races the public access block.
      dependsOn: [publicAccess],
    });

    const expire = props.expireAfterDays ?? 0;
    const noncurrent = props.noncurrentVersionExpirationDays ?? 0;
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucketId,
      rule: [
        {
          id: 'housekeeping',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          ...(expire > 0 ? { expiration: [{ days: expire }] } : {}),
          ...(noncurrent > 0 ? { noncurrentVersionExpiration: [{ noncurrentDays: noncurrent }] } : {}),
        },
        // S3 refuses ExpiredObjectDeleteMarker beside Days or Date in one expiration: a rule of its own.
        { id: 'expired-delete-markers', status: 'Enabled', filter: [{ prefix: '' }], expiration: [{ expiredObjectDeleteMarker: true }] },
      ],
      dependsOn: [this.versioning],
    });

    if (props.accessLogs) {
      new S3BucketLoggingA(this, 'access-logs', {
        bucket: bucketId,
        targetBucket: props.accessLogs.targetBucket,
        targetPrefix: props.accessLogs.targetPrefix,
      });
    }
  }
}
