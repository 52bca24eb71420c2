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

const MESSAGES = new Set([
  'Object processed',
  'Message not stored',
  'Poison message sent to the dead-letter queue',
  'Transient failure; SQS will redeliver',
  'Object rejected',
  'Unprocessable record sent to the dead-letter queue',
]);

/**
 * Collects outcomes from the functions' Powertools log lines: the local run learns what
 * happened to each object exactly as an operator would, from the logs.
 */
export class OutcomeLog {
  public readonly outcomes: ObservedOutcome[] = [];
  public readonly errors: string[] = [];

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
    if (!MESSAGES.has(message)) return;
    const status = message.startsWith('Transient') ? 'transient-failure' : message === 'Object rejected' ? 'rejected' : String(entry.status ?? 'poison');
    this.outcomes.push({
      function: fn,
      status,
      key: (entry.key ?? entry.s3Key) as string | undefined,
      bucket: entry.bucket as string | undefined,
      messageId: entry.messageId as string | undefined,
      reason: (entry.reason as string | undefined) ?? undefined,
      latencyMs: entry.latencyMs as number | undefined,
      at: Date.now(),
    });
  };

  public count(status: string): number {
    return this.outcomes.filter((o) => o.status === status).length;
  }
}
