import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointFile, type BackfillRunKey } from '../../../../tools/reconcile/checkpoint';
import { createProgress } from '../../../../tools/reconcile/progress';
import { createRateLimiter } from '../../../../tools/reconcile/rate-limiter';

describe('createRateLimiter', () => {
  it('spaces operations at the rate, one call’s batch at a time', async () => {
    let clock = 0;
    const waits: number[] = [];
    const limiter = createRateLimiter(
      10,
      () => clock,
      async (ms) => void (waits.push(ms), (clock += ms)),
    );
    await limiter.take(10); // the first second's ten start now
    await limiter.take(10); // the next ten wait a second
    await limiter.take(5);
    expect(waits).toEqual([1000, 1000]);
  });

  it('0 means no limit; a negative rate is refused', async () => {
    const sleep = jest.fn();
    await createRateLimiter(0, Date.now, sleep).take(1e6);
    expect(sleep).not.toHaveBeenCalled();
    expect(() => createRateLimiter(-1)).toThrow('rate must be a non-negative number');
  });
});

describe('CheckpointFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'checkpoint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run: BackfillRunKey = { environment: 'dev', target: 'local', bucket: 'b', prefix: '', onlyMissing: false };

  it('saves, loads for the same run, and clears', () => {
    const file = new CheckpointFile(join(dir, 'nested', 'dev.local.json'));
    expect(file.load(run)).toBeNull();
    file.save({ run, lastKey: 'k', sent: 3, updatedAt: 't' });
    expect(file.load(run)).toMatchObject({ lastKey: 'k', sent: 3 });
    file.clear();
    expect(file.load(run)).toBeNull();
  });

  it('refuses a checkpoint of other settings, or an unreadable one, pointing at --restart', () => {
    const file = new CheckpointFile(join(dir, 'other.json'));
    file.save({ run, lastKey: 'k', sent: 0, updatedAt: 't' });
    expect(() => file.load({ ...run, onlyMissing: true })).toThrow(/of another run .* --restart/);
    writeFileSync(file.path, '{ not json');
    expect(() => file.load(run)).toThrow(/unreadable .* --restart/);
    expect(readFileSync(file.path, 'utf8')).toBe('{ not json');
  });
});

describe('createProgress', () => {
  const stream = (isTTY = true) => {
    const out: string[] = [];
    return { out, stream: { isTTY, write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WriteStream };
  };

  it('redraws one line with counters, rate and an ETA from the expected total', () => {
    let t = 0;
    const { out, stream: s } = stream();
    const p = createProgress({ stream: s, enabled: true, rateOf: 'listed', expected: 1000, now: () => t, intervalMs: 0 });
    t = 2000;
    p.update({ listed: 200, sent: 3 });
    p.done();
    expect(out[0]).toBe('\r\x1b[Klisted 200 · sent 3 · 100 listed/s · ETA ≈ 8 s');
    expect(out[1]).toBe('\r\x1b[K');
  });

  it('in a log (not a terminal): a plain line when the counters changed, at most every 10 s', () => {
    let t = 0;
    const { out, stream: s } = stream(false);
    const p = createProgress({ stream: s, enabled: true, rateOf: 'sent', now: () => t });
    t = 10_000;
    p.update({ listed: 10, sent: 2 });
    t = 12_000;
    p.update({ listed: 10, sent: 3 });
    t = 20_000;
    p.update({ listed: 10, sent: 3 });
    t = 30_000;
    p.update({ listed: 10, sent: 3 });
    t = 40_000;
    p.update({ listed: 10, sent: 4 });
    p.done();
    expect(out).toEqual(['listed 10 · sent 2 · 0 sent/s\n', 'listed 10 · sent 3 · 0 sent/s\n', 'listed 10 · sent 4 · 0 sent/s\n']);
  });

  it('writes nothing when disabled (--json)', () => {
    const { out, stream: s } = stream();
    const p = createProgress({ stream: s, enabled: false, rateOf: 'listed' });
    p.update({ listed: 1 });
    p.done();
    expect(out).toEqual([]);
  });
});
