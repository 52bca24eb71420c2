import { parseArgs } from 'node:util';

export const BENCH_SUITES = ['processor', 'cold-start', 'local-pipeline', 'reconcile', 'tracing', 'toolchain'] as const;
export type BenchSuite = (typeof BENCH_SUITES)[number];

export const BENCH_USAGE = `Usage: npm run bench [-- --quick] [-- --only SUITE]

Runs the benchmark suites and writes bench/results.json (--quick: bench/results-quick.json, CI's
smoke run) and their markdown tables. The full run takes about an hour on a 2-core machine.

  --quick        small parameters (a few minutes)
  --only SUITE   rerun one suite into the existing results: ${BENCH_SUITES.join(', ')}`;

export type BenchArgs = { help: true } | { help: false; quick: boolean; only?: BenchSuite };

/** The bench's options; throws with the reason (and the bench starts nothing) on anything it does not know. */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return { help: true };
  if (values.only !== undefined && !(BENCH_SUITES as readonly string[]).includes(values.only)) {
    throw new Error(`--only ${values.only}: not a suite; one of ${BENCH_SUITES.join(', ')}`);
  }
  return { help: false, quick: values.quick ?? false, only: values.only as BenchSuite | undefined };
}
