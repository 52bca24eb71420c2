import fc from 'fast-check';
import { PoisonMessageError } from '../../../src/core/errors';
import { decodeS3Key, encodeS3Key, MAX_KEY_BYTES } from '../../../src/core/s3-key';
import { propertyRuns } from '../../helpers/property-runs';

const reasonOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof PoisonMessageError) return e.reason;
    throw e;
  }
  throw new Error('expected a PoisonMessageError');
};

describe('decodeS3Key', () => {
  it.each([
    ['red+flower.jpg', 'red flower.jpg'],
    ['a%2Bb.txt', 'a+b.txt'],
    ['a%2B+b.txt', 'a+ b.txt'],
    ['folder/sub+dir/file.txt', 'folder/sub dir/file.txt'],
    ['caf%C3%A9/%E6%97%A5%E6%9C%AC.txt', 'café/日本.txt'],
    ['%F0%9F%98%80.png', '😀.png'],
    ['100%25.txt', '100%.txt'],
    ['a%2Fb', 'a/b'],
  ])('decodes %s as %s', (encoded, key) => {
    expect(decodeS3Key(encoded)).toBe(key);
  });

  it.each(['100%.txt', '%E0%A4%A', '%zz', '%C3%28'])('refuses broken encoding %s as undecodable-key', (encoded) => {
    expect(reasonOf(() => decodeS3Key(encoded))).toBe('undecodable-key');
  });

  it('accepts a key of exactly 1,024 UTF-8 bytes and refuses one byte more', () => {
    const exact = 'é'.repeat(MAX_KEY_BYTES / 2);
    expect(decodeS3Key(encodeS3Key(exact))).toBe(exact);
    expect(reasonOf(() => decodeS3Key(encodeS3Key(`${exact}x`)))).toBe('schema-violation');
  });

  it('refuses an empty key', () => {
    expect(reasonOf(() => decodeS3Key(''))).toBe('schema-violation');
  });
});

describe('encodeS3Key', () => {
  it('writes spaces as + and a literal + as %2B, keeping slashes', () => {
    expect(encodeS3Key('a b+c/d.txt')).toBe('a+b%2Bc/d.txt');
  });

  it('round-trips any key through S3-style encoding and decoding', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }), (key) => {
        expect(decodeS3Key(encodeS3Key(key))).toBe(key);
      }),
      { numRuns: propertyRuns(1000) },
    );
  });

  it('round-trips keys built from the characters that need encoding', () => {
    const tricky = fc.constantFrom(' ', '+', '%', '/', '&', '?', '#', '=', 'é', '日', '😀', 'a', '.', '~', "'");
    fc.assert(
      fc.property(fc.array(tricky, { minLength: 1, maxLength: 60 }), (chars) => {
        const key = chars.join('');
        expect(decodeS3Key(encodeS3Key(key))).toBe(key);
      }),
      { numRuns: propertyRuns(1000) },
    );
  });
});
