import { readdirSync, statSync } from 'node:fs';
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

/** Files to ingest from the given paths: folders are walked, keys use `/` whatever the OS. */
export function collectInput(paths: string[]): CollectedInput {
  const files: InputFile[] = [];
  const problems: CollectedInput['problems'] = [];
  const walk = (dir: string, root: string): void => {
    let entries;
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
    let stat;
    try {
      stat = statSync(full);
    } catch (e) {
      problems.push({ path: p, problem: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message });
      continue;
    }
    if (stat.isDirectory()) walk(full, full);
    else if (stat.isFile()) add(full, basename(full));
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
