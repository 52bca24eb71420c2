import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogField, LogMessage, WRITTEN_STATUSES } from '../src/app/telemetry-contract';

/** A function's log line as `npm run status` shows it. */
export interface RecentLogLine {
  time: string;
  function: string;
  level: string;
  message: string;
  key?: string;
  status?: string;
  latencyMs?: number;
  error?: string;
}

export interface RecentLogs {
  /** The last items written (`Object processed` lines), newest last. */
  processed: RecentLogLine[];
  /** The last ERROR lines of any function, newest last. */
  errors: RecentLogLine[];
}

/** A parsed Powertools line as status shows it: the telemetry contract's fields, the error shortened. */
export function recentLogLine(functionName: string, parsed: Record<string, unknown>): RecentLogLine {
  const field = <T>(name: string, type: 'string' | 'number'): T | undefined =>
    typeof parsed[name] === type ? (parsed[name] as T) : undefined;
  return {
    time: String(parsed.timestamp ?? new Date().toISOString()),
    function: functionName,
    level: String(parsed.level ?? ''),
    message: typeof parsed.message === 'string' ? parsed.message : JSON.stringify(parsed.message),
    key: field<string>(LogField.KEY, 'string'),
    status: field<string>(LogField.STATUS, 'string'),
    latencyMs: field<number>(LogField.LATENCY_MS, 'number'),
    error: parsed.error ? JSON.stringify(parsed.error).slice(0, 300) : undefined,
  };
}

/** The items a BATCH_PROCESSED line says were written, one line each (the batch line's time and level). */
export function writtenItems(functionName: string, batchLine: Record<string, unknown>): RecentLogLine[] {
  const outcomes = (batchLine[LogField.OUTCOMES] as Array<Record<string, unknown>> | undefined) ?? [];
  return outcomes
    .filter((o) => WRITTEN_STATUSES.includes(String(o[LogField.STATUS])))
    .map((o) =>
      recentLogLine(functionName, { ...o, timestamp: batchLine.timestamp, level: batchLine.level, message: LogMessage.OBJECT_PROCESSED }),
    );
}

/** Where a running local pipeline keeps them: the local stand-in for the functions' log groups. */
export const recentLogsFile = (dataDir: string): string => join(dataDir, 'recent-logs.json');

const KEEP = 20;

/**
 * Keeps the last processed objects and ERROR lines of the local functions and writes them to
 * `recent-logs.json` at most once a second, so `npm run status -- --local` can read what, on
 * AWS, it reads from CloudWatch Logs. Only lines that can matter are parsed.
 */
export class RecentLogRecorder {
  private readonly logs: RecentLogs = { processed: [], errors: [] };
  private timer?: NodeJS.Timeout;

  public constructor(private readonly file: string) {
    this.write();
  }

  public readonly onLog = (line: string, functionName: string): void => {
    if (!line.includes(LogMessage.BATCH_PROCESSED) && !line.includes('"ERROR"')) return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (parsed.level === 'ERROR') this.keep(this.logs.errors, [recentLogLine(functionName, parsed)]);
    else if (parsed.message === LogMessage.BATCH_PROCESSED) this.keep(this.logs.processed, writtenItems(functionName, parsed));
  };

  private keep(list: RecentLogLine[], lines: RecentLogLine[]): void {
    if (lines.length === 0) return;
    list.push(...lines);
    list.splice(0, Math.max(0, list.length - KEEP));
    this.timer ??= setTimeout(() => this.write(), 1000).unref();
  }

  public stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.write();
  }

  private write(): void {
    this.timer = undefined;
    writeFileSync(this.file, JSON.stringify(this.logs, null, 2));
  }
}
