import { compareSequencers, orderingKey } from '../../../src/core/sequencer';

describe('sequencer ordering', () => {
  it('compares after right-padding the shorter with zeros, as S3 documents', () => {
    expect(compareSequencers('0055AED6DCD90281E5', '0055AED6DCD90281E6')).toBeLessThan(0);
    // Padded, "0A" is "0A00…" and so greater than "09FF…".
    expect(compareSequencers('0A', '09FF')).toBeGreaterThan(0);
    expect(compareSequencers('0A', '0A00')).toBe(0);
    expect(compareSequencers('0a', '0A')).toBe(0);
  });

  it('gives fixed-width keys whose string order is the sequencer order', () => {
    const keys = ['09FF', '0A', '0A01', '00FFFFFFFFFFFFFFFF'].map(orderingKey);
    expect(new Set(keys.map((k) => k.length))).toEqual(new Set([64]));
    expect([...keys].sort()).toEqual([keys[3], keys[0], keys[1], keys[2]]);
  });

  it.each(['', 'XYZ', '12 34', 'F'.repeat(65)])('refuses %j as a schema violation', (bad) => {
    expect(() => orderingKey(bad)).toThrow(expect.objectContaining({ reason: 'schema-violation' }));
  });
});
