import { defaultSampling } from '../../../bench/suites/processor';

describe("the bench's trace headers follow X-Ray's default sampling rule", () => {
  it('samples the first invocation of each second and every 20th of the others (5 %)', () => {
    // Prepare: 101 invocations in one second, then 3 in the next
    let clock = 10_000;
    const sample = defaultSampling(() => clock);
    // Act
    const first = Array.from({ length: 101 }, () => sample());
    clock = 11_000;
    const next = Array.from({ length: 3 }, () => sample());
    // Assess
    expect(first.filter(Boolean)).toHaveLength(1 + 5);
    expect(first[0]).toBe(true);
    expect(first.slice(1, 20).some(Boolean)).toBe(false);
    expect(first[20]).toBe(true);
    expect(next).toEqual([true, false, false]);
  });
});
