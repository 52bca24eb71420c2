import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import { runLoad, type LoadReport } from '../../local/load-run';
import { figure, type Figure } from '../lib/stats';
import { runInChild } from './processor';

export const FAULT_MIX = { poison: 0.05, duplicates: 0.1, reorder: 0.05, transient: 0.02 };
const NO_FAULTS = { poison: 0, duplicates: 0, reorder: 0, transient: 0 };

/** Runs in a fresh process: one `npm run load` equivalent, with the dev (batching window 0) config. */
export async function runLoadChild(p: { files: number; faults: typeof FAULT_MIX; env: string; iam: boolean; rate?: number }): Promise<LoadReport> {
  // As `npm run load` does: throw-away storage in memory where there is /dev/shm.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'bench-load-'));
  try {
    return await runLoad({ config: loadConfig(p.env), dataDir: dir, files: p.files, ...p.faults, seed: 1, iam: p.iam, rate: p.rate });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface LoadFigures {
  scenario: string;
  files: number;
  filesPerSecond: Figure;
  p50Ms: Figure;
  p95Ms: Figure;
  p99Ms: Figure;
  peakRssMb: Figure;
  lost: number;
  doubleWritten: number;
  command: string;
}

/** Open-loop rate of the fault-mix run "below capacity": about half of what the pipeline sustains without faults. */
export const OPEN_LOOP_RATE = 100;

export async function localPipelineSuite(o: { files: number; repeats: number; log: (s: string) => void }): Promise<LoadFigures[]> {
  const out: LoadFigures[] = [];
  // IAM off once: the difference to "no faults" is what enforcing the policies costs locally.
  // Closed loop (16 uploads at a time) finds the capacity; the open-loop run's latency is the pipeline's own.
  const openLoopFiles = Math.min(o.files, OPEN_LOOP_RATE * 30);
  for (const [scenario, faults, iam, rate, files] of [
    ['no faults', NO_FAULTS, true, undefined, o.files],
    ['no faults, IAM not enforced', NO_FAULTS, false, undefined, o.files],
    ['fault mix', FAULT_MIX, true, undefined, o.files],
    [`fault mix, open loop at ${OPEN_LOOP_RATE} files/s`, FAULT_MIX, true, OPEN_LOOP_RATE, openLoopFiles],
  ] as const) {
    const runs: LoadReport[] = [];
    for (let r = 0; r < o.repeats; r++) runs.push(await runInChild<LoadReport>('load-run', { files, faults, env: 'dev', iam, rate }));
    const f: LoadFigures = {
      scenario,
      files,
      filesPerSecond: figure(runs.map((x) => x.filesPerSecond)),
      p50Ms: figure(runs.map((x) => x.latencyMs.p50 ?? NaN)),
      p95Ms: figure(runs.map((x) => x.latencyMs.p95 ?? NaN)),
      p99Ms: figure(runs.map((x) => x.latencyMs.p99 ?? NaN)),
      peakRssMb: figure(runs.map((x) => x.peakRssMb)),
      lost: Math.max(...runs.map((x) => x.lost)),
      doubleWritten: Math.max(...runs.map((x) => x.doubleWritten)),
      command: `npm run load -- --files ${files}` + Object.entries(faults).filter(([, v]) => v > 0).map(([k, v]) => ` --${k} ${v}`).join('') + (iam ? '' : ' --no-iam') + (rate ? ` --rate ${rate}` : ''),
    };
    o.log(`  local pipeline ${scenario}: ${f.filesPerSecond.median} files/s, p95 ${f.p95Ms.median} ms, lost ${f.lost}`);
    out.push(f);
  }
  return out;
}
