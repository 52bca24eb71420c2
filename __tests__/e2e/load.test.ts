import { makeConfig } from '../helpers/factories';
import { tempDataDir } from '../helpers/local-env';
import { runLoad } from '../../local/load-run';

describe('load run with faults', () => {
  const data = tempDataDir();
  afterAll(() => data.cleanup());

  it('conserves every one of 2,000 objects through poison, duplicates, reordering and throttling', async () => {
    const report = await runLoad({
      config: makeConfig({ processor: { maxConcurrency: 5 } }),
      dataDir: data.dir,
      files: Number(process.env.LOAD_TEST_FILES ?? 2000),
      poison: 0.05,
      duplicates: 0.1,
      reorder: 0.05,
      transient: 0.02,
      seed: 7,
    });
    expect(report).toMatchObject({ lost: 0, doubleWritten: 0, objectsDeadLettered: 0 });
    expect(report.stored).toBe(report.uploaded);
    expect(report.deadLettered).toBe(report.poisonInjected);
    expect(report.poisonInjected).toBe(Math.round(report.uploaded * 0.05));
    // Duplicated and reordered deliveries were really absorbed, and throttles were really injected.
    expect(report.duplicatesAbsorbed).toBeGreaterThan(report.uploaded * 0.1);
    expect(report.throttlesInjected).toBeGreaterThan(0);
  }, 240_000);
});
