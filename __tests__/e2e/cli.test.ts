import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAllConfigs } from '../../config/load';
import { nodeTargetOf } from '../../config/runtimes';
import { tempDataDir } from '../helpers/local-env';
import { waitUntil } from '../helpers/wait';
import { recentLogsFile, type RecentLogs } from '../../local/recent-logs';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

async function start(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [join(ROOT, 'dist', 'local-cli.js'), ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** `npm start -- --watch …` as a child process, with its output collected and a way to wait on it. */
async function spawnWatcher(args: string[]) {
  const { spawn } = await import('node:child_process');
  const child = spawn('node', [join(ROOT, 'dist', 'local-cli.js'), ...args], { cwd: ROOT });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const waitFor = (check: () => boolean, what: string) =>
    waitUntil(check, what, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}; stderr: ${out.stderr}`);
    });
  const interrupt = async () => {
    child.kill('SIGINT');
    return new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  };
  return { out, waitFor, interrupt };
}

describe('npm start', () => {
  const data = tempDataDir();
  beforeAll(() => execFileSync('node', [join(ROOT, 'scripts', 'build-app.js'), 'local-cli']));
  afterAll(() => data.cleanup());

  it('ingests the samples and accounts for every one of them in --json', async () => {
    const { code, stdout } = await start(['--json', '--reset', '--data-dir', join(data.dir, 'samples')]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.items.map((i: { s3_key: string }) => i.s3_key).sort()).toEqual(
      [
        '100% done.md',
        'a+b=c.csv',
        'café/日本語 ファイル.txt',
        'empty.txt',
        'hello.txt',
        'nested/deeper/report 2026 (final).json',
        'red flower.jpg',
      ].sort(),
    );
    expect(report.items[0]).toEqual(
      expect.objectContaining({
        s3_key: expect.any(String),
        bucket: 'ingest-dev-uploads-111111111111',
        content_type: expect.any(String),
        file_size: expect.any(Number),
        event_time: expect.any(String),
        processed_at: expect.any(String),
        message_id: expect.any(String),
      }),
    );
    expect(report.dlq).toEqual([expect.objectContaining({ reason: 'malformed-json', source: 'processor' })]);
    expect(report.counts).toMatchObject({ uploaded: 7, stored: 7, 'dead-lettered': 1, pending: 0 });
    expect(report.latencyMs.p95).toEqual(expect.any(Number));
    expect(report.permissions).toMatchObject({ enforced: true, denied: [] });
    // The functions ran on the Node major of the environment's Lambda runtime, not on the machine's.
    const { runtime } = loadAllConfigs().find((c) => c.environment === 'dev')!;
    expect(report.runtime).toMatchObject({
      lambda: runtime,
      node: expect.stringMatching(new RegExp(`^${nodeTargetOf(runtime).slice(4)}\\.`)),
      matches: true,
    });
    expect(report.permissions.allowed).toEqual(
      expect.arrayContaining([{ caller: 'ingest-dev-processor', action: 'dynamodb:PutItem', count: 7 }]),
    );
  }, 60_000);

  it('prints a readable summary, reports unreadable paths, keeps going and exits 1', async () => {
    const folder = join(data.dir, 'input');
    mkdirSync(join(folder, 'sub dir'), { recursive: true });
    writeFileSync(join(folder, 'sub dir', 'x+y.txt'), 'xy');
    const { code, stdout } = await start([folder, join(data.dir, 'does-not-exist'), '--reset', '--data-dir', join(data.dir, 'paths')]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/stored\s+"sub dir\/x\+y\.txt"/);
    expect(stdout).toMatch(/does-not-exist\s+no such file or folder/);
    expect(stdout).toContain('Totals: 1 uploaded · 1 stored');
    expect(stdout).toMatch(
      /^Local pipeline: environment "dev", direct mode, functions on Node \d+\.\d+\.\d+ here \(nodejs\d+\.x on Lambda\)\n/,
    );
    expect(stdout).not.toContain('Warning:');
  }, 60_000);

  it('a run whose only input path does not exist starts nothing and exits 2', async () => {
    const { code, stderr } = await start([join(data.dir, 'typo'), '--data-dir', join(data.dir, 'typo-data')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Nothing to ingest:\n {2}.*typo: no such file or folder/);
    expect(existsSync(join(data.dir, 'typo-data'))).toBe(false);
  });

  it('lists this run’s items only, and counts the earlier runs’ ones', async () => {
    const dir = join(data.dir, 'twice');
    const folder = join(data.dir, 'first');
    mkdirSync(folder);
    writeFileSync(join(folder, 'one.txt'), '1');
    expect((await start([folder, '--data-dir', dir])).code).toBe(0);
    const second = join(data.dir, 'second');
    mkdirSync(second);
    writeFileSync(join(second, 'two.txt'), '2');
    const { code, stdout } = await start([second, '--data-dir', dir, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.items.map((i: { s3_key: string }) => i.s3_key)).toEqual(['two.txt']);
    expect(report.earlierItems).toBe(1);
  }, 90_000);

  it('refuses bad options with usage and exit code 2', async () => {
    const { code, stderr } = await start(['--s3-port', 'abc']);
    expect(code).toBe(2);
    expect(stderr).toContain('--s3-port must be a port number (got "abc")');
    expect(stderr).toContain('Usage: npm start');
  });
});

describe('npm start -- --watch', () => {
  const data = tempDataDir('watch-');
  afterAll(() => data.cleanup());

  it('ingests files dropped into the folder and prints the summary on Ctrl-C', async () => {
    const watched = join(data.dir, 'inbox');
    mkdirSync(watched);
    const { out, waitFor, interrupt } = await spawnWatcher([
      '--watch',
      watched,
      '--json',
      '--reset',
      '--data-dir',
      join(data.dir, 'store'),
    ]);
    await waitFor(() => out.stderr.includes('Watching'), 'the watcher');
    mkdirSync(join(watched, 'sub dir'));
    writeFileSync(join(watched, 'sub dir', 'late arrival+1.txt'), 'hello');
    // Stopped only once the item is written (the functions' log lines, recorded in the data folder).
    const stored = () =>
      existsSync(recentLogsFile(join(data.dir, 'store'))) &&
      (JSON.parse(readFileSync(recentLogsFile(join(data.dir, 'store')), 'utf8')) as RecentLogs).processed.some(
        (p) => p.key === 'sub dir/late arrival+1.txt' && p.status === 'stored',
      );
    await waitFor(stored, 'the item of "sub dir/late arrival+1.txt"');
    expect(await interrupt()).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.objects).toEqual([expect.objectContaining({ key: 'sub dir/late arrival+1.txt', outcome: 'stored' })]);
    expect(report.items.map((i: { s3_key: string }) => i.s3_key)).toEqual(['sub dir/late arrival+1.txt']);
  }, 60_000);
});

describe('npm start -- --watch, at a terminal', () => {
  const data = tempDataDir('watch-live-');
  afterAll(() => data.cleanup());

  it('prints a live line per object as its outcome is known, also for objects another S3 client writes', async () => {
    const { readFileSync } = await import('node:fs');
    const { PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
    const watched = join(data.dir, 'inbox');
    const store = join(data.dir, 'store');
    mkdirSync(watched);
    const { out, waitFor, interrupt } = await spawnWatcher(['--watch', watched, '--reset', '--data-dir', store]);
    await waitFor(() => out.stderr.includes('Watching'), 'the watcher');
    writeFileSync(join(watched, 'dropped.txt'), 'hello');
    // As `aws --endpoint-url … s3 cp` would, with the endpoint and bucket from endpoints.json.
    const info = JSON.parse(readFileSync(join(store, 'endpoints.json'), 'utf8'));
    const s3 = new S3Client({
      region: info.region,
      endpoint: info.endpoints.s3,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await s3.send(new PutObjectCommand({ Bucket: info.resources.bucket, Key: 'from the cli.txt', Body: 'hi', ContentType: 'text/plain' }));
    s3.destroy();
    await waitFor(() => /✓ stored\s+"dropped\.txt"\s+\(\d+ ms\)/.test(out.stderr), 'the live line of the dropped file');
    await waitFor(
      () => /✓ stored\s+"from the cli\.txt"\s+\(\d+ ms; written by another client\)/.test(out.stderr),
      'the live line of the other client’s object',
    );
    expect(await interrupt()).toBe(0);
    expect(out.stdout).toContain('Permissions (the synthesized stack’s IAM and resource policies, evaluated as AWS does): no denials');
    expect(out.stdout).toMatch(/"from the cli\.txt"\s+text\/plain/);
    // The summary counts what other clients wrote during the watch, and says so.
    expect(out.stdout).toMatch(/stored\s+"from the cli\.txt"\s+2\s+.*written by another client/);
    expect(out.stdout).toContain('Totals: 1 uploaded · 1 written by other clients · 2 stored');
  }, 60_000);
});

describe('usage errors', () => {
  const commands = {
    'status-cli': 'tools/commands/status.ts',
    'smoke-cli': 'tools/commands/smoke.ts',
    'dlq-cli': 'tools/commands/dlq.ts',
    'diff-cli': 'tools/commands/diff.ts',
    'state-cli': 'tools/commands/state.ts',
    'preflight-cli': 'tools/commands/preflight.ts',
  };
  beforeAll(() => execFileSync('node', [join(ROOT, 'scripts', 'build-app.js'), ...Object.keys(commands)]));

  it.each(Object.keys(commands))(
    '%s: an unknown option or a missing one exits 2 with the reason, like npm start and npm run load',
    async (cli) => {
      const unknown = await run('node', [join(ROOT, 'dist', `${cli}.js`), '--bogus'], { cwd: ROOT }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/Unknown option '--bogus'/);
      const missing = await run('node', [join(ROOT, 'dist', `${cli}.js`)], { cwd: ROOT }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(missing.code).toBe(2);
    },
  );

  it('diff: a base git cannot name is said plainly, exit 2', async () => {
    const r = await run('node', [join(ROOT, 'dist', 'diff-cli.js'), '--base', 'no-such-branch'], { cwd: ROOT }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--base "no-such-branch" is not a commit of this repository');
  });
});

describe('npm run synth with a bad config', () => {
  it('prints every problem with a suggestion and exits 1, without a stack trace', async () => {
    // Prepare
    const dir = join(tempDataDir().dir, 'config');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'qa.json'),
      JSON.stringify({
        environment: 'qa',
        namePrefix: 'ingest-qa',
        accountId: '123456789012',
        region: 'eu-west-1',
        processor: { timeout: 60 },
        mode: 'sideways',
      }),
    );
    execFileSync('node', [join(ROOT, 'scripts', 'build-app.js'), 'main']);
    // Act
    const result = await run('node', [join(ROOT, 'dist', 'main.js')], { cwd: ROOT, env: { ...process.env, CONFIG_DIR: dir } }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('processor.timeout is not a known setting; did you mean "timeoutSeconds"?');
    expect(result.stderr).toContain('mode must be "direct", "pusher" or "eventbridge" (got "sideways")');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 30_000);
});
