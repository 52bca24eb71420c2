import { UsageError } from '../../cli/command';
import { locateDeployment, type Deployment } from '../deployment';
import { createProgress, type Progress } from '../reconcile/progress';
import type { WalkTarget } from '../reconcile/table-walk';
import { approximateItemCount, walkTarget } from '../reconcile/target';

/** The shared options reconcile and backfill take. */
export const WALK_SHARED = ['env', 'local', 'data-dir', 'json'] as const;

/** The options of their own that reconcile and backfill share (parseArgs form). */
export const WALK_OPTIONS = {
  prefix: { type: 'string', default: '' },
  limit: { type: 'string', default: '1000' },
} as const;

export interface WalkValues {
  env: string;
  local: boolean;
  prefix: string;
  json: boolean;
  limit: string;
  'data-dir'?: string;
}

/** `--limit`: keys listed per kind in the output. */
export function keyLimit(raw: string): number {
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit must be a non-negative integer (got "${raw}")`);
  return limit;
}

/**
 * Runs a walk over the targeted deployment: its bucket and table within the environment's scope,
 * a progress line on a terminal (never with --json), and the clients closed afterwards.
 */
export async function withWalk<T>(
  values: WalkValues,
  run: (d: Deployment, target: WalkTarget, progress: Progress) => Promise<T>,
): Promise<T> {
  const d = locateDeployment(values.env, { local: values.local, dataDir: values['data-dir'] });
  try {
    const progress = createProgress({
      stream: process.stderr,
      enabled: !values.json,
      rateOf: 'listed',
      expected: await approximateItemCount(d),
    });
    try {
      return await run(d, walkTarget(d, values.prefix), progress);
    } finally {
      progress.done();
    }
  } finally {
    d.close();
  }
}

/** Where a walk looks, for the first line of its output. */
export const walkSubject = (d: Deployment, v: WalkValues): string => `s3://${d.resources.bucket}${v.prefix ? `/${v.prefix}*` : ''}`;
