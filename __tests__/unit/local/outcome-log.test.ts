import { LogMessage } from '../../../src/app/telemetry-contract';
import { OutcomeLog } from '../../../local/outcome-log';

const line = (message: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ level: 'INFO', message, service: 'processor', ...fields });

describe('OutcomeLog reads the handlers through the telemetry contract', () => {
  it.each([
    [
      LogMessage.OBJECT_PROCESSED,
      { status: 'stored', key: 'a b.txt', bucket: 'up', latencyMs: 12 },
      { status: 'stored', key: 'a b.txt', bucket: 'up', latencyMs: 12 },
    ],
    [LogMessage.NOT_STORED, { status: 'duplicate', key: 'k', bucket: 'up' }, { status: 'duplicate', key: 'k' }],
    [
      LogMessage.POISON_DEAD_LETTERED,
      { reason: 'malformed-json', messageId: 'm1' },
      { status: 'poison', reason: 'malformed-json', messageId: 'm1' },
    ],
    [LogMessage.TRANSIENT_FAILURE, { messageId: 'm2' }, { status: 'transient-failure', messageId: 'm2' }],
    [
      LogMessage.OBJECT_REJECTED,
      { key: 'tmp/x', bucket: 'up', reason: 'ignored-prefix' },
      { status: 'rejected', key: 'tmp/x', reason: 'ignored-prefix' },
    ],
    [LogMessage.RECORD_DEAD_LETTERED, { reason: 'schema-violation' }, { status: 'poison', reason: 'schema-violation' }],
  ])('%s', (message, fields, expected) => {
    // Prepare
    const log = new OutcomeLog();
    // Act
    log.onLog(line(message, fields), 'fn');
    // Assess
    expect(log.outcomes).toEqual([expect.objectContaining({ function: 'fn', ...expected })]);
  });

  it('reads every outcome of a batch line', () => {
    const log = new OutcomeLog();
    log.onLog(
      line(LogMessage.BATCH_PROCESSED, {
        records: 3,
        failed: 1,
        outcomes: [
          { status: 'stored', key: 'a', bucket: 'up', messageId: 'm1', latencyMs: 5 },
          { status: 'duplicate', key: 'b', bucket: 'up', messageId: 'm2' },
        ],
      }),
      'fn',
    );
    expect(log.outcomes).toEqual([
      expect.objectContaining({ function: 'fn', status: 'stored', key: 'a', messageId: 'm1', latencyMs: 5 }),
      expect.objectContaining({ function: 'fn', status: 'duplicate', key: 'b', messageId: 'm2' }),
    ]);
  });

  it('ignores lines outside the contract and keeps non-JSON output as errors', () => {
    const log = new OutcomeLog();
    log.onLog(line('Something else', { records: 3 }), 'fn');
    log.onLog('Error: something crashed', 'fn');
    expect(log.outcomes).toEqual([]);
    expect(log.errors).toEqual(['fn: Error: something crashed']);
  });
});
