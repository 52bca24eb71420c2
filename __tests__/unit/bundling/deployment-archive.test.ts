import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yauzl from 'yauzl';
import bufferCrc32 from 'buffer-crc32';
import { deploymentArchive, directoryHash, zipFiles } from '../../../bundling/deployment-archive';
import { bundleDeployedHandler } from '../../../bundling/bundle-handler';

/** Every entry of a zip as yauzl (an independent reader, the one cdktf's CLI uses) sees it. */
async function readZip(
  zip: Buffer,
): Promise<Array<{ name: string; data: string; mode: number; madeBy: number; mtime: string; crcOk: boolean }>> {
  const file = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true }, (e, z) => (e ? reject(e) : resolve(z!))),
  );
  const entries: Array<{ name: string; data: string; mode: number; madeBy: number; mtime: string; crcOk: boolean }> = [];
  await new Promise<void>((resolve, reject) => {
    file.on('entry', (entry: yauzl.Entry) => {
      file.openReadStream(entry, (e, stream) => {
        if (e) return reject(e);
        const chunks: Buffer[] = [];
        stream!.on('data', (c: Buffer) => chunks.push(c));
        stream!.on('end', () => {
          const data = Buffer.concat(chunks);
          // yauzl checks sizes, not CRC-32: buffer-crc32 (yauzl's own dependency) does that here.
          entries.push({
            name: entry.fileName,
            data: data.toString('utf8'),
            crcOk: bufferCrc32.unsigned(data) === entry.crc32,
            mode: entry.externalFileAttributes >>> 16,
            madeBy: entry.versionMadeBy >> 8,
            mtime: entry.getLastModDate().toISOString(),
          });
          file.readEntry();
        });
      });
    });
    file.on('end', () => resolve());
    file.on('error', reject);
    file.readEntry();
  });
  return entries;
}

describe('Lambda deployment archives', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'archive-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('zips files a standard reader opens: names, bytes (CRC-checked), rw-r--r-- Unix files, a fixed date', async () => {
    // Act
    const zip = zipFiles([
      { name: 'index.js', data: Buffer.from('exports.handler = async () => "ok";\n'.repeat(50)) },
      { name: 'lib/ünïcode.js', data: Buffer.from('') },
    ]);
    const entries = await readZip(zip);
    // Assess
    expect(
      entries.map(({ name, data, mode, madeBy, crcOk }) => ({ name, length: data.length, mode: mode.toString(8), madeBy, crcOk })),
    ).toEqual([
      { name: 'index.js', length: 36 * 50, mode: '100644', madeBy: 3, crcOk: true },
      { name: 'lib/ünïcode.js', length: 0, mode: '100644', madeBy: 3, crcOk: true },
    ]);
    expect(entries[0]!.data).toBe('exports.handler = async () => "ok";\n'.repeat(50));
    expect(new Set(entries.map((e) => e.mtime.slice(0, 10)))).toEqual(new Set(['1980-01-01']));
  });

  it('writes the same bytes in every time zone (ZIP stores local time)', () => {
    const entries = [{ name: 'index.js', data: Buffer.from('code') }];
    const saved = process.env.TZ;
    try {
      const zips = ['UTC', 'Pacific/Kiritimati', 'America/Adak'].map((zone) => {
        process.env.TZ = zone;
        return zipFiles(entries);
      });
      expect(zips[1]!.equals(zips[0]!)).toBe(true);
      expect(zips[2]!.equals(zips[0]!)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('is byte-identical for the same files, whenever and wherever it is made', () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    for (const dir of [a, b]) {
      mkdirSync(dir);
      writeFileSync(join(dir, 'index.js'), 'code');
      writeFileSync(join(dir, 'index.js.map'), '{}');
    }
    const first = deploymentArchive(a, join(root, 'archives-1'));
    const second = deploymentArchive(b, join(root, 'archives-2'));
    expect(first.hash).toBe(second.hash);
    expect(statSync(first.file).size).toBe(statSync(second.file).size);
    expect(zipFiles([{ name: 'x', data: Buffer.from('y') }]).equals(zipFiles([{ name: 'x', data: Buffer.from('y') }]))).toBe(true);
  });

  it('keeps the hash cdktf gives a directory asset, so asset paths and source_code_hash do not move', () => {
    // cdktf's own function (private API: only this test uses it).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { hashPath } = require('cdktf/lib/private/fs') as { hashPath: (p: string) => string };
    const bundle = bundleDeployedHandler('processor');
    expect(directoryHash(bundle.outDir)).toBe(hashPath(bundle.outDir));
    mkdirSync(join(root, 'nested', 'deeper'), { recursive: true });
    writeFileSync(join(root, 'nested', 'deeper', 'f'), 'x');
    writeFileSync(join(root, 'top'), 'y');
    expect(directoryHash(root)).toBe(hashPath(root));
  });

  it('is written once per content: the same code again leaves the file alone, new code replaces it', async () => {
    // Arrange
    const dir = join(root, 'processor');
    mkdirSync(dir);
    writeFileSync(join(dir, 'index.js'), 'v1');
    const archives = join(root, 'archives');
    // Act
    const v1 = deploymentArchive(dir, archives);
    const written = statSync(v1.file).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    const again = deploymentArchive(dir, archives);
    const afterAgain = statSync(v1.file).mtimeMs;
    writeFileSync(join(dir, 'index.js'), 'v2');
    const v2 = deploymentArchive(dir, archives);
    // Assess
    expect(again).toEqual(v1);
    expect(afterAgain).toBe(written);
    expect(v2.hash).not.toBe(v1.hash);
    expect(existsSync(v1.file)).toBe(false);
    expect(readdirSync(join(archives, 'processor'))).toEqual([v2.hash]);
    expect((await readZip(readFileSync(v2.file))).map((e) => [e.name, e.data])).toEqual([['index.js', 'v2']]);
  });
});
