import type { PoisonReason } from './errors';
import type { RecordResult } from './types';

/** Reason given when the dead-lettered records failed for different reasons. */
export const MIXED_REASONS = 'multiple-reasons';

export interface PoisonPart {
  /** What goes to the DLQ: the whole body when every record is unreadable, else only those records. */
  body: string;
  reason: PoisonReason | typeof MIXED_REASONS;
  /** Each unreadable record's position and problem. */
  detail: string;
}

/**
 * The part of a message that can never be processed, as one DLQ message, or null when every
 * record is readable.
 *
 * When every record is unreadable the original body is kept as is, so a redrive after a fix
 * replays exactly what arrived. Otherwise the DLQ message is `{"Records": [the unreadable
 * records]}`: a redrive replays only those, never the records already written.
 */
export function deadLetterPart(body: string, records: RecordResult[]): PoisonPart | null {
  const poison = records.flatMap((r, i) => (r.kind === 'poison' ? [{ index: i, ...r }] : []));
  if (poison.length === 0) return null;
  const reasons = new Set(poison.map((p) => p.error.reason));
  const reason = reasons.size === 1 ? poison[0]!.error.reason : MIXED_REASONS;
  const detail =
    poison.length === 1 && records.length === 1
      ? poison[0]!.error.message
      : poison.map((p) => `Records[${p.index}]: ${p.error.reason}: ${p.error.message}`).join('; ');
  return { body: poison.length === records.length ? body : JSON.stringify({ Records: poison.map((p) => p.raw) }), reason, detail };
}
