/**
 * A property test's case count: `full` in `npm test`, scaled down (at least 20) in the quick tiers,
 * which set PROPERTY_RUNS_SCALE (jest.config.js). PROPERTY_RUNS fixes the count outright (a deep run).
 */
export function propertyRuns(full: number): number {
  if (process.env.PROPERTY_RUNS) return Number(process.env.PROPERTY_RUNS);
  const scale = Number(process.env.PROPERTY_RUNS_SCALE ?? 1);
  return scale >= 1 ? full : Math.max(20, Math.ceil(full * scale));
}
