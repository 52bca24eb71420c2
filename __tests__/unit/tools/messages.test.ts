import { credentialHint } from '../../../tools/commands/plan';
import { render as renderReconcile } from '../../../tools/commands/reconcile';
import { isUsageError } from '../../../cli/command';
import { parseArgs } from 'node:util';

/** The sentences operators read when something is off (issue #25, C.16). */
describe('operator messages', () => {
  it('reconcile --limit 5 says "first 5", not "first 10"', () => {
    const report = {
      counts: { objects: 70, items: 9, missing: 61, stale: 0, orphaned: 0 },
      missing: ['a', 'b', 'c', 'd', 'e'],
      stale: [],
      orphaned: [],
      truncated: true,
    } as never;
    const text = renderReconcile(report, 'Reconcile', true, 'dev', true);
    expect(text).toContain('missing (61, first 5):');
    expect(text.split('\n').filter((l) => l.startsWith('    "'))).toHaveLength(5);
  });

  it('plan without credentials points at --offline', () => {
    expect(credentialHint('Error: failed to refresh cached credentials, no EC2 IMDS role found', 'prod')).toContain(
      'npm run plan -- --env prod --offline',
    );
    expect(credentialHint('Error: Unsupported argument', 'prod')).toBe('');
  });

  it('recognizes node’s parseArgs refusals as usage errors (exit 2)', () => {
    let error: unknown;
    try {
      parseArgs({ args: ['--nope'], options: {} });
    } catch (e) {
      error = e;
    }
    expect(isUsageError(error)).toBe(true);
    expect(isUsageError(new Error('ENOENT'))).toBe(false);
  });
});
