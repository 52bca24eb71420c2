import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { type Zippable, zipSync } from 'fflate';

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
    if (existsSync(folder))
      for (const old of readdirSync(folder)) if (old !== hash) rmSync(join(folder, old), { recursive: true, force: true });
    mkdirSync(dirname(file), { recursive: true });
    // Parallel synths may write the same package: a temporary name, then an atomic rename.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, zipFiles([...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))));
    renameSync(tmp, file);
  }
  return { file, hash };
}

/** Regular file, rw-r--r--, written by "Unix" (os 3) so unzip and Lambda read the permissions. */
const UNIX_FILE_0644 = (0o100644 << 16) >>> 0;

/** A ZIP archive (deflate, level 9) of the given entries, in order, with fixed times and modes (fflate). */
export function zipFiles(entries: Array<{ name: string; data: Buffer }>): Buffer {
  // 1980-01-01 00:00, the first instant a ZIP (DOS) timestamp holds. ZIP stores local time and fflate
  // reads local fields, so a date built from local fields (now, not at load) writes the same bytes in every zone.
  const mtime = new Date(1980, 0, 1, 0, 0, 0);
  const zippable: Zippable = {};
  for (const { name, data } of entries) zippable[name] = [data, { level: 9, mtime, os: 3, attrs: UNIX_FILE_0644 }];
  return Buffer.from(zipSync(zippable));
}
