import { limitConcurrency } from '../../../src/core/limit';

describe('limitConcurrency', () => {
  it('never runs more than the limit at once and runs everything', async () => {
    let active = 0;
    let peak = 0;
    const limited = limitConcurrency(3, async (n: number) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, n % 4));
      active--;
      return n * 2;
    });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => limited(i)));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(peak).toBe(3);
  });

  it('frees the slot when a call throws', async () => {
    const limited = limitConcurrency(1, async (fail: boolean) => {
      if (fail) throw new Error('boom');
      return 'ok';
    });
    await expect(limited(true)).rejects.toThrow('boom');
    await expect(limited(false)).resolves.toBe('ok');
  });

  it('refuses a limit below 1', () => {
    expect(() => limitConcurrency(0, async () => 1)).toThrow(RangeError);
  });
});
