import { isClean, reconcile, type ReconcileReport } from '../reconcile/reconcile';
import { command, sharedHelp, UsageError } from '../../cli/command';
import { runMain } from '../../cli/run-main';
import { loadConfig } from '../../config/load';
import { distributedMain, DISTRIBUTED_HELP, DISTRIBUTED_OPTIONS } from './reconcile-distributed';
import { keyLimit, WALK_OPTIONS, WALK_SHARED, walkSubject, withWalk } from './walk-command';

const USAGE = `Usage: npm run reconcile -- --env NAME [--local] [--prefix P] [--json] [--limit N]
       npm run reconcile -- --env NAME [--local] --distributed [--backfill] [--dry-run] [--listing]
                            [--skip-orphans] [--manifest KEY] [--export-prefix P] [--prefix P] [--json] [--limit N]
       npm run reconcile -- --env NAME --distributed --execution ARN

Compares the bucket's current objects with the table and reports
  missing   objects without an item
  stale     items whose ETag, size or version differs from the object's current one,
            or that say deleted while the object exists
  orphaned  live items whose object is gone
Objects the environment's filters exclude are not missing.

${sharedHelp('local')}
  --prefix P       only keys starting with P
  --json           { counts, missing, stale, orphaned, truncated } on stdout
  --limit N        keys listed per kind (default 1000; counts are always complete)
${sharedHelp('data-dir')}

${DISTRIBUTED_HELP}

Exit status: 0 when the table matches the bucket, 2 when they differ, 1 on error
(--distributed --backfill: 0 when everything was sent).
Against AWS it reads outputs/NAME.json (npm run outputs) and the environment's credentials.
Which to use: docs/operations.md, "Reconcile at scale".`;

const SAMPLE = 10;

export function render(
  r: ReconcileReport,
  where: string,
  handleDeletes: boolean,
  env: string,
  local: boolean,
  o: { distributed?: boolean; details?: string[] } = {},
): string {
  const c = r.counts;
  const lines = [
    where,
    `  objects ${c.objects} · items ${c.items} · missing ${c.missing} · stale ${c.stale} · orphaned ${c.orphaned}`,
    ...(o.details ?? []),
  ];
  const sample = (name: string, count: number, keys: string[]) => {
    if (count === 0) return;
    // At most SAMPLE keys on screen, and never more than the report holds (--limit).
    const shown = Math.min(SAMPLE, keys.length);
    lines.push(`  ${name} (${count}${count > shown ? `, first ${shown}` : ''}):`, ...keys.slice(0, shown).map((k) => `    ${k}`));
  };
  sample(
    'missing',
    c.missing,
    r.missing.map((k) => JSON.stringify(k)),
  );
  sample(
    'stale',
    c.stale,
    r.stale.map((s) => `${JSON.stringify(s.key)}  (${s.differs.join(', ')})`),
  );
  sample(
    'orphaned',
    c.orphaned,
    r.orphaned.map((k) => JSON.stringify(k)),
  );
  if (isClean(r)) lines.push('The table matches the bucket.');
  else {
    const flags = `--env ${env}${local ? ' --local' : ''}`;
    if (c.missing + c.stale > 0)
      lines.push(
        `Send what is missing or stale: ${o.distributed ? `npm run reconcile -- ${flags} --distributed --backfill` : `npm run backfill -- ${flags}`}`,
      );
    if (c.orphaned > 0 && !handleDeletes)
      lines.push(`Deletes are not tracked in "${env}" (handleDeletes is false): items of deleted objects stay live by design.`);
  }
  return `${lines.join('\n')}\n`;
}

export const main = command(
  { usage: USAGE, shared: WALK_SHARED, options: { ...WALK_OPTIONS, ...DISTRIBUTED_OPTIONS }, required: ['env'], aws: true },
  async ({ values: v, write }) => {
    const limit = keyLimit(v.limit);
    if (v.distributed)
      return distributedMain(v, limit, write, (r, where, details) =>
        render(r, where, loadConfig(v.env).handleDeletes, v.env, v.local, { distributed: true, details }),
      );
    const only =
      (['backfill', 'dry-run', 'listing', 'skip-orphans'] as const).find((o) => v[o]) ??
      (['manifest', 'export-prefix', 'execution'] as const).find((o) => v[o] !== undefined);
    if (only) throw new UsageError(`--${only} goes with --distributed`);
    return withWalk(v, async (d, target, progress) => {
      const report = await reconcile({ ...target, keyLimit: limit, onProgress: progress.update });
      progress.done();
      const where = `Reconcile of ${walkSubject(d, v)} with table ${d.resources.tableName} (${v.env}, ${d.local ? 'local pipeline' : 'AWS'})`;
      write(v.json ? `${JSON.stringify(report, null, 2)}\n` : render(report, where, d.config.handleDeletes, v.env, d.local));
      return isClean(report) ? 0 : 2;
    });
  },
);

runMain(module, main);
