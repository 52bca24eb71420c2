import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalPipeline, type LocalPipeline } from '../../local/local-pipeline';
import { main as backfillCli } from '../../tools/commands/backfill';
import { makeConfig } from '../helpers/factories';
import { tempDataDir } from '../helpers/local-env';
import { eventually } from '../helpers/wait';

type Held = { key: string; eventTime: string; release: () => void };

/**
 * Same-second ordering through the whole local pipeline: V1's notification is held, V2 is written in
 * the same second and its notification lost, a backfill writes V2, then V1's event is released. The
 * backfill's `Last-Modified` has whole seconds, so the table alone cannot order V1's event against it:
 * the processor must ask S3, and the item must stay V2.
 */
describe('a late event in the same second as a backfilled version', () => {
  const data = tempDataDir();
  const env = 'order';
  let pipeline: LocalPipeline;
  const held: Held[] = [];
  let holdKey: string | undefined;

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      config: makeConfig({ environment: env }),
      dataDir: data.dir,
      sendTestEvent: false,
      beforeDeliver: async (record) => {
        const s3 = (record as { s3: { object: { key: string } } }).s3;
        if (holdKey === undefined || s3.object.key !== holdKey || held.some((h) => h.key === holdKey)) return;
        await new Promise<void>((release) =>
          held.push({ key: holdKey!, eventTime: String((record as { eventTime: string }).eventTime), release }),
        );
      },
    });
  }, 120_000);
  afterAll(async () => {
    for (const h of held) h.release();
    await pipeline?.stop();
    data.cleanup();
  });

  const item = async (key: string) =>
    (
      await pipeline.clients.dynamodb.send(
        new GetItemCommand({
          TableName: pipeline.resources.tableName,
          Key: { s3_key: { S: key }, bucket: { S: pipeline.resources.bucket } },
          ConsistentRead: true,
        }),
      )
    ).Item;

  it('hold V1, write V2 (its event lost), backfill, release V1: the item stays V2', async () => {
    // Prepare: V1 and V2 within one second (a few tries: the second may turn between them).
    let key = '';
    let v1: Held | undefined;
    for (let attempt = 0; attempt < 5 && !v1; attempt++) {
      key = `same-second-${attempt}.txt`;
      holdKey = key;
      await pipeline.upload(key, 'v1', 'text/plain');
      const heldV1 = await eventually(async () => held.find((h) => h.key === key), 20_000, "V1's notification held");
      pipeline.notifications.pause();
      await pipeline.upload(key, 'version two, longer', 'text/plain');
      pipeline.notifications.resume();
      const head = await pipeline.clients.s3.send(new HeadObjectCommand({ Bucket: pipeline.resources.bucket, Key: key }));
      if (Math.floor(Date.parse(heldV1.eventTime) / 1000) === Math.floor(head.LastModified!.getTime() / 1000)) v1 = heldV1;
      else heldV1.release();
    }
    expect(v1).toBeDefined();
    const out: string[] = [];
    expect(await backfillCli(['--env', env, '--local', '--data-dir', data.dir, '--prefix', key, '--json'], (s) => void out.push(s))).toBe(
      0,
    );
    await eventually(async () => ((await item(key))?.file_size?.N === '19' ? true : undefined), 30_000, 'the backfilled V2');
    const processed = pipeline.outcomes.count('stored') + pipeline.outcomes.count('duplicate');
    // Act
    v1!.release();
    await eventually(
      async () => (pipeline.outcomes.count('stored') + pipeline.outcomes.count('duplicate') > processed ? true : undefined),
      30_000,
      "V1's event processed",
    );
    // Assess
    expect(await item(key)).toMatchObject({ file_size: { N: '19' }, event_name: { S: 'Backfill:ObjectListed' } });
  }, 180_000);

  it('only the stack’s bucket notifies: an object in another bucket on the same emulator makes no event', async () => {
    holdKey = undefined;
    await pipeline.clients.s3.send(new CreateBucketCommand({ Bucket: 'someone-elses-bucket' }));
    await pipeline.clients.s3.send(
      new PutObjectCommand({ Bucket: 'someone-elses-bucket', Key: 'not-ours.txt', Body: 'x', ContentType: 'text/plain' }),
    );
    await pipeline.upload('ours.txt', 'y', 'text/plain');
    await eventually(async () => ((await item('ours.txt')) ? true : undefined), 30_000, 'our object stored');
    await pipeline.waitForDrain(30_000);
    expect(pipeline.outcomes.outcomes.filter((o) => o.key === 'not-ours.txt')).toEqual([]);
    const theirs = await pipeline.clients.dynamodb.send(
      new GetItemCommand({
        TableName: pipeline.resources.tableName,
        Key: { s3_key: { S: 'not-ours.txt' }, bucket: { S: 'someone-elses-bucket' } },
      }),
    );
    expect(theirs.Item).toBeUndefined();
  }, 60_000);
});
