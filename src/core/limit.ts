/**
 * Wraps an async function so at most `concurrency` calls run at once; the rest wait in
 * order. Powertools' batch processor starts every record together, which for a batch of
 * 10,000 would open 10,000 sockets.
 */
export function limitConcurrency<A extends unknown[], R>(concurrency: number, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (...args: A): Promise<R> => {
    // A finishing call hands its slot straight to the next waiter, so no newcomer can slip in between.
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn(...args);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
