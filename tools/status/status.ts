import { existsSync, readFileSync } from 'node:fs';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { resourceNames } from '../../config/derive';
import { LogMessage } from '../../src/app/telemetry-contract';
import { recentLogLine, recentLogsFile, writtenItems, type RecentLogLine, type RecentLogs } from '../../local/recent-logs';
import type { Deployment } from '../deployment';
import { explainDeadLetter, peekQueue } from '../../cli/dead-letter-view';

export interface QueueStatus {
  name: string;
  visible: number;
  inFlight: number;
  delayed: number;
  /** Seconds; null when unknown (locally, for the processing queue) or empty. */
  oldestAgeSeconds: number | null;
}

export interface FailureQueueStatus extends QueueStatus {
  /** Peeked messages by reason, with the oldest age of each (from its first enqueue). */
  byReason: Record<string, { count: number; oldestAgeSeconds: number | null }>;
  peeked: number;
}

export interface AlarmStatus {
  name: string;
  state: string;
  since?: string;
  reason?: string;
}

export interface StatusReport {
  environment: string;
  where: 'AWS' | 'local';
  queue: QueueStatus;
  failureQueues: FailureQueueStatus[];
  /** Null where there is no CloudWatch (the local pipeline evaluates no alarm). */
  alarms: AlarmStatus[] | null;
  recentItems: RecentLogLine[];
  recentErrors: RecentLogLine[];
  /** Where the last two came from. */
  logSource: string;
}

/** What differs between AWS and the local pipeline: alarms, queue age metrics and function logs. */
export interface StatusSources {
  alarms(): Promise<AlarmStatus[] | null>;
  /** ApproximateAgeOfOldestMessage of a queue, seconds; null when unknown. */
  queueAge(queueName: string): Promise<number | null>;
  recentLogs(): Promise<RecentLogs & { source: string }>;
}

const SAMPLE = 100;
const RECENT = 10;

async function queueStatus(d: Deployment, name: string, url: string, age: number | null): Promise<QueueStatus> {
  const a =
    (
      await d.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      )
    ).Attributes ?? {};
  return {
    name,
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
    oldestAgeSeconds: age,
  };
}

async function failureQueueStatus(
  d: Deployment,
  name: string,
  url: string,
  now: number,
  metricAge: number | null,
): Promise<FailureQueueStatus> {
  const base = await queueStatus(d, name, url, metricAge);
  const peeked =
    base.visible > 0 ? (await peekQueue(d.sqs, url, SAMPLE)).map((m) => explainDeadLetter(m, d.config.queue.maxReceiveCount)) : [];
  const byReason: FailureQueueStatus['byReason'] = {};
  const counted = new Set<string>();
  for (const p of peeked) {
    const age = p.sentAt ? Math.round((now - Date.parse(p.sentAt)) / 1000) : null;
    const r = (byReason[p.reason] ??= { count: 0, oldestAgeSeconds: null });
    // Copies of one dead-lettered part (a crash between DLQ send and delete) count once.
    if (!counted.has(p.id)) r.count += 1;
    counted.add(p.id);
    if (age !== null && (r.oldestAgeSeconds === null || age > r.oldestAgeSeconds)) r.oldestAgeSeconds = age;
  }
  const peekedOldest = Object.values(byReason).reduce<number | null>(
    (m, r) => (r.oldestAgeSeconds !== null && (m === null || r.oldestAgeSeconds > m) ? r.oldestAgeSeconds : m),
    null,
  );
  return { ...base, oldestAgeSeconds: metricAge ?? peekedOldest, byReason, peeked: peeked.length };
}

/** Everything `npm run status` shows, gathered in parallel. */
export async function collectStatus(d: Deployment, sources: StatusSources, now = Date.now()): Promise<StatusReport> {
  const names = resourceNames(d.config);
  const r = d.resources;
  const failure: Array<[string, string]> = [
    [names.deadLetterQueue, r.deadLetterQueueUrl],
    ...(r.pusherFailureQueueUrl ? [[names.pusherFailureQueue, r.pusherFailureQueueUrl] as [string, string]] : []),
  ];
  const [queue, failureQueues, alarms, logs] = await Promise.all([
    sources.queueAge(names.queue).then((age) => queueStatus(d, names.queue, r.queueUrl, age)),
    Promise.all(failure.map(async ([name, url]) => failureQueueStatus(d, name, url, now, await sources.queueAge(name)))),
    sources.alarms(),
    sources.recentLogs(),
  ]);
  return {
    environment: d.config.environment,
    where: d.local ? 'local' : 'AWS',
    queue,
    failureQueues,
    alarms,
    recentItems: logs.processed.slice(-RECENT).reverse(),
    recentErrors: logs.errors.slice(-RECENT).reverse(),
    logSource: logs.source,
  };
}

/** The local pipeline: no CloudWatch; its functions' recent lines from `recent-logs.json`. */
export function localSources(dataDir: string): StatusSources {
  return {
    alarms: async () => null,
    queueAge: async () => null,
    recentLogs: async () => {
      const file = recentLogsFile(dataDir);
      const logs = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RecentLogs) : { processed: [], errors: [] };
      return { ...logs, source: file };
    },
  };
}

const WINDOW_MS = 60 * 60 * 1000;

/** AWS: alarm states, queue age metrics and the functions' log groups (the last hour). */
export function awsSources(
  d: Deployment,
  clients = { cloudwatch: new CloudWatchClient({ region: d.config.region }), logs: new CloudWatchLogsClient({ region: d.config.region }) },
  now = Date.now(),
): StatusSources & { close(): void } {
  const names = resourceNames(d.config);
  const groups = [names.processor, ...(d.config.mode === 'pusher' ? [names.pusher] : [])].map((fn) => ({ fn, group: `/aws/lambda/${fn}` }));
  const filter = async (group: string, pattern: string): Promise<Array<Record<string, unknown> & { timestamp?: string }>> => {
    const out = await clients.logs.send(
      new FilterLogEventsCommand({ logGroupName: group, filterPattern: pattern, startTime: now - WINDOW_MS, limit: 200 }),
    );
    return (out.events ?? []).flatMap((e) => {
      try {
        return [{ timestamp: new Date(e.timestamp ?? 0).toISOString(), ...(JSON.parse(e.message ?? '') as Record<string, unknown>) }];
      } catch {
        return [];
      }
    });
  };
  const byTime = (a: RecentLogLine, b: RecentLogLine) => a.time.localeCompare(b.time);
  return {
    alarms: async () => {
      const out = await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${d.config.namePrefix}-`, MaxRecords: 100 }));
      return (out.MetricAlarms ?? []).map((a) => ({
        name: a.AlarmName ?? '',
        state: a.StateValue ?? 'UNKNOWN',
        since: a.StateUpdatedTimestamp?.toISOString(),
        reason: a.StateReason,
      }));
    },
    queueAge: async (queueName) => {
      const out = await clients.cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(now - 15 * 60 * 1000),
          EndTime: new Date(now),
          MetricDataQueries: [
            {
              Id: 'age',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/SQS',
                  MetricName: 'ApproximateAgeOfOldestMessage',
                  Dimensions: [{ Name: 'QueueName', Value: queueName }],
                },
                Period: 60,
                Stat: 'Maximum',
              },
            },
          ],
        }),
      );
      const values = out.MetricDataResults?.[0]?.Values ?? [];
      return values.length > 0 ? values[0]! : null;
    },
    recentLogs: async () => {
      const processed: RecentLogLine[] = [];
      const errors: RecentLogLine[] = [];
      for (const { fn, group } of groups) {
        const [p, e] = await Promise.all([
          filter(group, `{ $.message = "${LogMessage.BATCH_PROCESSED}" }`),
          filter(group, '{ $.level = "ERROR" }'),
        ]);
        processed.push(...p.flatMap((x) => writtenItems(fn, x)));
        errors.push(...e.map((x) => recentLogLine(fn, x)));
      }
      return {
        processed: processed.sort(byTime),
        errors: errors.sort(byTime),
        source: `CloudWatch Logs ${groups.map((g) => g.group).join(', ')}, last hour`,
      };
    },
    close: () => {
      clients.cloudwatch.destroy();
      clients.logs.destroy();
    },
  };
}

const ago = (s: number | null): string =>
  s === null
    ? '–'
    : s < 120
      ? `${s} s`
      : s < 7200
        ? `${Math.round(s / 60)} min`
        : s < 172_800
          ? `${Math.round(s / 3600)} h`
          : `${Math.round(s / 86400)} d`;

/** One screen, most urgent first. */
export function renderStatus(s: StatusReport): string {
  const out: string[] = [`Status of ${s.environment} (${s.where})`, ''];
  const q = s.queue;
  out.push(
    `Queue ${q.name}: ${q.visible} waiting, ${q.inFlight} in flight, ${q.delayed} delayed · oldest ${s.where === 'local' ? 'n/a locally' : ago(q.oldestAgeSeconds)}`,
  );
  for (const f of s.failureQueues) {
    out.push(
      `${f.visible + f.inFlight > 0 ? '✗' : '✓'} ${f.name}: ${f.visible} message(s)${f.inFlight ? `, ${f.inFlight} in flight` : ''} · oldest ${ago(f.oldestAgeSeconds)}`,
    );
    for (const [reason, r] of Object.entries(f.byReason).sort((a, b) => b[1].count - a[1].count))
      out.push(`    ${reason}: ${r.count}, oldest ${ago(r.oldestAgeSeconds)}`);
    if (f.peeked < f.visible) out.push(`    (reasons from the first ${f.peeked} of ${f.visible})`);
  }
  out.push('');
  if (s.alarms === null) out.push('Alarms: none locally (CloudWatch evaluates them on AWS).');
  else {
    const firing = s.alarms.filter((a) => a.state === 'ALARM');
    out.push(
      `Alarms: ${firing.length} in ALARM, ${s.alarms.filter((a) => a.state === 'INSUFFICIENT_DATA').length} insufficient data, ${s.alarms.filter((a) => a.state === 'OK').length} OK`,
    );
    for (const a of firing) out.push(`  ✗ ${a.name} since ${a.since ?? '?'}: ${a.reason ?? ''}`);
  }
  out.push('', `Last items written (${s.logSource}):`);
  if (s.recentItems.length === 0) out.push('  none');
  for (const i of s.recentItems)
    out.push(`  ${i.time}  ${i.status ?? ''}  ${JSON.stringify(i.key ?? '')}${i.latencyMs !== undefined ? `  ${i.latencyMs} ms` : ''}`);
  out.push('', 'Recent errors:');
  if (s.recentErrors.length === 0) out.push('  none');
  for (const e of s.recentErrors)
    out.push(`  ${e.time}  ${e.function}  ${e.message}${e.key ? `  ${JSON.stringify(e.key)}` : ''}${e.error ? `  ${e.error}` : ''}`);
  return `${out.join('\n')}\n`;
}
