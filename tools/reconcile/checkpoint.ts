import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What identifies one backfill run: resuming with other settings would skip objects. */
export interface BackfillRunKey {
  environment: string;
  target: 'local' | 'aws';
  bucket: string;
  prefix: string;
  onlyMissing: boolean;
}

export interface Checkpoint {
  run: BackfillRunKey;
  /** Every key up to and including this one was handled. */
  lastKey: string;
  /** Messages sent so far, over every attempt. */
  sent: number;
  updatedAt: string;
}

const sameRun = (a: BackfillRunKey, b: BackfillRunKey): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A backfill's progress in a small JSON file, written atomically after each listing page. */
export class CheckpointFile {
  public constructor(public readonly path: string) {}

  /** The checkpoint of this run, or null; a checkpoint of other settings is an error (use --restart). */
  public load(run: BackfillRunKey): Checkpoint | null {
    if (!existsSync(this.path)) return null;
    let saved: Checkpoint;
    try {
      saved = JSON.parse(readFileSync(this.path, 'utf8')) as Checkpoint;
    } catch (e) {
      throw new Error(`The backfill checkpoint ${this.path} is unreadable (${(e as Error).message}); run again with --restart to start over`);
    }
    if (!sameRun(saved.run, run)) {
      throw new Error(`The backfill checkpoint ${this.path} is of another run (${JSON.stringify(saved.run)}); run with the same settings to resume, or with --restart to start over`);
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
