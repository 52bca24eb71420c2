import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { listCurrentObjects } from '../../../../tools/reconcile/bucket-listing';
import { lookUpItems } from '../../../../src/adapters/dynamo-item-summaries';

describe('lookUpItems', () => {
  const dynamodb = mockClient(DynamoDBClient);
  afterEach(() => dynamodb.reset());
  const key = (k: string) => ({ s3_key: { S: k }, bucket: { S: 'b' } });

  it('asks 100 keys a request and retries the keys DynamoDB left unprocessed', async () => {
    const keys = Array.from({ length: 150 }, (_, i) => `k${i}`);
    let leftOnce = false;
    dynamodb.on(BatchGetItemCommand).callsFake((input) => {
      const asked = (input.RequestItems.t.Keys as Array<{ s3_key: { S: string } }>).map((k) => k.s3_key.S);
      // k1 is left unprocessed the first time it is asked for; k0 and k1 exist.
      const unprocessed = asked.includes('k1') && !leftOnce ? ['k1'] : [];
      leftOnce ||= unprocessed.length > 0;
      const items = asked
        .filter((k) => ['k0', 'k1'].includes(k) && !unprocessed.includes(k))
        .map((k) =>
          k === 'k0'
            ? { ...key('k0'), etag: { S: 'e' }, file_size: { N: '3' }, message_id: { S: 'm' } }
            : { ...key('k1'), deleted: { BOOL: true } },
        );
      return { Responses: { t: items }, UnprocessedKeys: unprocessed.length ? { t: { Keys: unprocessed.map(key) } } : {} };
    });
    const sleeps: number[] = [];
    const found = await lookUpItems(new DynamoDBClient({}), 't', 'b', keys, async (ms) => void sleeps.push(ms));
    const calls = dynamodb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input.RequestItems!.t!.Keys!.length);
    expect(calls.sort((a, b) => a - b)).toEqual([1, 50, 100]);
    expect(sleeps).toHaveLength(1);
    expect(found.get('k0')).toEqual({ key: 'k0', etag: 'e', size: 3, versionId: undefined, deleted: false, messageId: 'm' });
    expect(found.get('k1')?.deleted).toBe(true);
    expect(found.has('k2')).toBe(false);
  });

  it('gives up with a clear error when keys stay unprocessed', async () => {
    dynamodb.on(BatchGetItemCommand).resolves({ UnprocessedKeys: { t: { Keys: [key('k0')] } } });
    await expect(lookUpItems(new DynamoDBClient({}), 't', 'b', ['k0'], async () => undefined)).rejects.toThrow(
      'left 1 key(s) unprocessed after 8 attempts',
    );
  });
});

describe('listCurrentObjects with versions', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());

  it('yields each key’s current version, skips keys whose current version is a delete marker, and pages on', async () => {
    const at = new Date('2026-11-27T12:00:00Z');
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({
        IsTruncated: true,
        NextKeyMarker: 'b',
        NextVersionIdMarker: 'b1',
        Versions: [
          { Key: 'a', VersionId: 'a2', IsLatest: true, Size: 2, ETag: '"x"', LastModified: at },
          { Key: 'a', VersionId: 'a1', IsLatest: false, Size: 1 },
          { Key: 'b', VersionId: 'b1', IsLatest: false, Size: 1 },
        ],
        DeleteMarkers: [{ Key: 'b', VersionId: 'bm', IsLatest: true }],
      })
      .resolvesOnce({ IsTruncated: false, Versions: [{ Key: 'c', VersionId: 'null', IsLatest: true, Size: 3 }] });
    const pages = [];
    for await (const page of listCurrentObjects(new S3Client({}), 'bucket', { versions: true, prefix: 'p', startAfter: 'Z' }))
      pages.push(page);
    expect(pages).toEqual([
      [{ key: 'a', size: 2, etag: '"x"', versionId: 'a2', lastModified: '2026-11-27T12:00:00.000Z' }],
      [{ key: 'c', size: 3, etag: undefined, versionId: undefined, lastModified: undefined }],
    ]);
    const inputs = s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({ Prefix: 'p', KeyMarker: 'Z' });
    expect(inputs[1]).toMatchObject({ KeyMarker: 'b', VersionIdMarker: 'b1' });
  });
});
