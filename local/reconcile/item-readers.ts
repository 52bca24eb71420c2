import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import type { InventoryManifest } from './inventory-report';

/**
 * What a Distributed Map's ItemReader hands its batches, for each source the reconcile definition
 * uses, shaped as the Step Functions developer guide shows them ("ItemReader (Map)").
 */

const bytesOf = async (s3: S3Client, bucket: string, key: string): Promise<Buffer> => {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
};

/** The columns a manifest's `fileSchema` names (`"Bucket, Key, Size, LastModifiedDate"`). */
export const schemaColumns = (fileSchema: string): string[] => fileSchema.split(',').map((c) => c.trim());

/** One inventory data file (CSV, no header, every value quoted) as the map's items: an object per row, named by the schema. */
export function inventoryRows(csv: Buffer | string, columns: string[]): Record<string, string>[] {
  return parse(csv, { columns, relax_column_count: false }) as Record<string, string>[];
}

/** `InputType: MANIFEST`: each CSV row of each data file, as an object named by the manifest's `fileSchema`. */
export async function* inventoryItems(s3: S3Client, bucket: string, manifestKey: string): AsyncGenerator<Record<string, string>> {
  const manifest = JSON.parse((await bytesOf(s3, bucket, manifestKey)).toString('utf8')) as InventoryManifest;
  if (manifest.fileFormat !== 'CSV')
    throw new Error(`${manifestKey}: a Distributed Map reads CSV inventories only (this one is ${manifest.fileFormat})`);
  const columns = schemaColumns(manifest.fileSchema);
  for (const file of manifest.files) {
    const gz = await bytesOf(s3, bucket, file.key);
    const md5 = createHash('md5').update(gz).digest('hex');
    if (md5 !== file.MD5checksum) throw new Error(`${file.key}: MD5 ${md5} differs from the manifest's ${file.MD5checksum}`);
    yield* inventoryRows(gunzipSync(gz), columns);
  }
}

/** `s3:listObjectsV2` without a transformation: one metadata item per object. */
export async function* listedItems(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<Record<string, unknown>> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }));
    for (const c of page.Contents ?? []) {
      yield {
        Etag: c.ETag,
        Key: c.Key,
        LastModified: Math.floor((c.LastModified?.getTime() ?? 0) / 1000),
        Size: c.Size,
        StorageClass: c.StorageClass ?? 'STANDARD',
      };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** `s3:listObjectsV2` with `InputType: JSONL, Transformation: LOAD_AND_FLATTEN`: every line of every listed (gzipped) file. */
export async function* flattenedJsonLines(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<unknown> {
  for await (const meta of listedItems(s3, bucket, prefix)) {
    const key = String(meta.Key);
    const raw = await bytesOf(s3, bucket, key);
    const text = (key.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    for (const line of text.split('\n')) if (line.trim()) yield JSON.parse(line);
  }
}
