import { liveLine } from '../../../local/live-lines';
import type { ObservedOutcome } from '../../../local/outcome-log';

const outcome = (o: Partial<ObservedOutcome>): ObservedOutcome => ({ function: 'ingest-dev-processor', status: 'stored', at: 0, ...o });

describe('liveLine', () => {
  const mine = (key: string) => key === 'mine.txt';

  it('names the outcome, the object and its latency', () => {
    expect(liveLine(outcome({ key: 'mine.txt', latencyMs: 412 }), mine)).toBe('✓ stored        "mine.txt"  (412 ms)');
  });

  it('marks objects the watcher did not upload', () => {
    expect(liveLine(outcome({ key: 'theirs.txt', latencyMs: 3 }), mine)).toBe(
      '✓ stored        "theirs.txt"  (3 ms; written by another client)',
    );
  });

  it('says retrying for a transient failure (no key in that line), dead-lettered for poison, and points at Permissions for a denial', () => {
    expect(liveLine(outcome({ status: 'transient-failure', messageId: 'm-1' }), mine)).toBe('↻ retrying      message m-1');
    expect(liveLine(outcome({ status: 'poison', reason: 'malformed-json', messageId: 'm-2' }), mine)).toBe(
      '✗ dead-lettered message m-2  (malformed-json)',
    );
    expect(liveLine(outcome({ status: 'access-denied', messageId: 'm-3' }), mine)).toContain('see Permissions in the summary');
  });
});
