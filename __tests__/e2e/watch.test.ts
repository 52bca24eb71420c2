import { execFileSync, spawn } from 'node:child_process';
import { spawnCli } from '../helpers/cli-process';
import { appendFileSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { tempDataDir } from '../helpers/local-env';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'local-cli.js');

function watcher(args: string[]) {
  const p = spawnCli(args);
  return { ...p, stop: p.interrupt };
}

/** The local bucket of a running watcher, through its endpoints file. */
function bucketOf(store: string) {
  const info = JSON.parse(readFileSync(join(store, 'endpoints.json'), 'utf8')) as {
    region: string;
    endpoints: { s3: string };
    resources: { bucket: string };
  };
  const s3 = new S3Client({
    region: info.region,
    endpoint: info.endpoints.s3,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    keys: async () =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: info.resources.bucket }))).Contents ?? []).map((o) => o.Key!).sort(),
    body: async (key: string) =>
      (await s3.send(new GetObjectCommand({ Bucket: info.resources.bucket, Key: key }))).Body!.transformToString(),
    close: () => s3.destroy(),
  };
}

describe('npm start -- --watch as a folder mirror', () => {
  const data = tempDataDir('watchmode-');
  beforeAll(() => execFileSync('node', [join(ROOT, 'scripts', 'build-app.js'), 'local-cli']));
  afterAll(() => data.cleanup());

  it('catches up on start with what was dropped, or changed, while no watcher ran', async () => {
    const inbox = join(data.dir, 'inbox');
    const store = join(data.dir, 'store');
    mkdirSync(inbox);
    writeFileSync(join(inbox, 'first.txt'), 'one');
    const w1 = watcher(['--watch', inbox, '--data-dir', store]);
    await w1.until(() => /✓ stored\s+"first\.txt"/.test(w1.out.stderr), 'first.txt stored at start');
    expect(w1.out.stderr).toContain('Catching up: 1 file(s)');
    expect(await w1.stop()).toBe(0);
    // While stopped: one new file, one changed, one untouched.
    writeFileSync(join(inbox, 'dropped while stopped.txt'), 'two');
    writeFileSync(join(inbox, 'unchanged.txt'), 'same');
    const w2 = watcher(['--watch', inbox, '--data-dir', store]);
    await w2.until(() => /✓ stored\s+"unchanged\.txt"/.test(w2.out.stderr), 'unchanged.txt stored');
    expect(await w2.stop()).toBe(0);
    writeFileSync(join(inbox, 'first.txt'), 'one, changed');
    const w3 = watcher(['--watch', inbox, '--data-dir', store]);
    await w3.until(() => /✓ stored\s+"first\.txt"/.test(w3.out.stderr), 'the changed first.txt stored');
    expect(w3.out.stderr).toContain('Catching up: 1 file(s)');
    expect(w3.out.stderr).not.toMatch(/↑ unchanged\.txt/);
    const bucket = bucketOf(store);
    expect(await bucket.body('first.txt')).toBe('one, changed');
    expect(await bucket.keys()).toEqual(['dropped while stopped.txt', 'first.txt', 'unchanged.txt']);
    bucket.close();
    expect(await w3.stop()).toBe(0);
  }, 180_000);

  it('uploads a file written in chunks once, settled; an overwrite during a big upload ends with the final content; a renamed .part never lands', async () => {
    const inbox = join(data.dir, 'chunks');
    const store = join(data.dir, 'chunks-store');
    mkdirSync(inbox);
    const w = watcher(['--watch', inbox, '--data-dir', store]);
    await w.until(() => w.out.stderr.includes('Watching'), 'the watcher');
    const slow = join(inbox, 'slow.txt');
    for (let i = 0; i < 5; i++) {
      appendFileSync(slow, `chunk ${i}\n`);
      await new Promise((r) => setTimeout(r, 150));
    }
    const big = join(inbox, 'big.bin');
    writeFileSync(big, Buffer.alloc(20 * 1024 * 1024, 1));
    await new Promise((r) => setTimeout(r, 900));
    writeFileSync(big, 'small final content');
    const part = join(inbox, 'download.zip.part');
    writeFileSync(part, 'partial');
    appendFileSync(part, ' more');
    renameSync(part, join(inbox, 'download.zip'));
    const bucket = bucketOf(store);
    await w.until(
      async () =>
        (await bucket.keys()).includes('download.zip') && (await bucket.body('big.bin').catch(() => '')) === 'small final content',
      'the final contents',
    );
    expect(w.out.stderr.match(/↑ slow\.txt/g)).toHaveLength(1);
    expect(await bucket.body('slow.txt')).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n');
    expect(await bucket.keys()).toEqual(['big.bin', 'download.zip', 'slow.txt']);
    bucket.close();
    expect(await w.stop()).toBe(0);
    // One object per key in the summary, with its last upload.
    const report = w.out.stdout;
    expect(report.match(/"big\.bin"/g)!.length).toBeGreaterThanOrEqual(1);
  }, 180_000);

  it('uploads under the environment’s prefix (prod: incoming/), where it is ingested', async () => {
    const inbox = join(data.dir, 'prod-inbox');
    const store = join(data.dir, 'prod-store');
    mkdirSync(inbox);
    const w = watcher(['--watch', inbox, '--data-dir', store, '--env', 'prod']);
    await w.until(() => w.out.stderr.includes('Watching'), 'the watcher');
    expect(w.out.stderr).toContain('(uploaded under "incoming/", the prefix "prod" ingests)');
    writeFileSync(join(inbox, 'report.csv'), 'a,b');
    await w.until(() => /✓ stored\s+"incoming\/report\.csv"/.test(w.out.stderr), 'incoming/report.csv stored');
    expect(await w.stop()).toBe(0);
  }, 120_000);

  it('one rule for symbolic links in watch and batch mode: one leading outside the folder is reported, never followed', async () => {
    const inbox = join(data.dir, 'links');
    const store = join(data.dir, 'links-store');
    mkdirSync(inbox);
    writeFileSync(join(data.dir, 'secret.txt'), 'outside the folder');
    writeFileSync(join(inbox, 'inside.txt'), 'inside');
    symlinkSync(join(data.dir, 'secret.txt'), join(inbox, 'escape.txt'));
    symlinkSync(join(inbox, 'inside.txt'), join(inbox, 'alias.txt'));
    const w = watcher(['--watch', inbox, '--data-dir', store]);
    await w.until(() => /✓ stored\s+"alias\.txt"/.test(w.out.stderr) && /✓ stored\s+"inside\.txt"/.test(w.out.stderr), 'the files inside');
    expect(w.out.stderr).toMatch(/escape\.txt: symbolic link to .*secret\.txt, outside .*links: not followed/);
    const bucket = bucketOf(store);
    expect(await bucket.keys()).toEqual(['alias.txt', 'inside.txt']);
    bucket.close();
    expect(await w.stop()).toBe(0);
    const batch = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const c = spawn('node', [CLI, inbox, '--data-dir', join(data.dir, 'links-batch')], { cwd: ROOT });
      let stdout = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.on('close', (code) => resolve({ code, stdout }));
    });
    expect(batch.code).toBe(1);
    expect(batch.stdout).toMatch(/escape\.txt\s+symbolic link to .*secret\.txt, outside .*: not followed/);
    expect(batch.stdout).toMatch(/stored\s+"alias\.txt"/);
  }, 180_000);
});
