import { BENCH_SUITES, parseBenchArgs } from '../../../bench/lib/bench-args';

describe('bench options', () => {
  it('reads --quick and --only SUITE', () => {
    expect(parseBenchArgs([])).toEqual({ help: false, quick: false, only: undefined });
    expect(parseBenchArgs(['--quick'])).toEqual({ help: false, quick: true, only: undefined });
    for (const suite of BENCH_SUITES) expect(parseBenchArgs(['--only', suite])).toMatchObject({ only: suite });
  });

  it('answers --help instead of starting an hour-long run', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ help: true });
    expect(parseBenchArgs(['-h'])).toEqual({ help: true });
  });

  it('refuses what it does not know: an unknown option, a stray word, an unknown suite', () => {
    expect(() => parseBenchArgs(['--quik'])).toThrow(/--quik/);
    expect(() => parseBenchArgs(['processor'])).toThrow(/processor/);
    expect(() => parseBenchArgs(['--only', 'coldstart'])).toThrow(
      '--only coldstart: not a suite; one of processor, cold-start, local-pipeline, reconcile, tracing, toolchain',
    );
    expect(() => parseBenchArgs(['--only'])).toThrow(/--only/);
  });
});
