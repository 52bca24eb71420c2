import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startEmulators, type Emulators } from '../../local/emulators';
import { localClients } from '../../local/local-clients';
import { limitConcurrency } from '../../src/core/limit';
import { listCurrentObjects } from '../../tools/reconcile/bucket-listing';
import { tempDataDir } from '../helpers/local-env';

/** Listings past one page: s3rver's continuation tokens failed with a 500 on Node 20 until the emulator thread mapped its cipher. */
describe('listing more than one page from the local S3', () => {
  const data = tempDataDir();
  let emulators: Emulators;
  let s3: ReturnType<typeof localClients>['s3'];
  const keys = Array.from({ length: 1_001 }, (_, i) => `page/${String(i).padStart(4, '0')}.txt`);

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
    const first = await s3.send(new ListObjectsV2Command({ Bucket: 'listing-test' }));
    expect(first).toMatchObject({ IsTruncated: true, KeyCount: 1000 });
    const second = await s3.send(new ListObjectsV2Command({ Bucket: 'listing-test', ContinuationToken: first.NextContinuationToken }));
    expect(second.Contents?.map((c) => c.Key)).toEqual(['page/1000.txt']);
  });

  it('reconcile’s listing streams every key once, in order, a page at a time, and resumes after a key', async () => {
    const pages: string[][] = [];
    for await (const page of listCurrentObjects(s3, 'listing-test', { versions: false })) pages.push(page.map((e) => e.key));
    expect(pages.map((p) => p.length)).toEqual([1000, 1]);
    expect(pages.flat()).toEqual(keys);
    const resumed: string[] = [];
    for await (const page of listCurrentObjects(s3, 'listing-test', { versions: false, startAfter: 'page/0998.txt' })) resumed.push(...page.map((e) => e.key));
    expect(resumed).toEqual(['page/0999.txt', 'page/1000.txt']);
  });
});
