import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalPipeline, type LocalPipeline } from '../../local/local-pipeline';
import { makeConfig } from '../helpers/factories';
import { tempDataDir } from '../helpers/local-env';

const md5 = (b: Buffer | Uint8Array) => createHash('md5').update(b).digest('hex');

/** What any S3 client can send the local S3: keys s3rver would mishandle, concurrent writes of one key. */
describe('hostile keys against the local S3', () => {
  const data = tempDataDir();
  let pipeline: LocalPipeline;
  const put = (Key: string, Body: string | Buffer) =>
    pipeline.clients.s3.send(new PutObjectCommand({ Bucket: pipeline.resources.bucket, Key, Body, ContentType: 'text/plain' }));

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      config: makeConfig({ environment: 'hostile' }),
      dataDir: join(data.dir, 'store'),
      sendTestEvent: false,
    });
  }, 120_000);
  afterAll(async () => {
    await pipeline?.stop();
    data.cleanup();
  });

  it.each(['../../escape.txt', 'a/./b.txt', 'a/x/../b.txt', 'a//b.txt', 'bell\u0001.txt', `${'x'.repeat(250)}.txt`])(
    'refuses %j with a local-emulator error, writing nothing anywhere',
    async (key) => {
      await expect(put(key, 'hostile')).rejects.toMatchObject({
        name: 'LocalEmulatorUnsupportedKey',
        message: expect.stringContaining('cannot be stored faithfully by s3rver'),
      });
      expect(existsSync(join(data.dir, 'escape.txt._S3rver_object'))).toBe(false);
      const listed = (await pipeline.clients.s3.send(new ListObjectsV2Command({ Bucket: pipeline.resources.bucket }))).Contents ?? [];
      expect(listed.map((o) => o.Key)).not.toContain(key);
    },
  );

  it('stores keys AWS and s3rver both handle, newline included', async () => {
    for (const key of ['ok/a..b.txt', 'line\nbreak.txt', 'folder/']) await put(key, 'fine');
    const listed = ((await pipeline.clients.s3.send(new ListObjectsV2Command({ Bucket: pipeline.resources.bucket }))).Contents ?? []).map(
      (o) => o.Key,
    );
    expect(listed).toEqual(expect.arrayContaining(['ok/a..b.txt', 'line\nbreak.txt', 'folder/']));
  });

  it('serializes concurrent writes of one key: the object is one of the uploads, byte for byte', async () => {
    const bodies = [Buffer.alloc(3 * 1024 * 1024, 'a'), Buffer.alloc(2 * 1024 * 1024, 'b'), Buffer.alloc(4 * 1024 * 1024, 'c')];
    await Promise.all(bodies.map((b) => put('contended.bin', b)));
    const got = Buffer.from(
      await (
        await pipeline.clients.s3.send(new GetObjectCommand({ Bucket: pipeline.resources.bucket, Key: 'contended.bin' }))
      ).Body!.transformToByteArray(),
    );
    expect(bodies.map(md5)).toContain(md5(got));
  }, 60_000);
});

/** Local IAM must not deny what AWS allows: IAM wildcards match any character, and S3 keys are not paths. */
describe('local IAM on unusual keys', () => {
  const data = tempDataDir();
  let pipeline: LocalPipeline;
  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      config: makeConfig({ environment: 'iamkeys', filters: { prefix: 'in/' }, processor: { timeoutSeconds: 5 } }),
      dataDir: join(data.dir, 'store'),
      sendTestEvent: false,
    });
  }, 120_000);
  afterAll(async () => {
    await pipeline?.stop();
    data.cleanup();
  });
  const denied = async () => {
    const p = await pipeline.permissions();
    return 'denied' in p ? p.denied.map((d) => `${d.action} ${d.resource}`) : [];
  };

  it('a key with a newline is read and stored (the policy’s `in/*` matches it, as on AWS)', async () => {
    await pipeline.upload('in/line\nbreak.txt', 'x', 'text/plain');
    await pipeline.waitForDrain(30_000);
    expect(pipeline.outcomes.outcomes.filter((o) => o.key === 'in/line\nbreak.txt').map((o) => o.status)).toContain('stored');
    expect(await denied()).toEqual([]);
  }, 60_000);

  it('a key with ".." under the prefix is authorized as the key it is, not as a normalized path', async () => {
    const { s3EventBody } = await import('../helpers/factories');
    await pipeline.injectMessage(s3EventBody({ bucket: pipeline.resources.bucket, key: 'in/../elsewhere.txt' }));
    await pipeline.waitForDrain(30_000);
    // HeadObject of in/../elsewhere.txt is allowed by `in/*` (AWS does not resolve ".."); the object does not exist: skipped.
    expect(pipeline.outcomes.outcomes.filter((o) => o.key === 'in/../elsewhere.txt').map((o) => o.status)).toEqual(['skipped']);
    expect(await denied()).toEqual([]);
  }, 60_000);
});
