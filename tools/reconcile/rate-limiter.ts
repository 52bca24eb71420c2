export interface RateLimiter {
  /** Resolves when `n` more operations fit in the rate. */
  take(n: number): Promise<void>;
}

/**
 * Spaces operations evenly at `perSecond` (no bursts beyond one call's `n`): each call reserves
 * its slots after the previous reservation and waits for its start. `perSecond` 0 means no limit.
 */
export function createRateLimiter(
  perSecond: number,
  now: () => number = Date.now,
  sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
): RateLimiter {
  if (!Number.isFinite(perSecond) || perSecond < 0) throw new RangeError(`rate must be a non-negative number (got ${perSecond})`);
  let next = 0;
  return {
    async take(n) {
      if (perSecond === 0) return;
      const start = Math.max(now(), next);
      next = start + (n * 1000) / perSecond;
      const wait = start - now();
      if (wait > 0) await sleep(wait);
    },
  };
}
