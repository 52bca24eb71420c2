const Sequencer = require('@jest/test-sequencer').default;

/**
 * Suites that took 30 s or more of a full run on this project's 2-core machine (docs/benchmarks.md,
 * "npm test"), longest first. Jest orders by the durations it recorded in its cache; with none (a clean
 * clone: every CI run) it orders by file size, which started these small files last and left one worker
 * idle for the last minute. Here they go first, then everything else in jest's own order.
 */
const SLOW_FIRST = [
  '__tests__/terraform/offline-plan.test.ts',
  '__tests__/e2e/load.test.ts',
  '__tests__/terraform/state-backend.test.ts',
  '__tests__/e2e/local-pipeline.test.ts',
  '__tests__/e2e/dlq-operations.test.ts',
];

class SlowSuitesFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    if (sorted.some((t) => t.duration != null)) return sorted;
    const rank = (t) => {
      const i = SLOW_FIRST.findIndex((suffix) => t.path.endsWith(suffix));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    return sorted
      .map((t, i) => ({ t, i }))
      .sort((a, b) => rank(a.t) - rank(b.t) || a.i - b.i)
      .map(({ t }) => t);
  }
}

module.exports = SlowSuitesFirst;
