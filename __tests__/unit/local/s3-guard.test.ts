import { MAX_KEY_SEGMENT_BYTES, unsupportedKeyReason } from '../../../local/s3-guard';

/** Keys s3rver cannot store faithfully are refused locally (AWS stores them all as they are). */
describe('the local S3 guard’s key rule', () => {
  it.each([
    ['../../escape.txt', 'a ".." path segment'],
    ['a/x/../b', 'a ".." path segment'],
    ['a/./b', 'a "." path segment'],
    ['a//b', 'an empty path segment'],
    ['/leading', 'an empty path segment'],
    ['bell\u0001.txt', 'a control character XML cannot carry'],
    [`${'x'.repeat(MAX_KEY_SEGMENT_BYTES + 1)}`, `a path segment of ${MAX_KEY_SEGMENT_BYTES + 1} bytes`],
    [`dir/${'é'.repeat(120)}`, 'a path segment of 240 bytes'],
  ])('refuses %j: %s', (key, reason) => {
    expect(unsupportedKeyReason(key)).toEqual(expect.stringContaining(reason));
  });

  it.each([
    'a/b.txt',
    'red flower.jpg',
    'café/日本語 ファイル.txt',
    'folder/',
    'a..b',
    '.hidden',
    'line\nbreak.txt',
    'tab\there',
    `${'x'.repeat(MAX_KEY_SEGMENT_BYTES)}`,
  ])('stores %j', (key) => {
    expect(unsupportedKeyReason(key)).toBeUndefined();
  });
});
