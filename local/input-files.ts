import { type Dirent, lstatSync, readdirSync, realpathSync, type Stats, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve, sep } from 'node:path';

export interface InputFile {
  /** Absolute path on disk. */
  path: string;
  /** Object key: relative to the folder given, or the file name for a file given directly. */
  key: string;
  size: number;
}

export interface CollectedInput {
  files: InputFile[];
  /** Paths that could not be read, with why; the run goes on without them. */
  problems: Array<{ path: string; problem: string }>;
}

/** True when `path` is `root` or inside it (both real paths). */
const inside = (root: string, path: string): boolean => path === root || path.startsWith(`${root}${sep}`);

/**
 * The one rule for symbolic links, in batch and watch mode alike: a link to a file inside the folder
 * being ingested is followed (its key is the link's own path); a link that leads outside it, or to a
 * folder, is not followed, and is reported. (A watched folder must not become a way to upload any
 * file of the machine, and a folder link can loop.)
 */
function symlinkProblem(path: string, root: string): string | undefined {
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    return 'symbolic link to nothing (dangling): not followed';
  }
  if (statSync(target).isDirectory()) return `symbolic link to a folder (${target}): not followed`;
  const realRoot = realpathSync(root);
  return inside(realRoot, target) ? undefined : `symbolic link to ${target}, outside ${realRoot}: not followed`;
}

/**
 * Files to ingest from the given paths: folders are walked, keys use `/` whatever the OS. `root`
 * (watch mode): the folder the paths are in, which keys are relative to and links must stay inside.
 */
export function collectInput(paths: string[], options: { root?: string } = {}): CollectedInput {
  const files: InputFile[] = [];
  const problems: CollectedInput['problems'] = [];
  const walk = (dir: string, root: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      problems.push({ path: dir, problem: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full, root);
      else if (entry.isFile()) add(full, relative(root, full).split(sep).join('/'));
      else if (entry.isSymbolicLink()) {
        const problem = symlinkProblem(full, root);
        if (problem) problems.push({ path: full, problem });
        else add(full, relative(root, full).split(sep).join('/'));
      }
    }
  };
  const add = (path: string, key: string): void => {
    try {
      files.push({ path, key, size: statSync(path).size });
    } catch (e) {
      problems.push({ path, problem: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
    }
  };
  for (const p of paths) {
    const full = resolve(p);
    let stat: Stats;
    try {
      stat = statSync(full);
    } catch (e) {
      problems.push({ path: p, problem: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message });
      continue;
    }
    const root = options.root ? resolve(options.root) : undefined;
    if (root && lstatSync(full).isSymbolicLink()) {
      const problem = symlinkProblem(full, root);
      if (problem) {
        problems.push({ path: p, problem });
        continue;
      }
    }
    if (stat.isDirectory()) walk(full, root ?? full);
    else if (stat.isFile()) add(full, root ? relative(root, full).split(sep).join('/') : basename(full));
    else problems.push({ path: p, problem: 'not a file or folder' });
  }
  return { files, problems };
}

const TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.html': 'text/html',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
};

/** What a browser or the AWS CLI would send; S3 itself falls back to binary/octet-stream. */
export const contentTypeOf = (key: string): string | undefined => TYPES[extname(key).toLowerCase()];
