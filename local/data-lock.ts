import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** True when a process with this pid exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A second pipeline on a data folder another one runs on: refused, with what to do. */
export class DataFolderBusyError extends Error {
  public constructor(dataDir: string, holder: { pid: number; startedAt?: string }) {
    super(
      `A local pipeline (pid ${holder.pid}${holder.startedAt ? `, started ${holder.startedAt}` : ''}) is running with its data in ${dataDir}. ` +
        `Stop it first (Ctrl-C in its terminal), or run this one on a folder of its own: --data-dir ${dataDir}-2. ` +
        'Nothing was started, and --reset did not touch its data.',
    );
    this.name = 'DataFolderBusyError';
  }
}

/**
 * One running pipeline per data folder: the emulators of a second one would fail on the first one's
 * files (or `--reset` delete them under it). The lock is a file beside the folder
 * (`<dataDir>.lock`: `--reset` empties the folder itself), created exclusively, holding the pid; a
 * lock whose process is gone (killed) is stale and taken over. Returns the release function.
 */
export function lockDataFolder(dataDir: string): () => void {
  const dir = resolve(dataDir);
  const file = `${dir}.lock`;
  const mine = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), dataDir: dir });
  // A fresh clone has no .local/ yet: the lock sits beside the folder, so its parent comes first.
  mkdirSync(dirname(dir), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, mine, { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(file, 'utf8') === mine) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder: { pid?: number; startedAt?: string } = {};
    try {
      holder = JSON.parse(readFileSync(file, 'utf8')) as typeof holder;
    } catch {
      // unreadable (a kill during the write): stale
    }
    // This process holding it counts as alive too: two pipelines of one process on one folder are refused alike.
    if (typeof holder.pid === 'number' && processAlive(holder.pid))
      throw new DataFolderBusyError(dir, { pid: holder.pid, startedAt: holder.startedAt });
    rmSync(file, { force: true });
  }
  throw new Error(`Could not lock ${dir}: ${file} keeps coming back`);
}
