import { compare } from '../../../../src/core/reconcile-verdict';
import { ingestScope } from '../../../../tools/reconcile/ingest-scope';
import { makeConfig } from '../../../helpers/factories';

describe('compare', () => {
  const object = { key: 'a.txt', size: 5, etag: '"abc"', versionId: 'v2' };
  const item = { key: 'a.txt', size: 5, etag: 'abc', versionId: 'v2', deleted: false };

  it('matches when ETag (quotes aside), size and version agree', () => {
    expect(compare(object, item)).toEqual({ kind: 'match' });
  });

  it('is missing without an item', () => {
    expect(compare(object, undefined)).toEqual({ kind: 'missing' });
  });

  it('is stale, saying why, when the item says deleted or names another version', () => {
    expect(compare(object, { ...item, deleted: true })).toEqual({ kind: 'stale', differs: ['deleted'] });
    expect(compare(object, { ...item, etag: 'old', size: 3, versionId: 'v1' })).toEqual({
      kind: 'stale',
      differs: ['etag', 'size', 'version'],
    });
  });

  it('compares versions only when both sides know theirs (the local S3 keeps none)', () => {
    expect(compare({ ...object, versionId: undefined }, item)).toEqual({ kind: 'match' });
    expect(compare(object, { ...item, versionId: undefined })).toEqual({ kind: 'match' });
  });
});

describe('ingestScope', () => {
  it('direct mode: the notification’s prefix and suffix only', () => {
    const s = ingestScope(makeConfig({ mode: 'direct', filters: { prefix: 'in/', suffix: '.csv' } }));
    expect(s.listPrefix).toBe('in/');
    expect(s.byListing('in/a.csv', 1e9)).toBe(true);
    expect(s.byListing('in/a.txt', 1)).toBe(false);
    expect(s.byListing('out/a.csv', 1)).toBe(false);
    expect(s.needsHead).toBe(false);
  });

  it('pusher mode: ignored prefixes and suffixes, the size limit, and content types by HeadObject', () => {
    const s = ingestScope(
      makeConfig({
        mode: 'pusher',
        filters: { ignoredPrefixes: ['tmp/'], ignoredSuffixes: ['.part'], maxSizeBytes: 100, allowedContentTypes: ['image/*'] },
      }),
    );
    expect(s.byListing('tmp/a.png', 1)).toBe(false);
    expect(s.byListing('a.png.part', 1)).toBe(false);
    expect(s.byListing('a.png', 101)).toBe(false);
    expect(s.byListing('a.png', 100)).toBe(true);
    expect(s.needsHead).toBe(true);
    expect(s.byHead({ contentType: 'image/png', size: 1, metadata: {} })).toBe(true);
    expect(s.byHead({ contentType: 'text/plain', size: 1, metadata: {} })).toBe(false);
  });

  it('eventbridge mode: the rule’s size range', () => {
    const s = ingestScope(makeConfig({ mode: 'eventbridge', filters: { minSizeBytes: 10, maxSizeBytes: 20 } }));
    expect([9, 10, 20, 21].map((n) => s.byListing('k', n))).toEqual([false, true, true, false]);
  });

  it('--prefix narrows the environment’s prefix; a disjoint one selects nothing', () => {
    const cfg = makeConfig({ filters: { prefix: 'in/' } });
    expect(ingestScope(cfg, 'in/2026/').listPrefix).toBe('in/2026/');
    expect(ingestScope(cfg, 'i').listPrefix).toBe('in/');
    const disjoint = ingestScope(cfg, 'out/');
    expect(disjoint.byListing('out/a', 1)).toBe(false);
    expect(disjoint.byListing('in/a', 1)).toBe(false);
  });
});
