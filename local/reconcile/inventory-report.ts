import { createHash, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { stringify } from 'csv-stringify/sync';
import { INVENTORY_COLUMNS, RECONCILE_LAYOUT } from '../../config/derive';
import { encodeS3Key } from '../../src/core/s3-key';

/**
 * S3 Inventory, locally: the report S3 delivers daily or weekly, written from a listing of the local
 * bucket in the format the S3 User Guide documents ("Locating your inventory list", "Inventory
 * manifest"): gzipped CSV data files without a header, every value quoted, keys URL-encoded;
 * `manifest.json` (`fileSchema`, `files` with MD5s) and `manifest.checksum` under a
 * `YYYY-MM-DDTHH-MMZ` folder. The Distributed Map reads it exactly as it reads S3's.
 */

export interface InventoryManifest {
  sourceBucket: string;
  destinationBucket: string;
  version: string;
  creationTimestamp: string;
  fileFormat: string;
  fileSchema: string;
  files: Array<{ key: string; size: number; MD5checksum: string }>;
}

export interface InventoryReportOptions {
  sourceBucket: string;
  destinationBucket: string;
  /** Rows per data file: S3 splits a large inventory into many. */
  rowsPerFile?: number;
  now?: Date;
}

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/** `2026-12-02T03-00Z`: the folder S3 names after the time the report's scan began. */
export const inventoryStamp = (d: Date): string => `${d.toISOString().slice(0, 16).replace(':', '-')}Z`;

/** Writes one inventory report of the source bucket; returns the key of its manifest.json. */
export async function writeInventoryReport(s3: S3Client, o: InventoryReportOptions): Promise<string> {
  const now = o.now ?? new Date();
  const rowsPerFile = o.rowsPerFile ?? 100_000;
  const base = `${RECONCILE_LAYOUT.inventory}/${o.sourceBucket}/${RECONCILE_LAYOUT.inventoryId}`;
  const files: InventoryManifest['files'] = [];
  let rows: string[][] = [];
  const flush = async () => {
    if (rows.length === 0) return;
    const body = gzipSync(stringify(rows, { quoted: true, record_delimiter: '\n' }));
    const key = `${base}/data/${randomUUID()}.csv.gz`;
    await s3.send(new PutObjectCommand({ Bucket: o.destinationBucket, Key: key, Body: body, ContentLength: body.byteLength }));
    files.push({ key, size: body.byteLength, MD5checksum: md5(body) });
    rows = [];
  };
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: o.sourceBucket, ContinuationToken: token }));
    for (const c of page.Contents ?? []) {
      // The local S3 keeps no versions: every object is its key's only, latest version (VersionId empty).
      const row: Record<(typeof INVENTORY_COLUMNS)[number], string> = {
        Bucket: o.sourceBucket,
        Key: encodeS3Key(c.Key!),
        VersionId: '',
        IsLatest: 'true',
        IsDeleteMarker: 'false',
        Size: String(c.Size ?? 0),
        LastModifiedDate: (c.LastModified ?? now).toISOString(),
        ETag: (c.ETag ?? '').replace(/"/g, ''),
      };
      rows.push(INVENTORY_COLUMNS.map((column) => row[column]));
      if (rows.length >= rowsPerFile) await flush();
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  await flush();

  const manifest: InventoryManifest = {
    sourceBucket: o.sourceBucket,
    destinationBucket: `arn:aws:s3:::${o.destinationBucket}`,
    version: '2016-11-30',
    creationTimestamp: String(now.getTime()),
    fileFormat: 'CSV',
    fileSchema: INVENTORY_COLUMNS.join(', '),
    files,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2));
  const manifestKey = `${base}/${inventoryStamp(now)}/manifest.json`;
  await s3.send(new PutObjectCommand({ Bucket: o.destinationBucket, Key: manifestKey, Body: manifestBytes }));
  await s3.send(
    new PutObjectCommand({
      Bucket: o.destinationBucket,
      Key: manifestKey.replace(/manifest\.json$/, 'manifest.checksum'),
      Body: md5(manifestBytes),
    }),
  );
  return manifestKey;
}
