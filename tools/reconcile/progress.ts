/** Counters a long run reports. */
export type ProgressCounts = Record<string, number>;

export interface Progress {
  update(counts: ProgressCounts): void;
  /** Clears the line (again: nothing). */
  done(): void;
}

export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  /**
   * Off when the output is JSON: nothing is written then. On a terminal the line is redrawn in
   * place; elsewhere (a CI log, a pipe) a plain line is written when the counters changed, at most
   * every `logIntervalMs`.
   */
  enabled: boolean;
  /** Which counter the rate and ETA follow. */
  rateOf: string;
  /** Expected final value of that counter, if known (an estimate is fine: the ETA says "≈"). */
  expected?: number;
  now?: () => number;
  /** Minimum milliseconds between two redraws on a terminal. */
  intervalMs?: number;
  /** Minimum milliseconds between two lines where the stream is not a terminal. @default 10000 */
  logIntervalMs?: number;
}

const duration = (s: number): string =>
  s >= 3600
    ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
    : s >= 60
      ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`
      : `${Math.round(s)} s`;

/** One line, redrawn in place at most a few times a second: counters, rate, ETA. */
export function createProgress(o: ProgressOptions): Progress {
  const now = o.now ?? Date.now;
  const started = now();
  const tty = o.stream.isTTY === true;
  let last = 0;
  let drawn = false;
  let lastCounts = '';
  return {
    update(counts) {
      if (!o.enabled) return;
      const t = now();
      if (t - last < (tty ? (o.intervalMs ?? 250) : (o.logIntervalMs ?? 10_000))) return;
      const parts = Object.entries(counts).map(([name, n]) => `${name} ${n}`);
      // In a log, a line that says nothing new is noise.
      if (!tty && parts.join() === lastCounts) return;
      last = t;
      lastCounts = parts.join();
      const done = counts[o.rateOf] ?? 0;
      const rate = done / Math.max((t - started) / 1000, 0.001);
      const eta = o.expected !== undefined && o.expected > done && rate > 0 ? ` · ETA ≈ ${duration((o.expected - done) / rate)}` : '';
      const line = `${parts.join(' · ')} · ${Math.round(rate)} ${o.rateOf}/s${eta}`;
      o.stream.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
      drawn = tty;
    },
    done() {
      if (drawn) o.stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
