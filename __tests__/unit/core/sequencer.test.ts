import { orderingKey } from '../../../src/core/sequencer';

describe('sequencer ordering', () => {
  it('compares after right-padding the shorter with zeros, as S3 documents', () => {
    expect(orderingKey('0055AED6DCD90281E5') < orderingKey('0055AED6DCD90281E6')).toBe(true);
    // Padded, "0A" is "0A00…" and so greater than "09FF…".
    expect(orderingKey('0A') > orderingKey('09FF')).toBe(true);
    expect(orderingKey('0A')).toBe(orderingKey('0A00'));
    expect(orderingKey('0a')).toBe(orderingKey('0A'));
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
