import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { fromAttributeValues } from '../src/adapters/attribute-values';
import { explainDeadLetter, peekQueue, type DeadLetter } from '../cli/dead-letter-view';
import type { PipelineConfig } from '../config/types';
import { type LambdaNode, lambdaNodeFor } from './lambda-node';
import type { LocalPermissions, LocalPipeline } from './local-pipeline';

export interface UploadRecord {
  key: string;
  size: number;
  uploadedAt?: number;
  error?: string;
  /** Written by another S3 client during a watch, not by this run. */
  byAnotherClient?: boolean;
}

export interface InjectedRecord {
  name: string;
  messageId: string;
}

export type ObjectOutcome =
  | 'stored'
  | 'deleted'
  | 'duplicate'
  | 'skipped'
  | 'rejected'
  | 'ignored'
  | 'filtered'
  | 'dead-lettered'
  | 'upload-failed'
  | 'pending';

export interface ObjectReport {
  key: string;
  size: number;
  outcome: ObjectOutcome;
  reason?: string;
  /** Upload → item written, from the item's `event_time` and `processed_at`. */
  latencyMs?: number;
  duplicatesAbsorbed: number;
  /** Written by another S3 client during a watch. */
  byAnotherClient?: boolean;
}

export interface RunReport {
  environment: string;
  mode: string;
  /** The functions' Lambda runtime, and the Node they ran on here (the runtime's major: docs/local-pipeline.md). */
  runtime: { lambda: string; node: string; matches: boolean; source: LambdaNode['source'] };
  objects: ObjectReport[];
  injected: Array<{ name: string; messageId: string; outcome: ObjectOutcome; reason?: string }>;
  /** The items of this run's objects, as plain objects with the table's attribute names. */
  items: Array<Record<string, unknown>>;
  /** Items in the table from earlier runs (not listed: `npm run reconcile`/`status` show them). */
  earlierItems: number;
  dlq: DeadLetter[];
  /** Pusher mode: events parked in the pusher's failure queue; null in other modes. */
  pusherFailures: DeadLetter[] | null;
  /** `uploaded` by this run; `written`: by other S3 clients during a watch (counted in the outcomes too). */
  counts: Record<ObjectOutcome | 'uploaded' | 'written' | 'items' | 'dlq' | 'problems', number>;
  latencyMs: { count: number; p50: number | null; p95: number | null; p99: number | null };
  problems: Array<{ path: string; problem: string }>;
  errors: string[];
  /** Calls authorized against the synthesized policies, and every denial with what decided it. */
  permissions: LocalPermissions;
}

export const percentile = (sorted: number[], p: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export async function scanItems(pipeline: LocalPipeline): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await pipeline.clients.dynamodb.send(
      new ScanCommand({ TableName: pipeline.resources.tableName, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []).map(fromAttributeValues));
    start = out.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => String(a.s3_key).localeCompare(String(b.s3_key)));
}

/** Why the environment's filters keep an object out before any function sees it, if they do. */
export function filterReason(cfg: PipelineConfig, key: string, size: number): string | undefined {
  const f = cfg.filters;
  const where = cfg.mode === 'eventbridge' ? 'the EventBridge rule' : 'the notification';
  if (!key.startsWith(f.prefix) || !key.endsWith(f.suffix)) return `outside ${where}'s prefix/suffix filter`;
  if (cfg.mode === 'eventbridge' && ((f.minSizeBytes > 0 && size < f.minSizeBytes) || (f.maxSizeBytes > 0 && size > f.maxSizeBytes)))
    return `outside ${where}'s size filter`;
  return undefined;
}

/** What happened to every uploaded file and injected message, from the logs, the table and the DLQ. */
export async function buildReport(
  pipeline: LocalPipeline,
  uploads: UploadRecord[],
  injected: InjectedRecord[],
  problems: RunReport['problems'],
  /** When the run began: items written since are this run's too (another S3 client's objects, in watch mode). */
  since = Number.POSITIVE_INFINITY,
): Promise<RunReport> {
  const cfg = pipeline.config;
  const bucket = pipeline.resources.bucket;
  const items = await scanItems(pipeline);
  const itemByKey = new Map(items.filter((i) => i.bucket === bucket).map((i) => [String(i.s3_key), i]));
  const dlq = (await peekQueue(pipeline.clients.sqs, pipeline.resources.deadLetterQueueUrl, 1000)).map((m) =>
    explainDeadLetter(m, cfg.queue.maxReceiveCount),
  );
  const failuresUrl = pipeline.resources.pusherFailureQueueUrl;
  const pusherFailures = failuresUrl ? (await peekQueue(pipeline.clients.sqs, failuresUrl, 1000)).map((m) => explainDeadLetter(m)) : null;
  const observed = pipeline.outcomes.outcomes;

  // Watch mode: objects other S3 clients wrote during the run are this run's too (`aws s3 sync`…).
  const uploaded = new Set(uploads.map((u) => u.key));
  const others: UploadRecord[] = Number.isFinite(since)
    ? [
        ...new Set(
          observed.filter((o) => o.bucket === bucket && o.key !== undefined && !uploaded.has(o.key) && o.at >= since).map((o) => o.key!),
        ),
      ].map((key) => ({
        key,
        size: Number(itemByKey.get(key)?.file_size ?? 0),
        byAnotherClient: true,
      }))
    : [];
  const objects: ObjectReport[] = [...uploads, ...others].map((u) => {
    const base = { key: u.key, size: u.size, duplicatesAbsorbed: 0, ...(u.byAnotherClient ? { byAnotherClient: true } : {}) };
    if (u.error) return { ...base, outcome: 'upload-failed', reason: u.error };
    const filtered = filterReason(cfg, u.key, u.size);
    if (filtered) return { ...base, outcome: 'filtered', reason: filtered };
    const mine = observed.filter((o) => o.key === u.key && o.bucket === bucket && o.status !== 'transient-failure');
    const duplicatesAbsorbed = mine.filter((o) => o.status === 'duplicate').length;
    const item = itemByKey.get(u.key);
    // From the upload where known: EventBridge event times have second precision.
    const latencyMs = item ? Date.parse(String(item.processed_at)) - (u.uploadedAt ?? Date.parse(String(item.event_time))) : undefined;
    if (mine.some((o) => o.status === 'stored' || o.status === 'deleted'))
      return { ...base, outcome: 'stored', latencyMs, duplicatesAbsorbed };
    const dead = dlq.find((d) => d.keys.includes(u.key)) ?? pusherFailures?.find((d) => d.keys.includes(u.key));
    if (dead) return { ...base, outcome: 'dead-lettered', reason: `${dead.reason}: ${dead.detail ?? ''}`.trim(), duplicatesAbsorbed };
    const last = mine.at(-1);
    if (last) return { ...base, outcome: last.status as ObjectOutcome, reason: last.reason, latencyMs, duplicatesAbsorbed };
    return { ...base, outcome: 'pending', reason: 'no outcome reported yet' };
  });

  const injectedReports = injected.map((i) => {
    // A handler's dead letter names its source message; a redriven one keeps its id.
    const dead = dlq.find((d) => d.sourceMessageId === i.messageId || d.messageId === i.messageId);
    if (dead) return { ...i, outcome: 'dead-lettered' as ObjectOutcome, reason: dead.reason };
    const other = observed.find((o) => o.messageId === i.messageId && o.status !== 'transient-failure');
    return { ...i, outcome: (other?.status as ObjectOutcome) ?? 'pending', reason: other?.reason };
  });

  const latencies = objects
    .flatMap((o) => (o.outcome === 'stored' && o.latencyMs !== undefined ? [o.latencyMs] : []))
    .sort((a, b) => a - b);
  const counts = {
    uploaded: uploads.filter((u) => !u.error).length,
    written: others.length,
    items: items.length,
    dlq: dlq.length,
    problems: problems.length,
  } as RunReport['counts'];
  for (const o of [
    'stored',
    'deleted',
    'duplicate',
    'skipped',
    'rejected',
    'ignored',
    'filtered',
    'dead-lettered',
    'upload-failed',
    'pending',
  ] as ObjectOutcome[]) {
    counts[o] = objects.filter((x) => x.outcome === o).length + injectedReports.filter((x) => x.outcome === o).length;
  }
  // This run's objects only: an environment used for a day holds hundreds of items.
  const mine = new Set(uploads.map((u) => u.key));
  const runItems = items.filter((i) => i.bucket === bucket && (mine.has(String(i.s3_key)) || Date.parse(String(i.processed_at)) >= since));
  const functionsNode = lambdaNodeFor(cfg.runtime);
  return {
    environment: cfg.environment,
    mode: cfg.mode,
    runtime: { lambda: cfg.runtime, node: functionsNode.version, matches: functionsNode.matches, source: functionsNode.source },
    objects,
    injected: injectedReports,
    items: runItems,
    earlierItems: items.length - runItems.length,
    dlq,
    pusherFailures,
    counts,
    latencyMs: { count: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
    problems,
    errors: pipeline.outcomes.errors,
    permissions: await pipeline.permissions(),
  };
}
