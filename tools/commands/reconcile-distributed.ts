import { resourceNames, RECONCILE_LAYOUT } from '../../config/derive';
import { KEY_SHARDS } from '../../src/core/key-shards';
import { loadConfig } from '../../config/load';
import { partitionOf } from '../../constructs/policy-document';
import { locateDeployment } from '../deployment';
import { reconcileDistributed, type DistributedOptions, type DistributedReport, type ExecutionInput } from '../reconcile/distributed';
import { createProgress } from '../reconcile/progress';
import type { ReconcileReport } from '../reconcile/reconcile';
import { UsageError, type Write } from '../../cli/command';

/** The distributed path's options (parseArgs form). */
export const DISTRIBUTED_OPTIONS = {
  distributed: { type: 'boolean', default: false },
  backfill: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  listing: { type: 'boolean', default: false },
  'skip-orphans': { type: 'boolean', default: false },
  manifest: { type: 'string' },
  'export-prefix': { type: 'string' },
  execution: { type: 'string' },
} as const;

export const DISTRIBUTED_HELP = `Past one machine (an environment with reconcile.distributed):
  --distributed    run on Step Functions: a Distributed Map over the newest S3 Inventory (or
                   a listing) for missing and stale objects, one over a DynamoDB export for
                   orphans; follows the execution and sums its results. --local runs the same
                   definition on the local pipeline, with an inventory and an export written now
  --backfill       also send what is missing, stale or orphaned to the queue (as npm run backfill)
  --dry-run        print the execution input and the state machine; start nothing, call nothing
  --listing        list the bucket instead of reading the inventory (which is a day or a week old)
  --skip-orphans   no table export, no orphans pass
  --manifest KEY   this inventory manifest.json (key in the inventory bucket), not the newest
  --export-prefix P  this finished export's data folder (…/AWSDynamoDB/<id>/data/), not a new export
  --execution ARN  follow an execution an interrupted run started (its input is the run's) instead of starting one`;

/** The single-process summary (tools/commands/reconcile.ts), with the run's own lines under the counts. */
export type RenderReport = (r: ReconcileReport, where: string, details: string[]) => string;

interface DistributedValues {
  env: string;
  local: boolean;
  prefix: string;
  json: boolean;
  backfill: boolean;
  'dry-run': boolean;
  listing: boolean;
  'skip-orphans': boolean;
  manifest?: string;
  'export-prefix'?: string;
  execution?: string;
  'data-dir'?: string;
}

const optionsOf = (v: DistributedValues, keyLimit: number): DistributedOptions => ({
  backfill: v.backfill,
  prefix: v.prefix,
  listing: v.listing,
  orphans: !v['skip-orphans'],
  manifest: v.manifest,
  exportDataPrefix: v['export-prefix'],
  execution: v.execution,
  keyLimit,
});

/** `--dry-run`: the input the execution would start with, from the config alone (no AWS call, no outputs file). */
function dryRun(v: DistributedValues): string {
  const cfg = loadConfig(v.env);
  if (!cfg.reconcile.distributed)
    throw new Error(`"${v.env}" has no distributed reconcile: set reconcile.distributed in config/${v.env}.json and deploy`);
  const names = resourceNames(cfg);
  const input: ExecutionInput = { backfill: v.backfill, prefix: v.prefix };
  const inventoryFolder = `${RECONCILE_LAYOUT.inventory}/${names.bucket}/${RECONCILE_LAYOUT.inventoryId}`;
  if (v.manifest) input.inventoryManifest = v.manifest;
  else if (!v.listing && (cfg.reconcile.inventory || v.local))
    input.inventoryManifest = v.local
      ? `${inventoryFolder}/<written now>/manifest.json`
      : `${inventoryFolder}/<newest YYYY-MM-DDTHH-MMZ>/manifest.json`;
  if (v['export-prefix']) input.exportDataPrefix = v['export-prefix'];
  else if (!v['skip-orphans'])
    input.exportDataPrefix = `${RECONCILE_LAYOUT.exports}/AWSDynamoDB/<export of ${names.table}, started at run time>/data/`;
  const target = v.local
    ? `the local pipeline's reconcile function (${names.reconcileFunction}), through the same definition`
    : `arn:${partitionOf(cfg.region)}:states:${cfg.region}:${cfg.accountId}:stateMachine:${names.reconcileStateMachine}`;
  const sources = [
    input.inventoryManifest
      ? `objects from the inventory s3://${names.inventoryBucket}/${input.inventoryManifest}`
      : `objects listed from s3://${names.bucket}`,
    input.exportDataPrefix ? `orphans from the table export s3://${names.inventoryBucket}/${input.exportDataPrefix}` : 'no orphans pass',
  ];
  return [
    `Would start ${target}`,
    `  ${sources.join('\n  ')}`,
    `  ${cfg.reconcile.itemsPerBatch} objects a batch, ${cfg.reconcile.maxConcurrency} batches at once${v.backfill ? '; sending what differs to the queue' : ''}`,
    'with the input:',
    JSON.stringify(input, null, 2),
    '<…> parts are looked up or made when the run starts (--manifest / --export-prefix make them exact).',
    '',
  ].join('\n');
}

/** The run's totals as the single-process reconcile reports them (its summary, its --json). */
function asReconcileReport(r: DistributedReport): ReconcileReport {
  const o = r.objects;
  const orphans = r.orphans;
  return {
    counts: {
      objects: o.counts.objects,
      // The export's live items under the scope's prefix, as the single-process search counts them.
      items: r.live ? r.live.counts.live : o.counts.live,
      missing: o.counts.missing,
      stale: o.counts.stale,
      orphaned: orphans?.counts.orphaned ?? 0,
    },
    missing: o.missing,
    stale: o.stale,
    orphaned: orphans?.orphaned ?? [],
    truncated: o.truncated || (orphans?.truncated ?? false),
  };
}

/** Every map run of the report (objects, live-item count, orphan check). */
const runsOf = (r: DistributedReport) => [r.objects, ...(r.live ? [r.live] : []), ...(r.orphans ? [r.orphans] : [])];
const sum = (r: DistributedReport, of: (t: DistributedReport['objects']) => number) => runsOf(r).reduce((n, t) => n + of(t), 0);

/** Failed batches, unreadable rows, or an execution that did not succeed: the counts are not the whole truth. */
const incomplete = (r: DistributedReport) =>
  r.status !== 'SUCCEEDED' || sum(r, (t) => t.failedBatches) > 0 || sum(r, (t) => t.counts.invalid) > 0;

function summary(r: DistributedReport, render: RenderReport, where: string): string {
  const lines: string[] = [];
  const invalid = sum(r, (t) => t.counts.invalid);
  lines.push(
    `  ${sum(r, (t) => t.batches)} batches (${sum(r, (t) => t.failedBatches)} failed) · ${sum(r, (t) => t.counts.rows)} rows read · ${invalid ? `${invalid} unreadable` : 'none unreadable'}`,
  );
  if (r.input.orphanShards) lines.push('  the orphan check of an earlier run (its first execution compared the objects)');
  else if (!r.live) lines.push('  orphans not searched (no export): items is the live items the objects matched');
  else if (r.orphanShards?.length === 0) lines.push('  every live item matched an object: no orphan search needed');
  else if (r.orphans)
    lines.push(
      `  orphan search: ${r.orphanShards?.length} of ${KEY_SHARDS} key shards, ${r.orphans.counts.live} items checked with HeadObject`,
    );
  if (r.input.backfill)
    lines.push(
      `  sent ${sum(r, (t) => t.counts.sent)} message(s) to the processing queue · ${r.objects.counts.gone} gone before they could be read`,
    );
  for (const f of runsOf(r)
    .flatMap((t) => t.failures)
    .slice(0, 5))
    lines.push(`  failed batch: ${f}`);
  for (const i of runsOf(r)
    .flatMap((t) => t.invalid)
    .slice(0, 5))
    lines.push(`  unreadable row: ${i}`);
  if (r.status !== 'SUCCEEDED') lines.push(`  execution ${r.status}: ${r.error ?? ''} ${r.cause ?? ''}`.trimEnd());
  for (const res of r.results) lines.push(`  results: ${res}`);
  if (incomplete(r)) {
    const c = asReconcileReport(r).counts;
    return `${where}\n  so far: objects ${c.objects} · items ${c.items} · missing ${c.missing} · stale ${c.stale} · orphaned ${c.orphaned}\n${lines.join('\n')}\nThe run did not complete: these counts are partial and prove nothing.\n`;
  }
  return r.input.backfill ? `${where}\n${lines.join('\n')}\n` : render(asReconcileReport(r), where, lines);
}

/** `npm run reconcile -- --distributed …` */
export async function distributedMain(v: DistributedValues, keyLimit: number, write: Write, render: RenderReport): Promise<number> {
  if (v.execution !== undefined) {
    const clash = (['backfill', 'dry-run', 'listing', 'skip-orphans', 'local'] as const).find((o) => v[o]);
    const given = clash ?? (['manifest', 'export-prefix'] as const).find((o) => v[o] !== undefined) ?? (v.prefix ? 'prefix' : undefined);
    if (given) throw new UsageError(`--execution follows a run as it was started: --${given} does not go with it`);
  }
  if (v['dry-run']) {
    write(dryRun(v));
    return 0;
  }
  const d = locateDeployment(v.env, { local: v.local, dataDir: v['data-dir'] });
  const progress = createProgress({ stream: process.stderr, enabled: !v.json, rateOf: v.local ? 'batches' : 'succeeded' });
  try {
    const notes: string[] = [];
    const report = await reconcileDistributed(d, {
      ...optionsOf(v, keyLimit),
      onProgress: progress.update,
      onNote: (line) => {
        notes.push(line);
        if (!v.json) process.stderr.write(`${line}\n`);
      },
    });
    progress.done();
    // The run's own input: an attached execution's may differ from this command line's defaults.
    const { backfill, prefix } = report.input;
    const where = `${backfill ? 'Distributed backfill' : 'Distributed reconcile'} of s3://${d.resources.bucket}${prefix ? `/${prefix}*` : ''} with table ${d.resources.tableName} (${v.env}, ${d.local ? 'local pipeline' : 'AWS Step Functions'})`;
    write(v.json ? `${JSON.stringify({ ...asReconcileReport(report), run: report, notes }, null, 2)}\n` : summary(report, render, where));
    if (incomplete(report)) return 1;
    if (backfill) return 0;
    const c = report.objects.counts;
    return c.missing + c.stale + (report.orphans?.counts.orphaned ?? 0) === 0 ? 0 : 2;
  } finally {
    progress.done();
    d.close();
  }
}
