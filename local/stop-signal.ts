import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processAlive } from './data-lock';

export type StopReason = 'SIGINT' | 'SIGTERM' | 'parent-exited';

export interface StopSignal {
  /** Resolves with the first reason to stop: Ctrl-C, SIGTERM (as a service manager sends), or the parent gone. */
  requested: Promise<StopReason>;
  /** Whether a stop was requested yet (for loops that check between steps). */
  readonly stopping: boolean;
  dispose(): void;
}

/** The parent of `pid`, from /proc (Linux) or `ps` (macOS); undefined when neither answers. */
export function parentOf(pid: number): number | undefined {
  try {
    // Field 4 of /proc/<pid>/stat, after the command name in parentheses (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    const out = spawnSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' });
    const ppid = Number(out.stdout?.trim());
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  }
}

/**
 * When the pipeline must stop: the first SIGINT or SIGTERM (both drain, print the summary and clean
 * up), or its parent's death — `npm start` runs it under `sh` under npm, and a SIGKILL of npm would
 * otherwise leave it running, holding its ports and ingesting. The parent and grandparent are
 * watched once a second. A second signal calls `onSecondSignal` (stop at once).
 */
export function watchStopSignals(onSecondSignal: (reason: StopReason) => void, intervalMs = 1000): StopSignal {
  let stopping = false;
  let resolve!: (reason: StopReason) => void;
  const requested = new Promise<StopReason>((r) => (resolve = r));
  const request = (reason: StopReason) => {
    if (stopping) return onSecondSignal(reason);
    stopping = true;
    resolve(reason);
  };
  const onInt = () => request('SIGINT');
  const onTerm = () => request('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const parent = process.ppid;
  const grandparent = parentOf(parent);
  const watchGrandparent = grandparent !== undefined && grandparent > 1;
  const timer = setInterval(() => {
    if (stopping) return;
    if (process.ppid !== parent || (watchGrandparent && !processAlive(grandparent!))) request('parent-exited');
  }, intervalMs);
  timer.unref();
  return {
    requested,
    get stopping() {
      return stopping;
    },
    dispose() {
      clearInterval(timer);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
