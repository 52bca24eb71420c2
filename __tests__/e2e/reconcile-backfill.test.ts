import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/project-root';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { main as backfillCli } from '../../tools/commands/backfill';
import { backfill } from '../../tools/reconcile/backfill';
import { createRateLimiter } from '../../tools/reconcile/rate-limiter';
import { walkTarget } from '../../tools/reconcile/target';
import { locateDeployment } from '../../tools/deployment';
import { main as reconcileCli } from '../../tools/commands/reconcile';
import { datasetId } from '../../local/emulators';
import { startLocalPipeline, type LocalPipeline } from '../../local/local-pipeline';
import { makeConfig } from '../helpers/factories';
import { tempDataDir } from '../helpers/local-env';
import { driftTheTable, itemOf } from '../helpers/table-drift';

// biome-ignore lint/suspicious/noExplicitAny: a command's --json output, read field by field in assertions
type Json = Record<string, any>;

/**
 * The table drifts from the bucket (items lost, objects written and deleted while notifications
 * were off, a file the filters exclude); reconcile names exactly those; backfill repairs them
 * through the queue; reconcile is clean; a second backfill sends nothing.
 */
describe('npm run reconcile and npm run backfill against the local pipeline', () => {
  const data = tempDataDir();
  const env = 'recon';
  const checkpoint = join(PROJECT_ROOT, '.backfill', `${env}.local.json`);
  let pipeline: LocalPipeline;
  const cli = async (command: typeof reconcileCli, ...args: string[]) => {
    const out: string[] = [];
    const code = await command([...args, '--env', env, '--local', '--data-dir', data.dir, '--json'], (s) => void out.push(s));
    return { code, json: JSON.parse(out.join('')) as Json };
  };
  const item = (key: string) => itemOf(pipeline, key);

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      config: makeConfig({ environment: env, handleDeletes: true, filters: { suffix: '.txt' } }),
      dataDir: data.dir,
      sendTestEvent: false,
    });
    await driftTheTable(pipeline, ['keep.txt', 'lost item.txt', 'changed.txt', 'removed.txt']);
  }, 120_000);

  afterAll(async () => {
    await pipeline?.stop();
    data.cleanup();
  });

  it('reports exactly the missing, stale and orphaned keys, and exits 2', async () => {
    const { code, json } = await cli(reconcileCli);
    expect(code).toBe(2);
    expect(json.counts).toEqual({ objects: 4, items: 3, missing: 2, stale: 1, orphaned: 1 });
    expect([...json.missing].sort()).toEqual(['lost item.txt', 'quiet.txt']);
    expect(json.stale).toEqual([{ key: 'changed.txt', differs: ['etag', 'size'] }]);
    expect(json.orphaned).toEqual(['removed.txt']);
  }, 60_000);

  it('narrows to a prefix', async () => {
    const { json } = await cli(reconcileCli, '--prefix', 'q');
    expect(json.counts).toEqual({ objects: 1, items: 0, missing: 1, stale: 0, orphaned: 0 });
  }, 60_000);

  it('a dry run lists what it would send and sends nothing', async () => {
    const { code, json } = await cli(backfillCli, '--dry-run');
    expect(code).toBe(0);
    expect(json).toMatchObject({ dryRun: true, counts: { missing: 2, stale: 1, orphaned: 1, sent: 4 } });
    await pipeline.waitForDrain(30_000);
    expect(await item('quiet.txt')).toBeUndefined();
    expect(existsSync(checkpoint)).toBe(false);
  }, 60_000);

  it('backfills through the queue; reconcile is then clean; a second backfill sends nothing', async () => {
    const first = await cli(backfillCli, '--rate', '50');
    expect(first.code).toBe(0);
    expect([...first.json.sent].sort()).toEqual(['changed.txt', 'lost item.txt', 'quiet.txt', 'removed.txt']);
    expect(existsSync(checkpoint)).toBe(false);
    await pipeline.waitForDrain(60_000);

    expect(await item('quiet.txt')).toMatchObject({
      content_type: { S: 'text/plain' },
      file_size: { N: '15' },
      event_name: { S: 'Backfill:ObjectListed' },
    });
    expect(await item('changed.txt')).toMatchObject({ file_size: { N: '22' } });
    expect(await item('removed.txt')).toMatchObject({ deleted: { BOOL: true }, event_name: { S: 'Backfill:ObjectGone' } });
    expect(await item('notes.md')).toBeUndefined();
    expect(pipeline.outcomes.count('backfilled')).toBe(4);

    const after = await cli(reconcileCli);
    expect(after.code).toBe(0);
    expect(after.json.counts).toEqual({ objects: 4, items: 4, missing: 0, stale: 0, orphaned: 0 });

    const again = await cli(backfillCli);
    expect(again.json.counts.sent).toBe(0);
  }, 120_000);

  it('resumes an interrupted run after its checkpoint, and refuses one of other settings', async () => {
    pipeline.notifications.pause();
    for (const key of ['resume/a.txt', 'resume/b.txt']) await pipeline.upload(key, key, 'text/plain');
    pipeline.notifications.resume();
    // As if a run had finished the listing page ending at resume/a.txt and was then killed.
    mkdirSync(join(PROJECT_ROOT, '.backfill'), { recursive: true });
    const run = {
      environment: env,
      target: 'local',
      bucket: pipeline.resources.bucket,
      prefix: 'resume/',
      onlyMissing: false,
      data: `local:${datasetId(data.dir)}`,
    };
    writeFileSync(checkpoint, JSON.stringify({ run, lastKey: 'resume/a.txt', sent: 1, updatedAt: new Date().toISOString() }));

    await expect(cli(backfillCli, '--prefix', 'other/')).rejects.toThrow(/checkpoint .* is of another run/);
    const resumed = await cli(backfillCli, '--prefix', 'resume/');
    expect(resumed.json).toMatchObject({ resumedAfter: 'resume/a.txt', sent: ['resume/b.txt'] });
    expect(existsSync(checkpoint)).toBe(false);
    await pipeline.waitForDrain(30_000);

    const restarted = await cli(backfillCli, '--prefix', 'resume/', '--restart');
    await pipeline.waitForDrain(30_000);
    expect(restarted.json.sent).toEqual(['resume/a.txt']);
    const { json } = await cli(reconcileCli);
    expect(json.counts).toMatchObject({ missing: 0, stale: 0, orphaned: 0 });
  }, 120_000);

  it('discards a checkpoint made for other data (before a --reset) instead of skipping the keys before it', async () => {
    pipeline.notifications.pause();
    for (const key of ['stale/a.txt', 'stale/b.txt']) await pipeline.upload(key, key, 'text/plain');
    pipeline.notifications.resume();
    mkdirSync(join(PROJECT_ROOT, '.backfill'), { recursive: true });
    const run = {
      environment: env,
      target: 'local',
      bucket: pipeline.resources.bucket,
      prefix: 'stale/',
      onlyMissing: false,
      data: 'local:a-folder-since-reset',
    };
    writeFileSync(checkpoint, JSON.stringify({ run, lastKey: 'stale/a.txt', sent: 1, updatedAt: new Date().toISOString() }));
    const out: string[] = [];
    expect(await backfillCli(['--env', env, '--local', '--data-dir', data.dir, '--prefix', 'stale/'], (s) => void out.push(s))).toBe(0);
    expect(out.join('')).toContain('was discarded: it was made for other data (local:a-folder-since-reset; now local:');
    expect(out.join('')).toMatch(/sent \(2\):\n {4}"stale\/a.txt"\n {4}"stale\/b.txt"/);
    await pipeline.waitForDrain(30_000);
  }, 120_000);

  it('refuses bad options with a clear message', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await backfillCli(['--rate', 'fast', '--env', env, '--local', '--data-dir', data.dir], () => undefined)).toBe(2);
      expect(await reconcileCli(['--limit=-1', '--env', env, '--local', '--data-dir', data.dir], () => undefined)).toBe(2);
      const said = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(said).toContain('--rate must be a non-negative number');
      expect(said).toContain('--limit must be a non-negative integer');
    } finally {
      stderr.mockRestore();
    }
    await expect(reconcileCli(['--env', 'nowhere', '--local'])).rejects.toThrow(/No local pipeline is running for "nowhere"/);
    await expect(reconcileCli(['--env', 'other', '--local', '--data-dir', data.dir])).rejects.toThrow(
      `runs environment "${env}", not "other"`,
    );
  });
});

/**
 * A real upload of the same key races a backfill, both ways round: whichever lands last, the
 * item ends up describing the newest version.
 */
describe('a real upload racing a backfill, on the local pipeline', () => {
  const data = tempDataDir();
  const env = 'race';
  let pipeline: LocalPipeline;

  /** Runs the backfill up to the send, and holds its messages: they go when the test says. */
  async function backfillHeld(prefix: string): Promise<string[]> {
    const d = locateDeployment(env, { local: true, dataDir: data.dir });
    const held: string[] = [];
    try {
      await backfill({
        ...walkTarget(d, prefix),
        queue: { sendBatch: async (messages) => (held.push(...messages.map((m) => m.body)), { failedIds: [] }) },
        limiter: createRateLimiter(0),
        onlyMissing: false,
        handleDeletes: true,
        dryRun: false,
        keyLimit: 100,
        checkpoint: null,
      });
    } finally {
      d.close();
    }
    return held;
  }
  const send = (body: string) =>
    pipeline.clients.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.resources.queueUrl, MessageBody: body }));
  const item = (key: string) => itemOf(pipeline, key);

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      config: makeConfig({ environment: env, handleDeletes: true }),
      dataDir: data.dir,
      sendTestEvent: false,
    });
  }, 60_000);

  afterAll(async () => {
    await pipeline?.stop();
    data.cleanup();
  });

  it('the real upload lands between the backfill’s read and its write: the newer version stays', async () => {
    pipeline.notifications.pause();
    await pipeline.upload('a/race.txt', 'v1', 'text/plain');
    pipeline.notifications.resume();
    const held = await backfillHeld('a/');
    expect(held).toHaveLength(1);
    await pipeline.upload('a/race.txt', 'version two', 'text/plain');
    await pipeline.waitForDrain(30_000);
    await send(held[0]!);
    await pipeline.waitForDrain(30_000);
    expect(await item('a/race.txt')).toMatchObject({ file_size: { N: '11' }, event_name: { S: 'ObjectCreated:Put' } });
    expect(pipeline.outcomes.count('backfilled')).toBe(0);
  }, 60_000);

  it('the backfill lands first: the real upload’s event overwrites it', async () => {
    pipeline.notifications.pause();
    await pipeline.upload('b/race.txt', 'v1', 'text/plain');
    pipeline.notifications.resume();
    const held = await backfillHeld('b/');
    await send(held[0]!);
    await pipeline.waitForDrain(30_000);
    expect(await item('b/race.txt')).toMatchObject({ file_size: { N: '2' }, event_name: { S: 'Backfill:ObjectListed' } });
    await pipeline.upload('b/race.txt', 'version two', 'text/plain');
    await pipeline.waitForDrain(30_000);
    expect(await item('b/race.txt')).toMatchObject({ file_size: { N: '11' }, event_name: { S: 'ObjectCreated:Put' } });
  }, 60_000);
});
