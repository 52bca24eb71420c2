import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_CONTENT_TYPE } from '../core/items';
import type { ObjectStore } from '../core/ports';
import type { ObjectHead } from '../core/types';

const isNotFound = (e: unknown): boolean => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NotFound' || err?.name === 'NoSuchKey' || err?.name === 'NoSuchVersion' || err?.$metadata?.httpStatusCode === 404;
};

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
        metadata: out.Metadata ?? {},
      };
    } catch (e) {
      // Gone since the event: nothing to retry. Anything else (403, 5xx, network) is thrown: transient.
      if (isNotFound(e)) return null;
      throw e;
    }
  }
}
