import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startEmulators, type Emulators } from '../../local/emulators';
import { localClients } from '../../local/local-clients';
import { limitConcurrency } from '../../src/core/limit';
import { listCurrentObjects } from '../../tools/reconcile/bucket-listing';
import { tempDataDir } from '../helpers/local-env';

/**
 * Listings past one page: s3rver's continuation tokens failed with a 500 on Node 20 until the emulator
 * thread mapped its cipher. Pages of 5 keys (MaxKeys) take the same token path as S3's default 1,000
 * without uploading 1,001 objects (~10 s of CPU).
 */
describe('listing more than one page from the local S3', () => {
  const data = tempDataDir();
  let emulators: Emulators;
  let s3: ReturnType<typeof localClients>['s3'];
  const keys = Array.from({ length: 11 }, (_, i) => `page/${String(i).padStart(4, '0')}.txt`);
  const pageSize = 5;

  beforeAll(async () => {
    emulators = await startEmulators({ dataDir: data.dir, reset: true, accountId: '111111111111', region: 'eu-west-1' });
    s3 = localClients(emulators.endpoints, 'eu-west-1').s3;
    await s3.send(new CreateBucketCommand({ Bucket: 'listing-test' }));
    const put = limitConcurrency(16, (key: string) => s3.send(new PutObjectCommand({ Bucket: 'listing-test', Key: key, Body: key })));
    await Promise.all(keys.map(put));
  }, 60_000);

  afterAll(async () => {
    s3?.destroy();
    await emulators?.stop();
    data.cleanup();
  });

  it('returns a continuation token for a truncated page, and the next page with it', async () => {
    const first = await s3.send(new ListObjectsV2Command({ Bucket: 'listing-test', MaxKeys: 10 }));
    expect(first).toMatchObject({ IsTruncated: true, KeyCount: 10 });
    const second = await s3.send(
      new ListObjectsV2Command({ Bucket: 'listing-test', MaxKeys: 10, ContinuationToken: first.NextContinuationToken }),
    );
    expect(second.Contents?.map((c) => c.Key)).toEqual(['page/0010.txt']);
  });

  it('reconcile’s listing streams every key once, in order, a page at a time, and resumes after a key', async () => {
    const pages: string[][] = [];
    for await (const page of listCurrentObjects(s3, 'listing-test', { versions: false, pageSize })) pages.push(page.map((e) => e.key));
    expect(pages.map((p) => p.length)).toEqual([5, 5, 1]);
    expect(pages.flat()).toEqual(keys);
    const resumed: string[] = [];
    for await (const page of listCurrentObjects(s3, 'listing-test', { versions: false, pageSize, startAfter: 'page/0003.txt' }))
      resumed.push(...page.map((e) => e.key));
    expect(resumed).toEqual(keys.slice(4));
  });
});
