import { LogField, LogMessage } from '../src/app/telemetry-contract';

/** One thing the functions reported about an object or message, read from their JSON logs. */
export interface ObservedOutcome {
  function: string;
  status: string;
  key?: string;
  bucket?: string;
  messageId?: string;
  reason?: string;
  latencyMs?: number;
  at: number;
}

/** The status each contract line stands for; `null`: the line's own `status` field says. */
const STATUS_OF: Record<LogMessage, string | null> = {
  [LogMessage.BATCH_PROCESSED]: null,
  [LogMessage.OBJECT_PROCESSED]: null,
  [LogMessage.NOT_STORED]: null,
  [LogMessage.POISON_DEAD_LETTERED]: 'poison',
  [LogMessage.TRANSIENT_FAILURE]: 'transient-failure',
  // Retried like a transient failure until the redrive policy moves it, whole, to the DLQ.
  [LogMessage.POISON_LEFT_TO_REDRIVE]: 'transient-failure',
  [LogMessage.ACCESS_DENIED]: 'access-denied',
  [LogMessage.OBJECT_REJECTED]: 'rejected',
  [LogMessage.RECORD_DEAD_LETTERED]: 'poison',
};
const isContractMessage = (m: string): m is LogMessage => Object.hasOwn(STATUS_OF, m);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Collects outcomes from the functions' Powertools log lines: the local run learns what
 * happened to each object exactly as an operator would, from the logs.
 */
export class OutcomeLog {
  public readonly outcomes: ObservedOutcome[] = [];
  public readonly errors: string[] = [];
  private readonly listeners: Array<(o: ObservedOutcome) => void> = [];

  public constructor(private readonly echo?: (line: string) => void) {}

  public readonly onLog = (line: string, fn: string): void => {
    this.echo?.(line);
    if (!line.startsWith('{')) {
      if (line.trim()) this.errors.push(`${fn}: ${line}`);
      return;
    }
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const message = String(entry.message ?? '');
    if (!isContractMessage(message)) return;
    // A batch line carries its records' outcomes; every other contract line is one outcome.
    const entries =
      message === LogMessage.BATCH_PROCESSED ? ((entry[LogField.OUTCOMES] as Array<Record<string, unknown>> | undefined) ?? []) : [entry];
    for (const e of entries) this.record(fn, STATUS_OF[message], e);
  };

  private record(fn: string, status: string | null, entry: Record<string, unknown>): void {
    const outcome: ObservedOutcome = {
      function: fn,
      status: status ?? text(entry[LogField.STATUS]) ?? 'unknown',
      key: text(entry[LogField.KEY]),
      bucket: text(entry[LogField.BUCKET]),
      messageId: text(entry[LogField.MESSAGE_ID]),
      reason: text(entry[LogField.REASON]),
      latencyMs: typeof entry[LogField.LATENCY_MS] === 'number' ? (entry[LogField.LATENCY_MS] as number) : undefined,
      at: Date.now(),
    };
    this.outcomes.push(outcome);
    for (const l of this.listeners) l(outcome);
  }

  /** Calls `listener` with every outcome from now on (watch mode's live lines). */
  public subscribe(listener: (o: ObservedOutcome) => void): void {
    this.listeners.push(listener);
  }

  public count(status: string): number {
    return this.outcomes.filter((o) => o.status === status).length;
  }
}
