import { probeObject } from '../../../../tools/smoke/smoke';
import { ingestScope } from '../../../../tools/reconcile/ingest-scope';
import { makeConfig } from '../../../helpers/factories';

describe('the smoke probe', () => {
  it('lies under the prefix, ends with the suffix, and is in the environment’s scope in every mode', () => {
    for (const mode of ['direct', 'pusher', 'eventbridge'] as const) {
      const cfg = makeConfig({ mode, filters: { prefix: 'in/', suffix: '.csv' } });
      const p = probeObject(cfg, 'abc');
      expect(p.key).toBe('in/_smoke/abc.txt.csv');
      expect(ingestScope(cfg).byListing(p.key, p.body.byteLength)).toBe(true);
    }
  });

  it('takes a content type the pusher allows, and the size the EventBridge rule needs', () => {
    expect(probeObject(makeConfig({ mode: 'pusher', filters: { allowedContentTypes: ['image/*', 'text/csv'] } }), 'x').contentType).toBe(
      'image/octet-stream',
    );
    expect(probeObject(makeConfig({ mode: 'pusher', filters: { allowedContentTypes: ['application/json'] } }), 'x').contentType).toBe(
      'application/json',
    );
    expect(probeObject(makeConfig({ mode: 'eventbridge', filters: { minSizeBytes: 1000 } }), 'x').body.byteLength).toBe(1000);
  });

  it('refuses when the filters would drop it, naming why', () => {
    expect(() => probeObject(makeConfig({ mode: 'pusher', filters: { ignoredPrefixes: ['_smoke/'] } }), 'x')).toThrow(
      /filters exclude the probe "_smoke\/x\.txt"/,
    );
    expect(() => probeObject(makeConfig({ mode: 'eventbridge', filters: { minSizeBytes: 5_000_000 } }), 'x')).toThrow(
      /minSizeBytes is 5000000/,
    );
  });
});
