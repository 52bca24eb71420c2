import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { PipelineConfig } from '../../config/types';
import { TABLE_KEYS } from '../../config/derive';
import type { Deployment } from '../deployment';
import { ingestScope } from '../reconcile/ingest-scope';

/** One step of a smoke test, as printed: what was checked and whether it held. */
export interface SmokeStep {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SmokeResult {
  ok: boolean;
  key: string;
  /** Upload to the item being readable, in ms; null when it never appeared. */
  latencyMs: number | null;
  steps: SmokeStep[];
}

export interface SmokeOptions {
  /** How long to wait for the item (and, with handleDeletes, its deletion mark). @default 60 s */
  timeoutMs?: number;
  pollMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const PROBE_DIR = '_smoke/';

/**
 * A probe object the environment ingests: under its key prefix, ending with its suffix, of a
 * content type and size its filters accept. Throws when the filters admit no probe (the smoke
 * test cannot prove anything there), naming the filter.
 */
export function probeObject(cfg: PipelineConfig, id: string): { key: string; body: Buffer; contentType: string } {
  const f = cfg.filters;
  const key = `${f.prefix}${PROBE_DIR}${id}.txt${f.suffix}`;
  const size = Math.max(64, cfg.mode === 'eventbridge' ? f.minSizeBytes : 0);
  if (size > 1024 * 1024)
    throw new Error(`filters.minSizeBytes is ${f.minSizeBytes}: a smoke probe that large is not uploaded; test this environment by hand`);
  const allowed = cfg.mode === 'pusher' ? f.allowedContentTypes : [];
  const contentType = allowed.length === 0 ? 'text/plain' : allowed[0]!.replace(/\/\*$/, '/octet-stream');
  const body = Buffer.alloc(size, `smoke test ${id}\n`);
  const scope = ingestScope(cfg);
  if (!scope.byListing(key, size) || !scope.byHead({ contentType, size, metadata: {} })) {
    throw new Error(
      `the environment's filters exclude the probe "${key}" (${contentType}, ${size} B): check filters.ignoredPrefixes/ignoredSuffixes`,
    );
  }
  return { key, body, contentType };
}

async function depth(d: Deployment, queueUrl: string): Promise<number> {
  const attrs =
    (
      await d.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      )
    ).Attributes ?? {};
  return Number(attrs.ApproximateNumberOfMessages ?? 0) + Number(attrs.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/** The failure queues of the deployment: its DLQ and, in pusher mode, the pusher's failure queue. */
const failureQueues = (d: Deployment): Array<[string, string]> => [
  ['dead-letter queue', d.resources.deadLetterQueueUrl],
  ...(d.resources.pusherFailureQueueUrl ? [['pusher failure queue', d.resources.pusherFailureQueueUrl] as [string, string]] : []),
];

/**
 * Uploads a probe object, waits for its item, checks that nothing new reached a failure queue,
 * then removes every version of the probe and its item. Each step is reported; the result is
 * ok only if every step held. The probe is removed even when a check failed.
 */
export async function runSmoke(d: Deployment, options: SmokeOptions = {}): Promise<SmokeResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 250;
  const cfg = d.config;
  const { bucket, tableName } = d.resources;
  const probe = probeObject(cfg, `${new Date(now()).toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`);
  const itemKey = { [TABLE_KEYS.partitionKey]: { S: probe.key }, [TABLE_KEYS.sortKey]: { S: bucket } };
  const steps: SmokeStep[] = [];
  const readItem = async () =>
    (await d.dynamodb.send(new GetItemCommand({ TableName: tableName, Key: itemKey, ConsistentRead: true }))).Item;
  const waitFor = async (test: (item: Awaited<ReturnType<typeof readItem>>) => boolean): Promise<boolean> => {
    const deadline = now() + timeoutMs;
    for (;;) {
      if (test(await readItem())) return true;
      if (now() >= deadline) return false;
      await sleep(pollMs);
    }
  };

  const before = new Map<string, number>();
  for (const [name, url] of failureQueues(d)) before.set(name, await depth(d, url));

  const started = now();
  const put = await d.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: probe.key,
      Body: probe.body,
      ContentType: probe.contentType,
      ContentLength: probe.body.byteLength,
    }),
  );
  const etag = (put.ETag ?? '').replace(/"/g, '');
  steps.push({ name: 'upload', ok: true, detail: `s3://${bucket}/${probe.key} (${probe.body.byteLength} B, ${probe.contentType})` });

  let latencyMs: number | null = null;
  try {
    const stored = await waitFor((item) => item !== undefined && item.deleted?.BOOL !== true && (etag === '' || item.etag?.S === etag));
    latencyMs = stored ? now() - started : null;
    steps.push({
      name: 'item',
      ok: stored,
      detail: stored
        ? `written to ${tableName} ${latencyMs} ms after the upload`
        : `no item in ${tableName} after ${Math.round(timeoutMs / 1000)} s: the event did not reach the processor, or the write failed (npm run status)`,
    });

    for (const [name, url] of failureQueues(d)) {
      const grew = (await depth(d, url)) - before.get(name)!;
      steps.push({
        name,
        ok: grew <= 0,
        detail: grew <= 0 ? 'nothing new' : `${grew} new message(s): npm run dlq -- peek --env ${cfg.environment}`,
      });
    }
  } finally {
    steps.push(await removeProbe(d, probe.key, itemKey, waitFor));
  }
  return { ok: steps.every((s) => s.ok), key: probe.key, latencyMs, steps };
}

/**
 * Deletes every version of the probe (nothing of it stays in a versioned bucket) and its item.
 * With handleDeletes the removal event marks the item deleted: the item is removed after that
 * mark, or the mark would bring it back.
 */
async function removeProbe(
  d: Deployment,
  key: string,
  itemKey: Record<string, { S: string }>,
  waitFor: (t: (item: Record<string, { BOOL?: boolean }> | undefined) => boolean) => Promise<boolean>,
): Promise<SmokeStep> {
  const { bucket, tableName } = d.resources;
  try {
    // The local S3 emulator keeps no versions (and has no ListObjectVersions): a plain delete removes the object.
    const versions = d.local
      ? []
      : ((r) => [...(r.Versions ?? []), ...(r.DeleteMarkers ?? [])].filter((v) => v.Key === key))(
          await d.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key })),
        );
    if (versions.length === 0) await d.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    for (const v of versions) await d.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: v.VersionId }));
    const marked = d.config.handleDeletes ? await waitFor((item) => item === undefined || item.deleted?.BOOL === true) : true;
    await d.dynamodb.send(new DeleteItemCommand({ TableName: tableName, Key: itemKey }));
    return {
      name: 'cleanup',
      ok: true,
      detail: `probe and its item removed${marked ? '' : ' (the deletion event had not arrived yet: it may leave a deletion mark)'}`,
    };
  } catch (e) {
    return {
      name: 'cleanup',
      ok: false,
      detail: `could not remove the probe: ${(e as Error).message}; remove s3://${bucket}/${key} and its item by hand`,
    };
  }
}
