import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { RECONCILE_LAYOUT } from '../../config/derive';

/**
 * DynamoDB's export to S3, locally: what `ExportTableToPointInTime` (DYNAMODB_JSON) writes, in the
 * layout the DynamoDB Developer Guide documents ("DynamoDB table export output format"):
 * `<prefix>/AWSDynamoDB/<export id>/data/<name>.json.gz` (one `{"Item": {…}}` per line),
 * `manifest-files.json` (a JSON line per data file) and `manifest-summary.json`. Written from a Scan
 * of the local table, the stand-in for DynamoDB's own export engine.
 */

export interface TableExport {
  exportId: string;
  /** The data files' folder: the Distributed Map's ListObjectsV2 prefix. */
  dataPrefix: string;
  itemCount: number;
}

export interface TableExportOptions {
  tableName: string;
  region: string;
  accountId: string;
  bucket: string;
  itemsPerFile?: number;
  now?: Date;
}

/** Writes one export of the table; returns where its data files are. */
export async function writeTableExport(dynamodb: DynamoDBClient, s3: S3Client, o: TableExportOptions): Promise<TableExport> {
  const now = o.now ?? new Date();
  const exportId = `${now.getTime()}-${randomBytes(4).toString('hex')}`;
  const base = `${RECONCILE_LAYOUT.exports}/AWSDynamoDB/${exportId}`;
  const itemsPerFile = o.itemsPerFile ?? 50_000;
  const manifestLines: string[] = [];
  let lines: string[] = [];
  let itemCount = 0;
  let billed = 0;
  const flush = async () => {
    if (lines.length === 0) return;
    const text = `${lines.join('\n')}\n`;
    billed += Buffer.byteLength(text);
    const body = gzipSync(text);
    const key = `${base}/data/${randomBytes(12).toString('hex')}.json.gz`;
    const out = await s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: key, Body: body, ContentLength: body.byteLength }));
    manifestLines.push(
      JSON.stringify({
        itemCount: lines.length,
        md5Checksum: createHash('md5').update(body).digest('base64'),
        etag: out.ETag?.replace(/"/g, ''),
        dataFileS3Key: key,
      }),
    );
    lines = [];
  };
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: o.tableName, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      lines.push(JSON.stringify({ Item: item }));
      itemCount++;
      if (lines.length >= itemsPerFile) await flush();
    }
    start = page.LastEvaluatedKey;
  } while (start);
  await flush();

  const tableArn = `arn:aws:dynamodb:${o.region}:${o.accountId}:table/${o.tableName}`;
  const manifestFilesKey = `${base}/manifest-files.json`;
  await s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: manifestFilesKey, Body: manifestLines.map((l) => `${l}\n`).join('') }));
  const summary = {
    version: '2020-06-30',
    exportArn: `${tableArn}/export/${exportId}`,
    startTime: now.toISOString(),
    endTime: new Date().toISOString(),
    tableArn,
    tableId: '00000000-0000-0000-0000-000000000000',
    exportTime: now.toISOString(),
    s3Bucket: o.bucket,
    s3Prefix: RECONCILE_LAYOUT.exports,
    s3SseAlgorithm: 'AES256',
    s3SseKmsKeyId: null,
    manifestFilesS3Key: manifestFilesKey,
    billedSizeBytes: billed,
    itemCount,
    outputFormat: 'DYNAMODB_JSON',
    exportType: 'FULL_EXPORT',
  };
  await s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: `${base}/manifest-summary.json`, Body: JSON.stringify(summary) }));
  return { exportId, dataPrefix: `${base}/data/`, itemCount };
}
