import { makeConfig } from '../helpers/factories';
import { tempDataDir } from '../helpers/local-env';
import { loadKeys, runLoad } from '../../local/load-run';

describe('load run with faults', () => {
  const data = tempDataDir();
  const crashData = tempDataDir();
  afterAll(() => {
    data.cleanup();
    crashData.cleanup();
  });

  // 1,000 objects with every fault at twice the CLI example's rate: the faults injected are as many as
  // 2,000 objects at the usual rates gave (100 poison messages, ~200 duplicated and ~100 reordered
  // deliveries, ~4 % of writes throttled) for half the clean objects, and half the CPU (~28 ms an object
  // here). The 10,000-object runs are the benchmark's (`npm run bench -- --only local-pipeline`).
  it('conserves every one of 1,000 objects through poison, duplicates, reordering and throttling', async () => {
    const rates = { poison: 0.1, duplicates: 0.2, reorder: 0.1, transient: 0.04 };
    const report = await runLoad({
      config: makeConfig({ processor: { maxConcurrency: 5 } }),
      dataDir: data.dir,
      files: Number(process.env.LOAD_TEST_FILES ?? 1000),
      ...rates,
      seed: 7,
    });
    expect(report).toMatchObject({ lost: 0, doubleWritten: 0, objectsDeadLettered: 0 });
    expect(report.stored).toBe(report.uploaded);
    expect(report.deadLettered).toBe(report.poisonInjected);
    expect(report.poisonDeadLettered).toBe(report.poisonInjected);
    expect(report.poisonInjected).toBe(Math.round(report.uploaded * rates.poison));
    // Duplicated and reordered deliveries were really absorbed, and throttles were really injected.
    expect(report.duplicatesAbsorbed).toBeGreaterThan(report.uploaded * rates.duplicates);
    expect(report.throttlesInjected).toBeGreaterThan(report.uploaded * rates.transient * 0.5);
  }, 600_000); // a give-up limit for a loaded machine, not an expectation

  it('open loop (--rate): uploads keep their schedule whatever the pipeline does, and nothing is lost', async () => {
    const openData = tempDataDir();
    try {
      const report = await runLoad({
        config: makeConfig(),
        dataDir: openData.dir,
        files: 60,
        poison: 0,
        duplicates: 0.1,
        reorder: 0,
        transient: 0,
        rate: 100,
        seed: 3,
        warmupSeconds: 0.3,
      });
      expect(report).toMatchObject({ lost: 0, doubleWritten: 0, stored: 60, options: { rate: 100 } });
      // 60 uploads at 100/s cannot finish before the last one is due, 0.59 s after the first.
      expect(report.durationMs).toBeGreaterThanOrEqual(590);
      // Steady-state latency: the warm-up is the first 0.3 s of the schedule (30 objects at 100/s), drained
      // before the other 30 are uploaded; only those count.
      expect(report.steadyLatencyMs).toMatchObject({ warmupSeconds: 0.3, warmupObjects: 30, objects: 30, p95: expect.any(Number) });
    } finally {
      openData.cleanup();
    }
  }, 600_000); // a give-up limit for a loaded machine, not an expectation

  it('conserves every object when invocations crash mid-batch (Runtime.ExitError, the batch redelivered)', async () => {
    const report = await runLoad({
      // A short timeout: a crashed batch comes back after the visibility timeout, as on AWS.
      config: makeConfig({ processor: { maxConcurrency: 5, timeoutSeconds: 4 } }),
      dataDir: crashData.dir,
      files: 300,
      poison: 0,
      duplicates: 0,
      reorder: 0,
      transient: 0,
      crash: 0.1,
      seed: 3,
    });
    expect(report.crashesInjected).toBeGreaterThan(0);
    expect(report).toMatchObject({ lost: 0, doubleWritten: 0, objectsDeadLettered: 0, stored: 300 });
  }, 600_000); // a give-up limit for a loaded machine, not an expectation

  it('counts each poison message once when crashes make a handler dead-letter it twice (between its DLQ send and its delete)', async () => {
    const poisonData = tempDataDir();
    try {
      const report = await runLoad({
        config: makeConfig({ processor: { maxConcurrency: 5, timeoutSeconds: 3 } }),
        dataDir: poisonData.dir,
        files: 40,
        poison: 0.5,
        duplicates: 0,
        reorder: 0,
        transient: 0,
        crash: 0.5,
        seed: 5,
      });
      expect(report.crashesInjected).toBeGreaterThan(0);
      // At this crash rate some objects exhaust maxReceiveCount and are redriven to the DLQ: there, not lost.
      expect(report).toMatchObject({ lost: 0, doubleWritten: 0 });
      // Every poison message is in the DLQ once: sent by a handler (copies, when a crash fell between its DLQ send
      // and its delete, counted once), or moved by SQS when crashes used up its receives before a handler got to it.
      expect(report.poisonDeadLettered + report.poisonRedriven).toBe(report.poisonInjected);
      expect(report.deadLetterCopies).toBeGreaterThanOrEqual(report.deadLettered);
    } finally {
      poisonData.cleanup();
    }
  }, 600_000); // a give-up limit for a loaded machine, not an expectation

  it('generates keys where the environment ingests (prod: under incoming/, pusher mode) and reports the pusher failure queue', async () => {
    const prodData = tempDataDir();
    try {
      const config = makeConfig({
        mode: 'pusher',
        filters: { prefix: 'incoming/', ignoredSuffixes: ['.tmp'], allowedContentTypes: ['text/*'] },
      });
      expect(loadKeys(config, 3)).toEqual([
        'incoming/load/000000/object 0.txt',
        'incoming/load/000001/object 1.txt',
        'incoming/load/000002/object 2.txt',
      ]);
      const report = await runLoad({
        config,
        dataDir: prodData.dir,
        files: 20,
        poison: 0,
        duplicates: 0,
        reorder: 0,
        transient: 0,
        seed: 9,
      });
      expect(report).toMatchObject({ lost: 0, doubleWritten: 0, stored: 20, pusherFailures: 0 });
    } finally {
      prodData.cleanup();
    }
  }, 600_000); // a give-up limit for a loaded machine, not an expectation
});
