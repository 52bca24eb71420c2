import { orderingKey } from '../../../src/core/sequencer';

describe('sequencer ordering', () => {
  it('compares after right-padding the shorter with zeros, as S3 documents', () => {
    expect(orderingKey('0055AED6DCD90281E5') < orderingKey('0055AED6DCD90281E6')).toBe(true);
    // Padded, the 16-digit "0A…" is "0A…00" and so greater than the 18-digit "09FF…".
    expect(orderingKey('0A00000000000000') > orderingKey('09FFFFFFFFFFFFFFFF')).toBe(true);
    expect(orderingKey('0A00000000000000')).toBe(orderingKey('0A0000000000000000'));
    expect(orderingKey('0055aed6dcd90281e5')).toBe(orderingKey('0055AED6DCD90281E5'));
  });

  it('gives fixed-width keys whose string order is the sequencer order', () => {
    const keys = ['09FFFFFFFFFFFFFF', '0A00000000000000', '0A01000000000000', '00FFFFFFFFFFFFFFFF'].map(orderingKey);
    expect(new Set(keys.map((k) => k.length))).toEqual(new Set([64]));
    expect([...keys].sort()).toEqual([keys[3], keys[0], keys[1], keys[2]]);
  });

  it.each(['', 'XYZ', '12 34', '0A', 'F'.repeat(15), 'F'.repeat(33), 'F'.repeat(40), 'F'.repeat(64)])(
    'refuses %j: not what S3 sends (16–32 hex digits), a schema violation',
    (bad) => {
      expect(() => orderingKey(bad)).toThrow(
        expect.objectContaining({ reason: 'schema-violation', message: expect.stringContaining('is not 16–32 hex digits, as S3 sends') }),
      );
    },
  );

  it.each(['0055AED6DCD90281E5', '0062E99A88DC407460', '17F1CE22F9A5BE6A', 'F'.repeat(32)])('accepts %j', (good) => {
    expect(orderingKey(good)).toHaveLength(64);
  });
});
