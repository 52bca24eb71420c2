import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { AccessDeniedError } from '../core/errors';
import { DEFAULT_CONTENT_TYPE } from '../core/items';
import type { ObjectStore } from '../core/ports';
import type { ObjectHead } from '../core/types';

type SdkError = { name?: string; $metadata?: { httpStatusCode?: number } };
const status = (e: unknown): number | undefined => (e as SdkError)?.$metadata?.httpStatusCode;

/**
 * Gone: 404 (`NotFound`, `NoSuchKey`, `NoSuchVersion`; S3 answers 404 only to a caller that may
 * `s3:ListBucket`, else 403), or 405 for a version that is a delete marker.
 */
function isGone(e: unknown, versionId?: string): boolean {
  const name = (e as SdkError)?.name;
  return (
    name === 'NotFound' ||
    name === 'NoSuchKey' ||
    name === 'NoSuchVersion' ||
    status(e) === 404 ||
    (versionId !== undefined && status(e) === 405)
  );
}

const isDenied = (e: unknown): boolean =>
  status(e) === 403 || (e as SdkError)?.name === 'AccessDenied' || (e as SdkError)?.name === 'Forbidden';

/** {@link ObjectStore} over S3 HeadObject. */
export class S3ObjectStore implements ObjectStore {
  public constructor(private readonly s3: S3Client) {}

  public async head(bucket: string, key: string, versionId?: string): Promise<ObjectHead | null> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      return {
        contentType: out.ContentType ?? DEFAULT_CONTENT_TYPE,
        size: out.ContentLength ?? 0,
        etag: out.ETag,
        versionId: out.VersionId,
        lastModified: out.LastModified?.toISOString(),
        metadata: out.Metadata ?? {},
      };
    } catch (e) {
      // Gone since the event: nothing to retry. Denied: retried, and reported as a permissions
      // problem. Anything else (5xx, throttling, network) is thrown as it is: transient.
      if (isGone(e, versionId)) return null;
      if (isDenied(e))
        throw new AccessDeniedError('s3:HeadObject', `s3://${bucket}/${key}${versionId ? `?versionId=${versionId}` : ''}`, { cause: e });
      throw e;
    }
  }
}
