import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';

/** The file name cdktf gives an archive asset; kept so asset paths do not change. */
export const ARCHIVE_NAME = 'archive.zip';

/** A folder's files, depth first in `readdirSync` order (the order cdktf hashes them in), read once. */
function readTree(dir: string): Array<{ name: string; data: Buffer }> {
  const files: Array<{ name: string; data: Buffer }> = [];
  const walk = (p: string): void => {
    const stat = statSync(p);
    if (stat.isFile()) files.push({ name: relative(dir, p).split(sep).join('/'), data: readFileSync(p) });
    else if (stat.isDirectory()) for (const name of readdirSync(p)) walk(resolve(p, name));
  };
  walk(dir);
  return files;
}

/** cdktf's content hash of a directory asset: MD5 of every file's bytes in that order, 32 hex digits, upper case. */
const treeHash = (files: Array<{ data: Buffer }>): string => {
  const hash = createHash('md5');
  for (const f of files) hash.update(f.data);
  return hash.digest('hex').slice(0, 32).toUpperCase();
};

/**
 * The hash cdktf gives `dir` as a directory asset. The archive's asset keeps it as its own, so its
 * path in `cdktf.out` and the function's `source_code_hash` stay what they were when cdktf zipped
 * the folder itself.
 */
export const directoryHash = (dir: string): string => treeHash(readTree(dir));

/**
 * A Lambda deployment package of `dir` (its files at the archive's root), written once per content
 * hash under `archivesRoot/<name>/<hash>/archive.zip`. cdktf's own archive assets start a `node`
 * process per archive at every synth (~0.3 s each, half of this project's synth) and store
 * modification times, so the same code zipped twice differs; this one is byte-identical for the same
 * files (fixed 1980-01-01 timestamps, sorted entries) and is only written when the code changed.
 */
export function deploymentArchive(dir: string, archivesRoot: string): { file: string; hash: string } {
  // One read: the package holds exactly the bytes its hash was taken from.
  const files = readTree(dir);
  const hash = treeHash(files);
  const folder = join(archivesRoot, basename(dir));
  const file = join(folder, hash, ARCHIVE_NAME);
  if (!existsSync(file)) {
    // Older packages of this handler are not needed again: their hash is in no synth any more.
    if (existsSync(folder)) for (const old of readdirSync(folder)) if (old !== hash) rmSync(join(folder, old), { recursive: true, force: true });
    mkdirSync(dirname(file), { recursive: true });
    // Parallel synths may write the same package: a temporary name, then an atomic rename.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, zipFiles([...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))));
    renameSync(tmp, file);
  }
  return { file, hash };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (ISO-HDLC, as ZIP uses it) without zlib.crc32, which Node only has from 20.15 / 22.2. */
export function tableCrc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const crc32: (data: Buffer) => number = typeof zlibCrc32 === 'function' ? (data) => zlibCrc32(data) : tableCrc32;

const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;
/** Regular file, rw-r--r--: Lambda's runtime user must be able to read every file. */
const UNIX_FILE_0644 = (0o100644 << 16) >>> 0;

/** A ZIP archive (deflate, no ZIP64: Lambda packages are far below 4 GB) of the given entries, in order. */
export function zipFiles(entries: Array<{ name: string; data: Buffer }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const compressed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // flags: names are UTF-8
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10); // time 00:00:00
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 — so the permissions below are read
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(DOS_DATE_1980_01_01, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra, comment, disk number, internal attributes: 0
    central.writeUInt32LE(UNIX_FILE_0644, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, compressed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
