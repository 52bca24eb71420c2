import { ListObjectsV2Command, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';

import type { ListedEntry } from '../../src/core/reconcile-verdict';

export type { ListedEntry };

export interface ListingOptions {
  prefix?: string;
  /** Resume after this key (keys come in UTF-8 binary order). */
  startAfter?: string;
  /**
   * List versions (ListObjectVersions) to learn each current version's id; a key whose current
   * version is a delete marker is not listed. Costs more pages when noncurrent versions pile up.
   */
  versions: boolean;
  /** Keys per page (MaxKeys). @default S3's 1,000 */
  pageSize?: number;
}

const iso = (d: Date | undefined): string | undefined => d?.toISOString();

/** Streams the bucket's current objects a page (≤ 1,000) at a time; never holds more than one page. */
export async function* listCurrentObjects(s3: S3Client, bucket: string, o: ListingOptions): AsyncGenerator<ListedEntry[]> {
  if (o.versions) {
    yield* listVersions(s3, bucket, o);
    return;
  }
  let token: string | undefined;
  do {
    const out = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: o.prefix || undefined,
        StartAfter: token ? undefined : o.startAfter,
        ContinuationToken: token,
        MaxKeys: o.pageSize,
      }),
    );
    yield (out.Contents ?? []).map((c) => ({ key: c.Key!, size: c.Size ?? 0, etag: c.ETag, lastModified: iso(c.LastModified) }));
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
}

async function* listVersions(s3: S3Client, bucket: string, o: ListingOptions): AsyncGenerator<ListedEntry[]> {
  let keyMarker = o.startAfter;
  let versionIdMarker: string | undefined;
  for (;;) {
    const out = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: o.prefix || undefined,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
        MaxKeys: o.pageSize,
      }),
    );
    yield (out.Versions ?? [])
      .filter((v) => v.IsLatest)
      .map((v) => ({
        key: v.Key!,
        size: v.Size ?? 0,
        etag: v.ETag,
        versionId: v.VersionId === 'null' ? undefined : v.VersionId,
        lastModified: iso(v.LastModified),
      }));
    if (!out.IsTruncated) return;
    keyMarker = out.NextKeyMarker;
    versionIdMarker = out.NextVersionIdMarker;
  }
}
