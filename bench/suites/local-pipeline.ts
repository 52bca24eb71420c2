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
export async function runLoadChild(p: {
  files: number;
  faults: typeof FAULT_MIX;
  env: string;
  iam: boolean;
  rate?: number;
}): Promise<LoadReport> {
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
  /** p95 of the objects after the warm-up (the pipeline's steady state; see LoadOptions.warmupSeconds). */
  steadyP95Ms: Figure;
  warmupSeconds: number;
  peakRssMb: Figure;
  lost: number;
  doubleWritten: number;
  command: string;
}

/**
 * The open-loop fault-mix run is "below capacity" at this share of what the closed-loop fault-mix run
 * sustained in the same bench run: a fixed rate would be above capacity on a slower machine (this VM's
 * speed varies by up to 2×), and its latency would measure the backlog again.
 */
export const OPEN_LOOP_SHARE_OF_CAPACITY = 0.5;

/** Each scenario: name, faults, IAM enforced, open-loop rate (null: closed loop), files. */
type Scenario = readonly [string, typeof FAULT_MIX, boolean, number | null, number];

export async function localPipelineSuite(o: { files: number; repeats: number; log: (s: string) => void }): Promise<LoadFigures[]> {
  const out: LoadFigures[] = [];
  // IAM off once: the difference to "no faults" is what enforcing the policies costs locally.
  // Closed loop (16 uploads at a time) finds the capacity; the open-loop run's latency is the pipeline's own.
  const scenarios: Array<Scenario | ((closedLoopFaultMix: LoadFigures) => Scenario)> = [
    ['no faults', NO_FAULTS, true, null, o.files],
    ['no faults, IAM not enforced', NO_FAULTS, false, null, o.files],
    ['fault mix', FAULT_MIX, true, null, o.files],
    (closed) => {
      const rate = Math.max(1, Math.round(closed.filesPerSecond.median * OPEN_LOOP_SHARE_OF_CAPACITY));
      return [
        `fault mix, open loop at ${rate} files/s (${OPEN_LOOP_SHARE_OF_CAPACITY * 100} % of the closed loop's)`,
        FAULT_MIX,
        true,
        rate,
        Math.min(o.files, rate * 30),
      ];
    },
  ];
  for (const next of scenarios) {
    const [scenario, faults, iam, rate, files] = typeof next === 'function' ? next(out.at(-1)!) : next;
    const runs: LoadReport[] = [];
    for (let r = 0; r < o.repeats; r++)
      runs.push(await runInChild<LoadReport>('load-run', { files, faults, env: 'dev', iam, rate: rate ?? undefined }));
    const f: LoadFigures = {
      scenario,
      files,
      filesPerSecond: figure(runs.map((x) => x.filesPerSecond)),
      p50Ms: figure(runs.map((x) => x.latencyMs.p50 ?? NaN)),
      p95Ms: figure(runs.map((x) => x.latencyMs.p95 ?? NaN)),
      p99Ms: figure(runs.map((x) => x.latencyMs.p99 ?? NaN)),
      steadyP95Ms: figure(runs.map((x) => x.steadyLatencyMs.p95 ?? NaN)),
      warmupSeconds: runs[0]!.steadyLatencyMs.warmupSeconds,
      peakRssMb: figure(runs.map((x) => x.peakRssMb)),
      lost: Math.max(...runs.map((x) => x.lost)),
      doubleWritten: Math.max(...runs.map((x) => x.doubleWritten)),
      command:
        `npm run load -- --files ${files}` +
        Object.entries(faults)
          .filter(([, v]) => v > 0)
          .map(([k, v]) => ` --${k} ${v}`)
          .join('') +
        (iam ? '' : ' --no-iam') +
        (rate ? ` --rate ${rate}` : ''),
    };
    o.log(
      `  local pipeline ${scenario}: ${f.filesPerSecond.median} files/s, p95 ${f.p95Ms.median} ms (after the ${f.warmupSeconds} s warm-up ${f.steadyP95Ms.median} ms), lost ${f.lost}`,
    );
    out.push(f);
  }
  return out;
}
