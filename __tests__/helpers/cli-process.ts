import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from './wait';

export const ROOT = join(__dirname, '..', '..');
/** The compiled `npm start` (build it with `node scripts/build-app.js local-cli` first). */
export const LOCAL_CLI = join(ROOT, 'dist', 'local-cli.js');

export interface CliProcess {
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  /** Exit code (-1 when ended by a signal). */
  closed: Promise<number | null>;
  /** Waits for a condition on the output (or anything else), with the last of stderr in the failure. */
  until(check: () => boolean | Promise<boolean>, what: string, ms?: number): Promise<unknown>;
  /** Ctrl-C, then the exit code. */
  interrupt(): Promise<number | null>;
}

/** A command (by default `npm start`) as a child process, its output collected as it comes. */
export function spawnCli(args: string[], script = LOCAL_CLI): CliProcess {
  const child = spawn('node', [script, ...args], { cwd: ROOT });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return {
    child,
    out,
    closed,
    until: (check, what, ms = 60_000) =>
      eventually(async () => ((await check()) ? true : undefined), ms, `${what}; stderr: ${out.stderr.slice(-2000)}`),
    interrupt: async () => {
      child.kill('SIGINT');
      return closed;
    },
  };
}
