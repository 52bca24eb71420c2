import { percentile as nearestRank } from '../../local/run-report';

export interface Figure {
  median: number;
  min: number;
  max: number;
  /** (max − min) / median, as a percentage: how much repeated runs disagree. */
  spreadPct: number;
  runs: number[];
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Nearest-rank percentile of unsorted values (the local run report's, on a sorted copy). */
export const percentile = (xs: number[], p: number): number =>
  nearestRank(
    [...xs].sort((a, b) => a - b),
    p,
  ) ?? NaN;

export function figure(runs: number[]): Figure {
  const m = median(runs);
  const min = Math.min(...runs);
  const max = Math.max(...runs);
  return { median: round(m), min: round(min), max: round(max), spreadPct: m ? round(((max - min) / m) * 100) : 0, runs: runs.map(round) };
}

export const round = (x: number): number => Math.round(x * 10) / 10;
