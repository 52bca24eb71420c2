import { PoisonMessageError, PoisonReason } from './errors';

/** Width sequencers are padded to; S3's are 16–20 hex digits today. */
const WIDTH = 64;
const HEX = /^[0-9A-Fa-f]{1,64}$/;

/**
 * A sortable form of S3's `sequencer`: uppercase, right-padded with zeros to a fixed width.
 * S3 says to compare sequencers as hex strings after right-padding the shorter one; at a
 * fixed width that is plain string order, which DynamoDB condition expressions can test.
 */
export function orderingKey(sequencer: string): string {
  if (!HEX.test(sequencer)) {
    throw new PoisonMessageError(PoisonReason.SCHEMA_VIOLATION, `sequencer "${sequencer.slice(0, 80)}" is not 1–${WIDTH} hex digits`);
  }
  return sequencer.toUpperCase().padEnd(WIDTH, '0');
}
