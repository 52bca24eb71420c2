import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/project-root';
import { datasetId } from '../../local/emulators';
import { SqsQueueSender } from '../../src/adapters/sqs-queue-sender';
import { backfill, type BackfillReport } from '../reconcile/backfill';
import { CheckpointFile, type BackfillRunKey } from '../reconcile/checkpoint';
import { createRateLimiter } from '../reconcile/rate-limiter';
import type { Deployment } from '../deployment';
import { command, sharedHelp, UsageError } from '../../cli/command';
import { runMain } from '../../cli/run-main';
import { keyLimit, WALK_OPTIONS, WALK_SHARED, walkSubject, withWalk } from './walk-command';

const USAGE = `Usage: npm run backfill -- --env NAME [--local] [--prefix P] [--only-missing] [--rate N]
                            [--dry-run] [--restart] [--json] [--limit N]

Sends the processing queue a message for every in-scope object the table misses or holds
stale (as reconcile reports them) and, where deletes are tracked, a removal for every live
item whose object is gone; through the queue, so retries, the DLQ, alarms and metrics all
apply. The processor writes each only if no event of that version or a newer one got there first.

${sharedHelp('local')}
  --prefix P       only keys starting with P
  --only-missing   leave stale and orphaned items alone
  --rate N         messages per second at most (default 100; 0 = no limit)
  --dry-run        list what would be sent; send nothing
  --restart        forget an interrupted run's checkpoint and start from the first key
  --json           { counts, sent, truncated, resumedAfter, dryRun } on stdout
  --limit N        keys listed in the output (default 1000; counts are always complete)
${sharedHelp('data-dir')}

Interrupted, it resumes after the last listing page it finished (checkpoint in .backfill/).
Exit status: 0 when everything was sent, 1 on error.`;

const SAMPLE = 10;

function render(r: BackfillReport, where: string, env: string, local: boolean): string {
  const c = r.counts;
  const lines = [
    where,
    ...(r.checkpointDiscarded ? [`  ${r.checkpointDiscarded}`] : []),
    ...(r.resumedAfter !== undefined ? [`  resumed after ${JSON.stringify(r.resumedAfter)}`] : []),
    `  listed ${c.listed} · compared ${c.compared} · missing ${c.missing} · stale ${c.stale} · ${r.dryRun ? 'would send' : 'sent'} ${c.sent}` +
      (c.gone ? ` · gone since listed ${c.gone}` : '') +
      (c.outOfScope ? ` · filtered by content type ${c.outOfScope}` : '') +
      (c.orphaned ? ` · orphaned ${c.orphaned} (sent as removals)` : ''),
  ];
  if (c.sent > 0)
    lines.push(
      `  ${r.dryRun ? 'would send' : 'sent'} (${c.sent}${c.sent > SAMPLE ? `, first ${SAMPLE}` : ''}):`,
      ...r.sent.slice(0, SAMPLE).map((k) => `    ${JSON.stringify(k)}`),
    );
  if (c.sent > 0 && !r.dryRun) lines.push(`Once the queue drains, check: npm run reconcile -- --env ${env}${local ? ' --local' : ''}`);
  if (c.sent === 0) lines.push('Nothing to send: no in-scope object is missing or stale, and no item orphaned.');
  return `${lines.join('\n')}\n`;
}

/** What the checkpoint is tied to: the emulator folder's generation, or the table's ARN and creation time on AWS. */
async function dataIdentity(d: Deployment): Promise<string | undefined> {
  if (d.local) return d.dataDir ? `local:${datasetId(d.dataDir) ?? 'unknown'}` : undefined;
  try {
    const t = (await d.dynamodb.send(new DescribeTableCommand({ TableName: d.resources.tableName }))).Table;
    return t?.TableArn && t.CreationDateTime ? `${t.TableArn}@${t.CreationDateTime.toISOString()}` : undefined;
  } catch {
    // dynamodb:DescribeTable is optional (it also feeds the progress ETA): without it, no data check.
    return undefined;
  }
}

const OPTIONS = {
  ...WALK_OPTIONS,
  'only-missing': { type: 'boolean', default: false },
  rate: { type: 'string', default: '100' },
  'dry-run': { type: 'boolean', default: false },
  restart: { type: 'boolean', default: false },
} as const;

export const main = command(
  { usage: USAGE, shared: WALK_SHARED, options: OPTIONS, required: ['env'], aws: true },
  async ({ values: v, write }) => {
    const rate = Number(v.rate);
    if (!Number.isFinite(rate) || rate < 0)
      throw new UsageError(`--rate must be a non-negative number of messages per second (got "${v.rate}")`);
    const limit = keyLimit(v.limit);
    return withWalk(v, async (d, target, progress) => {
      const run: BackfillRunKey = {
        environment: v.env,
        target: d.local ? 'local' : 'aws',
        bucket: d.resources.bucket,
        prefix: v.prefix,
        onlyMissing: v['only-missing'],
        data: await dataIdentity(d),
      };
      const file = new CheckpointFile(join(PROJECT_ROOT, '.backfill', `${v.env}.${run.target}.json`));
      if (v.restart) file.clear();
      const report = await backfill({
        ...target,
        queue: new SqsQueueSender(d.sqs, d.resources.queueUrl),
        limiter: createRateLimiter(rate),
        onlyMissing: v['only-missing'],
        handleDeletes: d.config.handleDeletes,
        dryRun: v['dry-run'],
        keyLimit: limit,
        checkpoint: v['dry-run'] ? null : { file, run },
        onProgress: progress.update,
      });
      progress.done();
      const where = `Backfill of ${walkSubject(d, v)} into ${d.resources.queueUrl} (${v.env}, ${d.local ? 'local pipeline' : 'AWS'}${v['dry-run'] ? ', dry run' : ''})`;
      write(v.json ? `${JSON.stringify(report, null, 2)}\n` : render(report, where, v.env, d.local));
      return 0;
    });
  },
);

runMain(module, main);
