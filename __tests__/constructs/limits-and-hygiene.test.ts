import { makeConfig } from '../helpers/factories';
import { policyOf, resourceOf, resourcesOf, synthPipeline } from '../helpers/synth';

describe('limits and hygiene', () => {
  it('reserves the processor the mapping’s maximum concurrency by default, or the configured value', () => {
    const fn = (cfg: Parameters<typeof makeConfig>[0]) => resourceOf(synthPipeline(makeConfig(cfg)), 'aws_lambda_function');
    expect(fn({ processor: { maxConcurrency: 7 } }).reserved_concurrent_executions).toBe(7);
    expect(fn({ processor: { maxConcurrency: 7, reservedConcurrency: 12 } }).reserved_concurrent_executions).toBe(12);
  });

  it('caps the pusher’s concurrency', () => {
    const s = synthPipeline(makeConfig({ mode: 'pusher', pusher: { reservedConcurrency: 15 } }));
    const pusher = resourcesOf(s, 'aws_lambda_function').find((f) => f.function_name === 'ingest-test-pusher')!;
    expect(pusher.reserved_concurrent_executions).toBe(15);
    expect(
      resourcesOf(synthPipeline(makeConfig({ mode: 'pusher' })), 'aws_lambda_function').find(
        (f) => f.function_name === 'ingest-test-pusher',
      )!.reserved_concurrent_executions,
    ).toBe(20);
  });

  it('has no access log bucket unless configured', () => {
    const s = synthPipeline(makeConfig());
    expect(resourcesOf(s, 'aws_s3_bucket')).toHaveLength(1);
    expect(resourcesOf(s, 'aws_s3_bucket_logging')).toHaveLength(0);
  });

  describe('with bucket.accessLogging', () => {
    const s = synthPipeline(makeConfig({ bucket: { accessLogging: true, accessLogRetentionDays: 60 } }));
    const logBucket = resourceOf(s, 'aws_s3_bucket', 'access-logs');
    const uploads = resourceOf(s, 'aws_s3_bucket', 'uploads');
    const parts = (type: string) => resourcesOf(s, type).filter((r) => String(r.bucket).includes(`aws_s3_bucket.${logBucket.id}.`));

    it('sends the uploads bucket’s access logs to a bucket of their own, under the bucket’s name', () => {
      expect(logBucket.bucket).toBe('ingest-test-access-logs-123456789012');
      expect(resourceOf(s, 'aws_s3_bucket_logging')).toMatchObject({
        bucket: `\${aws_s3_bucket.${uploads.id}.id}`,
        target_bucket: `\${aws_s3_bucket.${logBucket.id}.id}`,
        target_prefix: 'ingest-test-uploads-123456789012/',
      });
    });

    it('hardens the log bucket like every bucket: no public access, no ACLs, SSE-S3 (what log delivery supports), TLS only, expiring logs', () => {
      expect(parts('aws_s3_bucket_public_access_block')[0]).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(parts('aws_s3_bucket_ownership_controls')[0]!.rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
      expect(parts('aws_s3_bucket_server_side_encryption_configuration')[0]!.rule).toEqual([
        { apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } },
      ]);
      expect(parts('aws_s3_bucket_lifecycle_configuration')[0]!.rule).toEqual(
        expect.arrayContaining([expect.objectContaining({ expiration: [{ days: 60 }] })]),
      );
      expect(parts('aws_s3_bucket_logging')).toHaveLength(0);
    });

    it('lets only S3’s logging service write, for this bucket and account, and denies plain HTTP', () => {
      const policy = policyOf(parts('aws_s3_bucket_policy')[0]!);
      expect(policy.Statement.map((st) => st.Sid)).toEqual(['S3ServerAccessLogsPolicy', 'DenyInsecureTransport']);
      expect(policy.Statement[0]).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: 'arn:aws:s3:::ingest-test-access-logs-123456789012/ingest-test-uploads-123456789012/*',
        Condition: {
          ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::ingest-test-uploads-123456789012' },
          StringEquals: { 'aws:SourceAccount': '123456789012' },
        },
      });
    });
  });

  it('prod logs access; every shipped config keeps reserved concurrency and the delete-marker rule', () => {
    const { loadConfig } = require('../../config/load') as typeof import('../../config/load');
    const prod = synthPipeline(loadConfig('prod'));
    expect(resourcesOf(prod, 'aws_s3_bucket_logging')).toHaveLength(1);
    for (const env of ['dev', 'prod', 'staging']) {
      const s = synthPipeline(loadConfig(env));
      for (const f of resourcesOf(s, 'aws_lambda_function')) expect(f.reserved_concurrent_executions).toBeGreaterThan(0);
      for (const l of resourcesOf(s, 'aws_s3_bucket_lifecycle_configuration')) {
        expect(l.rule).toEqual(expect.arrayContaining([expect.objectContaining({ expiration: [{ expired_object_delete_marker: true }] })]));
      }
    }
  });
});
