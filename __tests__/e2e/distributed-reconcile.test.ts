import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { main as reconcileCli } from '../../tools/commands/reconcile';
import { startLocalPipeline, type LocalPipeline } from '../../local/local-pipeline';
import { makeConfig } from '../helpers/factories';
import { tempDataDir } from '../helpers/local-env';
import { driftTheTable, itemOf } from '../helpers/table-drift';

// biome-ignore lint/suspicious/noExplicitAny: a command's --json output, read field by field in assertions
type Json = Record<string, any>;

const KEYS = ['keep.txt', 'lost item.txt', 'changed.txt', 'removed.txt', 'a+b c%20d é.txt', 'dir/x?y=1&z#w.txt', 'comma, "quoted".txt'];

/**
 * The distributed path on the local pipeline: the state machine's own definition run over a real
 * S3 Inventory report (manifest.json + CSV.gz) and DynamoDB export written from the local data,
 * each batch through the reconcile function on the function host. Same counts as the
 * single-process reconcile; its backfill repairs the table.
 */
describe('npm run reconcile -- --distributed against the local pipeline', () => {
  const data = tempDataDir();
  const env = 'dist';
  let pipeline: LocalPipeline;
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const code = await reconcileCli([...args, '--env', env, '--local', '--data-dir', data.dir, '--json'], (s) => void out.push(s));
    return { code, json: JSON.parse(out.join('')) as Json };
  };
  const item = (key: string) => itemOf(pipeline, key);
  const sorted = (keys: string[]) => [...keys].sort();

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      // Two objects a batch: the objects pass and the orphans pass each take several batches.
      config: makeConfig({
        environment: env,
        handleDeletes: true,
        filters: { suffix: '.txt' },
        reconcile: { distributed: true, itemsPerBatch: 2 },
      }),
      dataDir: data.dir,
      sendTestEvent: false,
    });
    await driftTheTable(pipeline, KEYS);
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
    data.cleanup();
  });

  it('gives the same counts and keys as the single-process reconcile, and exits 2', async () => {
    const single = await cli();
    const distributed = await cli('--distributed');
    expect(distributed.code).toBe(2);
    expect(single.code).toBe(2);
    expect(distributed.json.counts).toEqual(single.json.counts);
    expect(distributed.json.counts).toEqual({ objects: 7, items: 6, missing: 2, stale: 1, orphaned: 1 });
    expect(sorted(distributed.json.missing)).toEqual(sorted(single.json.missing));
    expect(distributed.json.stale).toEqual(single.json.stale);
    expect(distributed.json.orphaned).toEqual(['removed.txt']);
    // 7 in-scope objects + notes.md, two a batch; the export's 6 items (one was lost) likewise, twice:
    // counted per key shard, then read again for the one shard holding the orphan.
    expect(distributed.json.run.objects.batches).toBe(4);
    expect(distributed.json.run.live.batches).toBe(3);
    expect(distributed.json.run.orphanShards).toHaveLength(1);
    expect(distributed.json.run.orphans.batches).toBe(3);
    expect(distributed.json.run.orphans.counts.live).toBeLessThan(6);
    expect(distributed.json.run.executionArns).toEqual([]);
    expect(distributed.json.run.objects.counts.invalid).toBe(0);
  }, 120_000);

  it('reads the inventory and export it wrote: a CSV.gz of URL-encoded keys under a manifest, gzipped DynamoDB JSON lines', async () => {
    const bucket = pipeline.resources.inventoryBucket!;
    const listed = await pipeline.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).map((c) => c.Key!);
    const manifestKey = keys.find((k) => /^inventory\/.+\/reconcile\/\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z\/manifest\.json$/.test(k))!;
    const manifest = JSON.parse(
      await (await pipeline.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: manifestKey }))).Body!.transformToString(),
    );
    expect(manifest).toMatchObject({
      fileFormat: 'CSV',
      fileSchema: 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag',
    });
    const csv = gunzipSync(
      Buffer.from(
        await (
          await pipeline.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: manifest.files[0].key }))
        ).Body!.transformToByteArray(),
      ),
    ).toString();
    expect(csv).toContain(`"${pipeline.resources.bucket}","a%2Bb+c%2520d+%C3%A9.txt"`);
    expect(keys.some((k) => /^exports\/AWSDynamoDB\/[^/]+\/data\/[0-9a-f]+\.json\.gz$/.test(k))).toBe(true);
    expect(keys.some((k) => /^exports\/AWSDynamoDB\/[^/]+\/manifest-summary\.json$/.test(k))).toBe(true);
    expect(keys.some((k) => /^reconcile-results\/objects\/[^/]+\/manifest\.json$/.test(k))).toBe(true);
  }, 60_000);

  it('narrows to a prefix; lists the bucket instead of the inventory when asked', async () => {
    const narrowed = await cli('--distributed', '--prefix', 'q', '--skip-orphans');
    expect(narrowed.json.counts).toMatchObject({ objects: 1, missing: 1, stale: 0 });
    expect(narrowed.json.run.orphans).toBeUndefined();
    const listed = await cli('--distributed', '--listing', '--skip-orphans');
    expect(listed.json.run.input.inventoryManifest).toBeUndefined();
    expect(listed.json.counts).toMatchObject({ objects: 7, missing: 2, stale: 1 });
  }, 120_000);

  it('refuses an empty export folder before anything starts, and reports an unreadable inventory as an incomplete run (exit 1)', async () => {
    const out: string[] = [];
    const args = ['--env', env, '--local', '--data-dir', data.dir, '--distributed'];
    // An error the command cannot report as counts ends it (runMain prints it, exit 1).
    await expect(reconcileCli([...args, '--export-prefix', 'exports/none/'], (s) => void out.push(s))).rejects.toThrow(
      'No export data files under s3://',
    );
    expect(await reconcileCli([...args, '--manifest', 'inventory/none/manifest.json', '--skip-orphans'], (s) => void out.push(s))).toBe(1);
    expect(out.join('')).toContain('States.ItemReaderFailed');
    expect(out.join('')).toContain('The run did not complete: these counts are partial');
  }, 60_000);

  it('backfills what differs through the queue; both reconciles are then clean', async () => {
    const run = await cli('--distributed', '--backfill');
    expect(run.code).toBe(0);
    expect(run.json.run.objects.counts.sent + run.json.run.orphans.counts.sent).toBe(4);
    expect(run.json.run.orphans.counts.sent).toBe(1);
    await pipeline.waitForDrain(60_000);
    expect(await item('quiet.txt')).toMatchObject({ file_size: { N: '15' }, event_name: { S: 'Backfill:ObjectListed' } });
    expect(await item('changed.txt')).toMatchObject({ file_size: { N: '22' } });
    expect(await item('removed.txt')).toMatchObject({ deleted: { BOOL: true } });
    expect(await item('notes.md')).toBeUndefined();
    const after = await cli('--distributed');
    expect(after.code).toBe(0);
    // Every call the reconcile function made was allowed by the role the stack gives it.
    const permissions = await pipeline.permissions();
    expect(
      'allowed' in permissions &&
        permissions.allowed
          .filter((a) => a.caller.endsWith('-reconcile'))
          .map((a) => a.action)
          .sort(),
      // s3:ListBucket: HeadObject of a gone key, S3's implicit check that makes it a 404.
    ).toEqual(['dynamodb:BatchGetItem', 's3:GetObject', 's3:ListBucket', 'sqs:SendMessage']);
    expect('denied' in permissions && permissions.denied).toEqual([]);
    expect(after.json.counts).toEqual({ objects: 7, items: 7, missing: 0, stale: 0, orphaned: 0 });
    expect((await cli()).json.counts).toEqual(after.json.counts);
    // Every live item matched an object: the orphan search read nothing more and asked S3 nothing.
    expect(after.json.run.orphanShards).toEqual([]);
    expect(after.json.run.orphans).toBeUndefined();
  }, 180_000);
});
