import type { ObservedOutcome } from './outcome-log';

const MARK: Record<string, string> = {
  stored: '✓',
  deleted: '✓',
  backfilled: '✓',
  duplicate: '=',
  skipped: '·',
  ignored: '·',
  rejected: '·',
  'test-event': '·',
  poison: '✗',
  'transient-failure': '↻',
  'access-denied': '✗',
};

/**
 * One line for a terminal as an outcome is known: what happened, to which object, how long after
 * its upload. Objects the watcher did not upload (another S3 client against the local endpoint)
 * are marked so.
 */
export function liveLine(o: ObservedOutcome, uploadedHere: (key: string) => boolean): string {
  const mark = MARK[o.status] ?? '•';
  const what = o.key !== undefined ? JSON.stringify(o.key) : o.messageId ? `message ${o.messageId}` : '';
  const status = o.status === 'transient-failure' ? 'retrying' : o.status === 'poison' ? 'dead-lettered' : o.status;
  const detail = [
    o.latencyMs !== undefined ? `${o.latencyMs} ms` : '',
    o.reason ?? '',
    o.status === 'access-denied' ? 'see Permissions in the summary' : '',
    o.key !== undefined && !uploadedHere(o.key) ? 'written by another client' : '',
  ].filter(Boolean);
  return `${mark} ${status.padEnd(13)} ${what}${detail.length ? `  (${detail.join('; ')})` : ''}`;
}
