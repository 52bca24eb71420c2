import { PoisonMessageError, PoisonReason } from './errors';

/** Width sequencers are padded to (kept at 64: stored ordering keys are compared at this width). */
const WIDTH = 64;

/**
 * What S3 emits. AWS documents the sequencer only as "a string representation of a hexadecimal
 * value" (S3 user guide, event message structure); every recorded S3 and EventBridge event has 16 or
 * 18 hex digits (AWS's samples `0055AED6DCD90281E5`, our corpus in `__tests__/fixtures/aws-events`).
 * 16–32 leaves room for growth and refuses what no S3 sends: a forged 40- or 64-digit `FFFF…` that
 * would outrank every real event of its key. An in-range forgery is healed by the processor, which
 * asks S3 before calling a differing event a duplicate (`process-message.ts`).
 */
export const SEQUENCER_DIGITS = { min: 16, max: 32 } as const;
const HEX = new RegExp(`^[0-9A-Fa-f]{${SEQUENCER_DIGITS.min},${SEQUENCER_DIGITS.max}}$`);

/**
 * A sortable form of S3's `sequencer`: uppercase, right-padded with zeros to a fixed width.
 * S3 says to compare sequencers as hex strings after right-padding the shorter one; at a
 * fixed width that is plain string order, which DynamoDB condition expressions can test.
 */
export function orderingKey(sequencer: string): string {
  if (!HEX.test(sequencer)) {
    throw new PoisonMessageError(
      PoisonReason.SCHEMA_VIOLATION,
      `sequencer "${sequencer.slice(0, 80)}" is not ${SEQUENCER_DIGITS.min}–${SEQUENCER_DIGITS.max} hex digits, as S3 sends`,
    );
  }
  return sequencer.toUpperCase().padEnd(WIDTH, '0');
}
