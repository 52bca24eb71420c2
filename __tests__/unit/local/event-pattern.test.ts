import { eventPattern } from '../../../config/derive';
import { matchesEventPattern } from '../../../local/event-pattern';
import { makeConfig } from '../../helpers/factories';

const s3Event = (detailType: string, object: Record<string, unknown>, bucket = 'ingest-test-uploads-123456789012') => ({
  source: 'aws.s3',
  'detail-type': detailType,
  detail: { bucket: { name: bucket }, object },
});

describe('matchesEventPattern, with the stack’s own patterns', () => {
  const pattern = eventPattern(
    makeConfig({
      mode: 'eventbridge',
      handleDeletes: true,
      filters: { prefix: 'in/', suffix: '.csv', minSizeBytes: 10, maxSizeBytes: 100 },
    }),
  );

  it.each([
    ['a created object inside every filter', s3Event('Object Created', { key: 'in/a.csv', size: 50 }), true],
    ['a deleted object (no size)', s3Event('Object Deleted', { key: 'in/a.csv' }), true],
    ['too small', s3Event('Object Created', { key: 'in/a.csv', size: 9 }), false],
    ['too large', s3Event('Object Created', { key: 'in/a.csv', size: 101 }), false],
    ['outside the prefix', s3Event('Object Created', { key: 'out/a.csv', size: 50 }), false],
    ['another suffix', s3Event('Object Created', { key: 'in/a.json', size: 50 }), false],
    ['another bucket', s3Event('Object Created', { key: 'in/a.csv', size: 50 }, 'other'), false],
    ['another detail type', s3Event('Object Restore Completed', { key: 'in/a.csv', size: 50 }), false],
    ['another source', { ...s3Event('Object Created', { key: 'in/a.csv', size: 50 }), source: 'aws.ec2' }, false],
  ])('%s → %s', (_what, event, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });

  it('treats * in a wildcard’s literal parts literally', () => {
    const p = eventPattern(makeConfig({ mode: 'eventbridge', filters: { prefix: 'a/', suffix: '*.x' } }));
    expect(matchesEventPattern(p, s3Event('Object Created', { key: 'a/file*.x' }))).toBe(true);
    expect(matchesEventPattern(p, s3Event('Object Created', { key: 'a/file.x' }))).toBe(false);
  });

  it('refuses operators it does not implement rather than guessing', () => {
    expect(() =>
      matchesEventPattern({ detail: { object: { key: [{ 'anything-but': 'x' }] } } }, s3Event('Object Created', { key: 'k' })),
    ).toThrow(/unsupported event pattern operator/);
  });
});
