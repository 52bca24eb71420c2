import { DescribeExportCommand, DescribeTableCommand, ExportTableToPointInTimeCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, DescribeMapRunCommand, ListMapRunsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { RECONCILE_LAYOUT, resourceNames } from '../../config/derive';
import { RECONCILE_EXECUTION_TIMEOUT_SECONDS } from '../../constructs/distributed-reconcile';
import { reconcileDefinition } from '../../constructs/reconcile-definition';
import { RECONCILE_LOCAL_CONCURRENCY } from '../../local/local-pipeline';
import { runDefinitionLocally } from '../../local/reconcile/distributed-map';
import { writeInventoryReport } from '../../local/reconcile/inventory-report';
import { writeTableExport } from '../../local/reconcile/table-export';
import { encodeShards, KEY_SHARDS, shardsWithOrphans } from '../../src/core/key-shards';
import type { Deployment } from '../deployment';
import { addMapRun, emptyTotals, type MapRunTotals } from './map-results';

/** What the state machine is started with (constructs/reconcile-definition.ts). */
export interface ExecutionInput {
  backfill: boolean;
  prefix: string;
  /** Key of an S3 Inventory manifest.json in the inventory bucket; absent: the map lists the bucket. */
  inventoryManifest?: string;
  /** Folder of a DynamoDB export's data files in the inventory bucket; absent: no orphans pass. */
  exportDataPrefix?: string;
  /** Second execution: the key shards whose items to check for orphans (`encodeShards`). */
  orphanShards?: string;
}

export interface DistributedOptions {
  backfill: boolean;
  prefix: string;
  /** List the bucket even when an inventory is there (an inventory is up to a day or a week old). */
  listing: boolean;
  /** Look for orphans through a DynamoDB export. */
  orphans: boolean;
  /** An inventory manifest to use instead of the newest one. */
  manifest?: string;
  /** A finished export's data folder to use instead of exporting now. */
  exportDataPrefix?: string;
  /** Follow this execution (started by an interrupted run) instead of starting one. AWS only. */
  execution?: string;
  keyLimit: number;
  onProgress?: (counts: Record<string, number>) => void;
  /** Notes for the person running it (where the input came from). */
  onNote?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

type Status = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface Execution {
  status: Status;
  error?: string;
  cause?: string;
  executionArn?: string;
  output?: Record<string, unknown>;
}

export interface DistributedReport {
  /** The first execution's input. */
  input: ExecutionInput;
  /** The last execution's status (the first one's when it failed). */
  status: Status;
  error?: string;
  cause?: string;
  executionArns: string[];
  objects: MapRunTotals;
  /** The export's live items, per key shard (absent without an export). */
  live?: MapRunTotals;
  /** Shards where more items were live than objects matched: the only ones checked for orphans. */
  orphanShards?: number[];
  /** The second execution's orphan check (absent when no shard needed one, or without an export). */
  orphans?: MapRunTotals;
  /** ResultWriter manifests read, `s3://bucket/key`. */
  results: string[];
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The inventory bucket, or why this deployment has none. */
export function inventoryBucketOf(d: Deployment): string {
  if (!d.config.reconcile.distributed)
    throw new Error(
      `"${d.config.environment}" has no distributed reconcile: set reconcile.distributed in config/${d.config.environment}.json and deploy`,
    );
  return d.resources.inventoryBucket ?? resourceNames(d.config).inventoryBucket;
}

/** The newest inventory S3 delivered for the bucket (its `YYYY-MM-DDTHH-MMZ/manifest.json`), or undefined. */
export async function newestInventoryManifest(d: Deployment, inventoryBucket: string): Promise<string | undefined> {
  const prefix = `${RECONCILE_LAYOUT.inventory}/${d.resources.bucket}/${RECONCILE_LAYOUT.inventoryId}/`;
  const stamps: string[] = [];
  let token: string | undefined;
  do {
    const out = await d.s3.send(
      new ListObjectsV2Command({ Bucket: inventoryBucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
    );
    for (const p of out.CommonPrefixes ?? []) {
      const stamp = p.Prefix!.slice(prefix.length, -1);
      if (/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z$/.test(stamp)) stamps.push(stamp);
    }
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  const newest = stamps.sort().at(-1);
  return newest ? `${prefix}${newest}/manifest.json` : undefined;
}

/** Exports the table to the inventory bucket (point-in-time; no read capacity) and waits for it. */
async function exportTable(d: Deployment, bucket: string, o: DistributedOptions): Promise<string> {
  const table = await d.dynamodb.send(new DescribeTableCommand({ TableName: d.resources.tableName }));
  const started = await d.dynamodb.send(
    new ExportTableToPointInTimeCommand({
      TableArn: table.Table!.TableArn!,
      S3Bucket: bucket,
      S3Prefix: RECONCILE_LAYOUT.exports,
      ExportFormat: 'DYNAMODB_JSON',
    }),
  );
  const arn = started.ExportDescription!.ExportArn!;
  o.onNote?.(`Exporting table ${d.resources.tableName} (${arn}); DynamoDB takes minutes to hours for this`);
  for (;;) {
    const e = (await d.dynamodb.send(new DescribeExportCommand({ ExportArn: arn }))).ExportDescription!;
    if (e.ExportStatus === 'COMPLETED') return `${e.ExportManifest!.replace(/manifest-summary\.json$/, '')}data/`;
    if (e.ExportStatus === 'FAILED') throw new Error(`The table export failed: ${e.FailureCode}: ${e.FailureMessage}`);
    await (o.sleep ?? pause)(15_000);
  }
}

/** The execution input: the newest inventory (unless `--listing`), an export of the table (unless `--no-orphans`). */
async function prepareInput(d: Deployment, o: DistributedOptions): Promise<ExecutionInput> {
  const bucket = inventoryBucketOf(d);
  const input: ExecutionInput = { backfill: o.backfill, prefix: o.prefix };
  if (o.exportDataPrefix) {
    // An empty folder would count no live item, and so find no orphan: refused before anything starts.
    const listed = await d.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: o.exportDataPrefix, MaxKeys: 1 }));
    if (!listed.Contents?.length)
      throw new Error(
        `No export data files under s3://${bucket}/${o.exportDataPrefix}: --export-prefix takes the data folder of a finished export (${RECONCILE_LAYOUT.exports}/AWSDynamoDB/<export id>/data/)`,
      );
  }
  if (o.manifest) input.inventoryManifest = o.manifest;
  else if (!o.listing && d.local) {
    // S3 Inventory, locally: a report written now from the local bucket.
    input.inventoryManifest = await writeInventoryReport(d.s3, { sourceBucket: d.resources.bucket, destinationBucket: bucket });
    o.onNote?.(`Inventory written to s3://${bucket}/${input.inventoryManifest} (the local stand-in for S3 Inventory)`);
  } else if (!o.listing && d.config.reconcile.inventory) {
    input.inventoryManifest = await newestInventoryManifest(d, bucket);
    o.onNote?.(
      input.inventoryManifest
        ? `Inventory: s3://${bucket}/${input.inventoryManifest}`
        : 'No inventory delivered yet (S3 writes the first within 48 hours): the map lists the bucket instead',
    );
  }
  if (o.exportDataPrefix) input.exportDataPrefix = o.exportDataPrefix;
  else if (o.orphans) {
    if (d.local) {
      const exported = await writeTableExport(d.dynamodb, d.s3, {
        tableName: d.resources.tableName,
        region: d.config.region,
        accountId: d.config.accountId,
        bucket,
      });
      input.exportDataPrefix = exported.dataPrefix;
      o.onNote?.(
        `Table export written to s3://${bucket}/${exported.dataPrefix} (${exported.itemCount} items; the local stand-in for DynamoDB's export)`,
      );
    } else input.exportDataPrefix = await exportTable(d, bucket, o);
  }
  return input;
}

/** Adds the map runs an execution's output names (its ResultWriter manifests) to the report. */
async function collect(
  d: Deployment,
  output: Record<string, unknown> | undefined,
  o: DistributedOptions,
  report: DistributedReport,
): Promise<void> {
  const results = (output?.results ?? {}) as Record<string, { ResultWriterDetails?: { Bucket: string; Key: string } }>;
  for (const pass of ['objects', 'live', 'orphans'] as const) {
    const where = results[pass]?.ResultWriterDetails;
    if (!where) continue;
    const totals = pass === 'objects' ? report.objects : (report[pass] ??= emptyTotals());
    await addMapRun(d.s3, where, totals, o.keyLimit);
    report.results.push(`s3://${where.Bucket}/${where.Key}`);
  }
}

/** Runs the state machine's definition on the local pipeline, each batch through the local reconcile function. */
async function executeLocally(d: Deployment, input: ExecutionInput, o: DistributedOptions): Promise<Execution> {
  const names = resourceNames(d.config);
  const r = d.config.reconcile;
  if (!d.lambda) throw new Error('The local pipeline serves no Lambda API: restart npm start after setting reconcile.distributed');
  const definition = reconcileDefinition({
    functionArn: names.reconcileFunction,
    uploadsBucket: d.resources.bucket,
    inventoryBucket: inventoryBucketOf(d),
    itemsPerBatch: r.itemsPerBatch,
    maxConcurrency: r.maxConcurrency,
    toleratedFailurePercentage: r.toleratedFailurePercentage,
    timeoutSeconds: RECONCILE_EXECUTION_TIMEOUT_SECONDS,
  });
  const lambda = d.lambda;
  let batches = 0;
  const execution = await runDefinitionLocally({
    definition,
    input: { ...input },
    s3: d.s3,
    concurrency: RECONCILE_LOCAL_CONCURRENCY,
    invoke: async (batch) => {
      const out = await lambda.send(
        new InvokeCommand({ FunctionName: names.reconcileFunction, Payload: Buffer.from(JSON.stringify(batch)) }),
      );
      const payload = JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8') || 'null');
      if (out.FunctionError) throw Object.assign(new Error(payload?.errorMessage ?? out.FunctionError), { errorType: payload?.errorType });
      return payload;
    },
    onBatch: () => o.onProgress?.({ batches: ++batches }),
  });
  return { status: execution.status, error: execution.error, cause: execution.cause, output: execution.output };
}

/** Starts the deployed state machine and follows it: the map runs' item counts while it runs, the results after. */
/** Starts the deployed state machine and follows it (see {@link followOnAws}). */
async function executeOnAws(d: Deployment, input: ExecutionInput, o: DistributedOptions): Promise<Execution> {
  const arn = d.resources.reconcileStateMachineArn;
  if (!arn)
    throw new Error(
      `outputs/${d.config.environment}.json has no reconcile_state_machine_arn: deploy, then run npm run outputs -- --env ${d.config.environment}`,
    );
  const sfn = new SFNClient({ region: d.config.region });
  try {
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: `reconcile-${Date.now()}`, input: JSON.stringify(input) }),
    );
    o.onNote?.(`Execution ${started.executionArn} (interrupted? follow it again with --execution ${started.executionArn})`);
    return await followOnAws(sfn, started.executionArn!, o);
  } finally {
    sfn.destroy();
  }
}

/** Follows an execution to its end: the map runs' item counts while it runs, its status, error and output after. */
async function followOnAws(sfn: SFNClient, executionArn: string, o: DistributedOptions): Promise<Execution> {
  for (;;) {
    const e = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (e.status !== 'RUNNING' && e.status !== 'PENDING_REDRIVE') {
      return {
        status:
          e.status === 'SUCCEEDED' ? 'SUCCEEDED' : e.status === 'TIMED_OUT' ? 'TIMED_OUT' : e.status === 'ABORTED' ? 'ABORTED' : 'FAILED',
        error: e.error,
        cause: e.cause,
        executionArn,
        output: e.output ? (JSON.parse(e.output) as Record<string, unknown>) : undefined,
      };
    }
    const runs = await sfn.send(new ListMapRunsCommand({ executionArn }));
    const counts: Record<string, number> = {};
    for (const run of runs.mapRuns ?? []) {
      const m = await sfn.send(new DescribeMapRunCommand({ mapRunArn: run.mapRunArn! }));
      const c = m.itemCounts;
      counts.items = (counts.items ?? 0) + (c?.total ?? 0);
      counts.succeeded = (counts.succeeded ?? 0) + (c?.succeeded ?? 0);
      counts.failed = (counts.failed ?? 0) + (c?.failed ?? 0);
    }
    o.onProgress?.(counts);
    await (o.sleep ?? pause)(5_000);
  }
}

/**
 * An execution started earlier (`--execution ARN`: the command was interrupted, the execution was not):
 * its input, and the execution followed to its end. Only one of this deployment's state machine.
 */
async function attachOnAws(
  d: Deployment,
  executionArn: string,
  o: DistributedOptions,
): Promise<{ input: ExecutionInput; execution: Execution }> {
  const machine = d.resources.reconcileStateMachineArn;
  if (d.local) throw new Error('--execution follows an execution on AWS; a local run is not left running');
  const sfn = new SFNClient({ region: d.config.region });
  try {
    const e = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (!machine || e.stateMachineArn !== machine)
      throw new Error(
        `${executionArn} is an execution of ${e.stateMachineArn}, not of ${d.config.environment}'s ${machine ?? 'state machine'}`,
      );
    return { input: JSON.parse(e.input ?? '{}') as ExecutionInput, execution: await followOnAws(sfn, executionArn, o) };
  } finally {
    sfn.destroy();
  }
}

/**
 * One distributed reconcile (or backfill) run, on AWS through the state machine, locally through its
 * definition: a first execution compares the objects and counts the export's live items per key
 * shard; a second one, only when some shard has more live items than objects matched, checks those
 * shards' items for orphans.
 */
export async function reconcileDistributed(d: Deployment, o: DistributedOptions): Promise<DistributedReport> {
  const execute = (input: ExecutionInput) => (d.local ? executeLocally(d, input, o) : executeOnAws(d, input, o));
  const attached = o.execution ? await attachOnAws(d, o.execution, o) : undefined;
  const input = attached ? attached.input : await prepareInput(d, o);
  const first = attached ? attached.execution : await execute(input);
  const report = reportOf(input, first);
  // An attached second execution (`orphanShards`): its orphan check is the whole report.
  if (input.orphanShards) report.orphans = emptyTotals();
  await collect(d, first.output, o, report);
  if (first.status !== 'SUCCEEDED' || !report.live || !input.exportDataPrefix || input.orphanShards) return report;
  const shards = shardsWithOrphans(report.live.liveShards, report.objects.liveShards);
  report.orphanShards = shards;
  if (shards.length === 0) {
    o.onNote?.('Every live item matched an object (counted per key shard): no orphan, no HeadObject');
    return report;
  }
  o.onNote?.(`${shards.length} of ${KEY_SHARDS} key shards hold more live items than objects: checking their items for orphans`);
  const second = await execute({
    backfill: input.backfill,
    prefix: input.prefix,
    exportDataPrefix: input.exportDataPrefix,
    orphanShards: encodeShards(shards),
  });
  Object.assign(report, { status: second.status, error: second.error, cause: second.cause });
  if (second.executionArn) report.executionArns.push(second.executionArn);
  report.orphans = emptyTotals();
  await collect(d, second.output, o, report);
  return report;
}

/** The report of a run whose (first) execution ended as `execution` did, before its results are read. */
function reportOf(input: ExecutionInput, execution: Execution): DistributedReport {
  return {
    input,
    status: execution.status,
    error: execution.error,
    cause: execution.cause,
    executionArns: execution.executionArn ? [execution.executionArn] : [],
    objects: emptyTotals(),
    results: [],
  };
}
