import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { startLocalPipeline, type LocalPipeline } from '../../local/local-pipeline';
import { recentLogsFile, type RecentLogs } from '../../local/recent-logs';
import { main as smokeCli } from '../../tools/commands/smoke';
import { main as statusCli } from '../../tools/commands/status';
import { makeConfig } from '../helpers/factories';
import { tempDataDir } from '../helpers/local-env';
import { waitUntil } from '../helpers/wait';

// biome-ignore lint/suspicious/noExplicitAny: a command's --json output, read field by field in assertions
type Json = Record<string, any>;

/** `npm run smoke` and `npm run status` against a running local pipeline (pusher mode, deletes tracked, a key prefix). */
describe('npm run smoke and npm run status against the local pipeline', () => {
  const data = tempDataDir();
  const env = 'smokey';
  let pipeline: LocalPipeline;
  const run = async (command: typeof smokeCli, ...args: string[]) => {
    const out: string[] = [];
    const code = await command([...args, '--env', env, '--local', '--data-dir', data.dir], (s) => void out.push(s));
    return { code, text: out.join('') };
  };
  const json = async (command: typeof smokeCli, ...args: string[]) => {
    const { code, text } = await run(command, ...args, '--json');
    return { code, json: JSON.parse(text) as Json };
  };
  const recentLogs = (): RecentLogs => {
    try {
      return JSON.parse(readFileSync(recentLogsFile(data.dir), 'utf8')) as RecentLogs;
    } catch {
      return { processed: [], errors: [] };
    }
  };
  const keysUnder = async (prefix: string) =>
    ((await pipeline.clients.s3.send(new ListObjectsV2Command({ Bucket: pipeline.resources.bucket, Prefix: prefix }))).Contents ?? []).map(
      (o) => o.Key,
    );

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      config: makeConfig({ environment: env, mode: 'pusher', handleDeletes: true, filters: { prefix: 'incoming/' } }),
      dataDir: data.dir,
      sendTestEvent: false,
    });
  }, 120_000);

  afterAll(async () => {
    await pipeline?.stop();
    data.cleanup();
  });

  it('smoke: uploads a probe under the prefix, sees its item, nothing dead-lettered, removes probe and item; exit 0', async () => {
    const { code, json: result } = await json(smokeCli);
    expect(code).toBe(0);
    expect(result.key).toMatch(/^incoming\/_smoke\/[\w-]+\.txt$/);
    expect(result.latencyMs).toEqual(expect.any(Number));
    expect(result.steps.map((s: Json) => [s.name, s.ok])).toEqual([
      ['upload', true],
      ['item', true],
      ['dead-letter queue', true],
      ['pusher failure queue', true],
      ['cleanup', true],
    ]);
    expect(await keysUnder('incoming/_smoke/')).toEqual([]);
    const item = await pipeline.clients.dynamodb.send(
      new GetItemCommand({
        TableName: pipeline.resources.tableName,
        Key: { s3_key: { S: result.key }, bucket: { S: pipeline.resources.bucket } },
        ConsistentRead: true,
      }),
    );
    expect(item.Item).toBeUndefined();
  }, 90_000);

  it('smoke: prints each step and the latency', async () => {
    const { code, text } = await run(smokeCli);
    expect(code).toBe(0);
    expect(text).toMatch(/^Smoke test of smokey \(local pipeline\): probe "incoming\/_smoke\//);
    expect(text).toMatch(/✓ item: written to ingest-test-objects \d+ ms after the upload/);
    expect(text).toMatch(/Passed: end-to-end latency \d+ ms\.\n$/);
  }, 90_000);

  it('smoke: fails (exit 1) when the event never reaches the pipeline, and still removes the probe', async () => {
    pipeline.notifications.pause();
    try {
      const { code, json: result } = await json(smokeCli, '--timeout', '2');
      expect(code).toBe(1);
      expect(result.steps.find((s: Json) => s.name === 'item')).toMatchObject({
        ok: false,
        detail: expect.stringContaining('no item in ingest-test-objects after 2 s'),
      });
      expect(result.steps.find((s: Json) => s.name === 'cleanup')).toMatchObject({ ok: true });
      expect(await keysUnder('incoming/_smoke/')).toEqual([]);
    } finally {
      pipeline.notifications.resume();
    }
  }, 90_000);

  it('status: healthy pipeline, exit 0, last items from the functions’ recent log lines', async () => {
    await pipeline.waitForDrain(30_000);
    // The recorder writes at most once a second: wait for the smoke probe's lines to be on disk.
    await waitUntil(
      () => recentLogs().processed.some((p) => p.key?.startsWith('incoming/_smoke/') && p.status === 'deleted'),
      'the recorded smoke lines',
    );
    const { code, json: s } = await json(statusCli);
    expect(code).toBe(0);
    expect(s).toMatchObject({
      environment: env,
      where: 'local',
      alarms: null,
      queue: { name: 'ingest-test-ingest', visible: 0, inFlight: 0 },
    });
    expect(s.failureQueues.map((f: Json) => [f.name, f.visible])).toEqual([
      ['ingest-test-ingest-dlq', 0],
      ['ingest-test-pusher-failures', 0],
    ]);
    const recent = JSON.parse(readFileSync(recentLogsFile(data.dir), 'utf8')) as RecentLogs;
    expect(s.recentItems).toEqual([...recent.processed].reverse().slice(0, 10));
    expect(s.recentItems.map((i: Json) => i.status)).toEqual(expect.arrayContaining(['stored', 'deleted']));
    expect(s.recentItems[0].key).toMatch(/^incoming\/_smoke\//);
  }, 60_000);

  it('status: a dead-lettered message makes it exit 2, shown by reason with its age, and its ERROR line listed', async () => {
    await pipeline.clients.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.resources.queueUrl, MessageBody: 'not json at all' }));
    await pipeline.waitForDrain(30_000);
    await waitUntil(() => recentLogs().errors.some((e) => e.level === 'ERROR'), 'the recorded ERROR line');
    const { code, json: s } = await json(statusCli);
    expect(code).toBe(2);
    const dlq = s.failureQueues[0];
    expect(dlq.visible).toBe(1);
    expect(Object.values(dlq.byReason)).toEqual([{ count: 1, oldestAgeSeconds: expect.any(Number) }]);
    expect(s.recentErrors[0]).toMatchObject({ function: 'ingest-test-processor', level: 'ERROR' });
    const { text } = await run(statusCli);
    expect(text).toMatch(/✗ ingest-test-ingest-dlq: 1 message\(s\) · oldest \d+ s\n {4}[\w-]+: 1, oldest \d+ s/);
    expect(text).toContain('Alarms: none locally');
  }, 60_000);

  it('refuses bad options and an environment that is not running', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect((await run(smokeCli, '--timeout', '0')).code).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain('--timeout must be a positive number of seconds (got "0")');
    } finally {
      stderr.mockRestore();
    }
    await expect(smokeCli(['--env', 'nowhere', '--local', '--data-dir', `${data.dir}-missing`], () => undefined)).rejects.toThrow(
      /No local pipeline is running for "nowhere"/,
    );
    await expect(statusCli(['--env', 'nowhere', '--local', '--data-dir', `${data.dir}-missing`], () => undefined)).rejects.toThrow(
      /No local pipeline is running/,
    );
  });
});
