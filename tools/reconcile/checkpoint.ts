import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What identifies one backfill run: resuming with other settings would skip objects. */
export interface BackfillRunKey {
  environment: string;
  target: 'local' | 'aws';
  bucket: string;
  prefix: string;
  onlyMissing: boolean;
  /**
   * The data the listing walks: the local emulator folder's dataset id (new after `--reset`), or on
   * AWS the table's ARN and creation time. A checkpoint of other data says nothing about this data.
   */
  data?: string;
}

export interface Checkpoint {
  run: BackfillRunKey;
  /** Every key up to and including this one was handled. */
  lastKey: string;
  /** Messages sent so far, over every attempt. */
  sent: number;
  updatedAt: string;
}

const settings = ({ data: _data, ...rest }: BackfillRunKey): string => JSON.stringify(rest);

/** A backfill's progress in a small JSON file, written atomically after each listing page. */
export class CheckpointFile {
  public constructor(public readonly path: string) {}

  /**
   * The checkpoint of this run, or null. A checkpoint of other settings is an error (use --restart);
   * one made for other data (the emulator folder was reset, the table recreated), or whose last key is
   * outside the run's prefix, is discarded, and `onDiscard` says why: resuming it would skip keys.
   */
  public load(run: BackfillRunKey, onDiscard: (why: string) => void = () => {}): Checkpoint | null {
    if (!existsSync(this.path)) return null;
    let saved: Checkpoint;
    try {
      saved = JSON.parse(readFileSync(this.path, 'utf8')) as Checkpoint;
    } catch (e) {
      throw new Error(
        `The backfill checkpoint ${this.path} is unreadable (${(e as Error).message}); run again with --restart to start over`,
      );
    }
    if (settings(saved.run) !== settings(run)) {
      throw new Error(
        `The backfill checkpoint ${this.path} is of another run (${settings(saved.run)}); run with the same settings to resume, or with --restart to start over`,
      );
    }
    const stale =
      saved.run.data !== run.data
        ? `it was made for other data (${saved.run.data ?? 'unknown'}; now ${run.data ?? 'unknown'}: the data was reset or recreated since)`
        : typeof saved.lastKey !== 'string' || !saved.lastKey.startsWith(run.prefix)
          ? `its last key ${JSON.stringify(saved.lastKey)} is not in the listing of prefix ${JSON.stringify(run.prefix)}`
          : undefined;
    if (stale) {
      this.clear();
      onDiscard(`The backfill checkpoint ${this.path} was discarded: ${stale}. Starting from the first key.`);
      return null;
    }
    return saved;
  }

  public save(c: Checkpoint): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(c, null, 2)}\n`);
    renameSync(tmp, this.path);
  }

  public clear(): void {
    rmSync(this.path, { force: true });
  }
}
