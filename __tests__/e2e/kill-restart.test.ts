import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnCli } from '../helpers/cli-process';
import { tempDataDir } from '../helpers/local-env';
import { eventually } from '../helpers/wait';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'local-cli.js');

const until = (check: () => boolean, what: string, ms = 60_000) => eventually(async () => (check() ? true : undefined), ms, what);
const startCli = (args: string[]) => spawnCli(args);
const runCli = (args: string[]) =>
  run('node', [CLI, ...args], { cwd: ROOT }).then(
    ({ stdout, stderr }) => ({ code: 0, stderr, stdout }),
    (e: { code: number; stderr: string; stdout: string }) => e,
  );

/** The local pipeline as a tool people trust: kills, restarts, a second start on the same data, a dying parent. */
describe('npm start under kills and restarts', () => {
  const data = tempDataDir('kills-');
  beforeAll(() => execFileSync('node', [join(ROOT, 'scripts', 'build-app.js'), 'local-cli', 'status-cli']));
  afterAll(() => data.cleanup());

  it('refuses a second pipeline (even with --reset) on a running one’s data, then stops cleanly on SIGTERM', async () => {
    const store = join(data.dir, 'shared');
    const inbox = join(data.dir, 'inbox');
    mkdirSync(inbox);
    const a = startCli(['--watch', inbox, '--data-dir', store]);
    await until(() => a.out.stderr.includes('Watching'), 'the first pipeline');
    writeFileSync(join(inbox, 'kept.txt'), 'kept');
    await until(() => /✓ stored\s+"kept\.txt"/.test(a.out.stderr), 'kept.txt stored');

    const second = await runCli(['--reset', '--data-dir', store, inbox]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`A local pipeline (pid ${a.child.pid}`);
    expect(second.stderr).toContain(`--data-dir ${store}-2`);
    expect(existsSync(join(store, 'endpoints.json'))).toBe(true);

    a.child.kill('SIGTERM');
    expect(await a.closed).toBe(0);
    expect(a.out.stderr).toContain('Stopping (SIGTERM): draining what is in flight');
    expect(a.out.stdout).toMatch(/stored\s+"kept\.txt"/);
    expect(existsSync(join(store, 'endpoints.json'))).toBe(false);
    expect(existsSync(`${store}.lock`)).toBe(false);
  }, 120_000);

  it('after a SIGKILL: --local commands say the pipeline is gone; a restart takes the stale lock over', async () => {
    const store = join(data.dir, 'killed');
    const inbox = join(data.dir, 'inbox2');
    mkdirSync(inbox);
    const a = startCli(['--watch', inbox, '--data-dir', store, '--env', 'dev']);
    await until(() => a.out.stderr.includes('Watching'), 'the pipeline');
    a.child.kill('SIGKILL');
    await a.closed;
    const status = await run('node', [join(ROOT, 'dist', 'status-cli.js'), '--env', 'dev', '--local', '--data-dir', store], {
      cwd: ROOT,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(`(pid ${a.child.pid}) is no longer running (killed?)`);
    expect(status.stderr).not.toContain('ECONNREFUSED');
    const again = startCli(['--watch', inbox, '--data-dir', store, '--env', 'dev']);
    await until(() => again.out.stderr.includes('Watching'), 'the restarted pipeline');
    again.child.kill('SIGINT');
    expect(await again.closed).toBe(0);
  }, 120_000);

  it('dies with its parent: a SIGKILL of the npm-like process above it stops it and cleans up', async () => {
    const store = join(data.dir, 'orphan');
    const inbox = join(data.dir, 'inbox3');
    mkdirSync(inbox);
    // As npm runs a script: node (npm) → sh → node (the pipeline).
    const npm = spawn(
      'node',
      [
        '-e',
        `require('child_process').spawn('sh', ['-c', ${JSON.stringify(`node ${CLI} --watch ${inbox} --data-dir ${store}`)}], { stdio: 'inherit' }); setInterval(() => {}, 1000);`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    npm.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await until(() => stderr.includes('Watching'), 'the pipeline under the npm-like parent');
    const pid = (JSON.parse(readFileSync(join(store, 'endpoints.json'), 'utf8')) as { pid: number }).pid;
    npm.kill('SIGKILL');
    await until(() => !existsSync(join(store, 'endpoints.json')), 'the orphaned pipeline to stop and remove its endpoints file', 30_000);
    await until(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      'the orphaned pipeline process to exit',
      30_000,
    );
  }, 120_000);

  it('a batch run stopped with SIGTERM drains, prints its summary, exits 130 and leaves nothing behind', async () => {
    const store = join(data.dir, 'batch');
    const folder = join(data.dir, 'many');
    mkdirSync(folder);
    for (let i = 0; i < 40; i++) writeFileSync(join(folder, `f${i}.txt`), `file ${i}`);
    const b = startCli([folder, '--data-dir', store]);
    await until(() => b.out.stderr.includes('Emulators:'), 'the batch run');
    b.child.kill('SIGTERM');
    expect(await b.closed).toBe(130);
    expect(b.out.stderr).toContain('Stopping (SIGTERM)');
    expect(b.out.stdout).toContain('Totals:');
    expect(existsSync(join(store, 'endpoints.json'))).toBe(false);
    expect(existsSync(`${store}.lock`)).toBe(false);
  }, 120_000);

  it('quarantines objects a kill tore (0-byte metadata) at the next start, which then lists and ingests normally', async () => {
    const store = join(data.dir, 'torn');
    const folder = join(data.dir, 'torn-input');
    mkdirSync(folder);
    writeFileSync(join(folder, 'whole.txt'), 'whole');
    writeFileSync(join(folder, 'torn.txt'), 'torn');
    expect((await runCli([folder, '--data-dir', store])).code).toBe(0);
    const bucketDir = join(store, 's3', readdirSync(join(store, 's3'))[0]!);
    writeFileSync(join(bucketDir, 'torn.txt._S3rver_metadata.json'), '');
    const next = join(data.dir, 'torn-next');
    mkdirSync(next);
    writeFileSync(join(next, 'after.txt'), 'after');
    const r = await runCli([next, '--data-dir', store, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/1 object\(s\) torn by an earlier kill .* were moved to .*quarantine.*"[^"]*torn\.txt"/);
    expect(existsSync(join(bucketDir, 'torn.txt._S3rver_object'))).toBe(false);
    expect(existsSync(join(bucketDir, 'whole.txt._S3rver_object'))).toBe(true);
    expect(JSON.parse(r.stdout).counts).toMatchObject({ stored: 1, pending: 0 });
  }, 120_000);
});
