import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root';
import type { PipelineConfig } from '../config/types';

/**
 * Where stacks without remote state keep their state file: beside the project, never inside
 * `cdktf.out`. The cdktf CLI deletes every `cdktf.out/stacks/<stack>` folder it did not synthesize
 * this time (`ONLY_ENV=prod npx cdktf deploy …` removes `pipeline-dev/`), so a relative backend path,
 * which terraform resolves in the stack folder, loses the state with it. An absolute path under the
 * project root is what cdktf's own default local backend uses.
 */
export const DEFAULT_LOCAL_STATE_DIR = PROJECT_ROOT;

/** `terraform.<stack id>.tfstate` in `dir`: cdktf's default name. */
export const localStatePath = (dir: string, stackId: string): string => join(dir, `terraform.${stackId}.tfstate`);

/** What the older layout called these files, inside `<outdir>/stacks/<stack>/`. */
const LEGACY_STATE = /^terraform\.(.+)\.tfstate(\.backup)?$/;
const LEGACY_BOOTSTRAP_STACK = 'state-bootstrap';

export interface StateMove {
  from: string;
  to: string;
  /** A file was already at `to`: the old one was kept beside it, not over it. */
  conflict: boolean;
}

/**
 * Moves state files the older layout kept inside `<outdir>/stacks/<stack>/` to `stateDir`, before
 * a synth lets the cdktf CLI delete those folders. Every stack folder is looked at, not only the
 * ones being synthesized: those are the folders the CLI is about to remove. The old single
 * `state-bootstrap` state goes to the bootstrap stack of the account whose state bucket it holds;
 * one whose buckets match no config is kept as `terraform.state-bootstrap.unassigned.tfstate`.
 * Nothing is ever overwritten: on a clash the old file is kept with a `.migrated-<time>` suffix.
 */
export function migrateLegacyLocalState(
  outdir: string,
  stateDir: string,
  configs: PipelineConfig[],
  bootstrapStackId: (accountId: string) => string,
): StateMove[] {
  const stacks = join(outdir, 'stacks');
  if (!existsSync(stacks)) return [];
  const moves: StateMove[] = [];
  for (const stack of readdirSync(stacks)) {
    const folder = join(stacks, stack);
    let files: string[];
    try {
      files = readdirSync(folder);
    } catch {
      continue;
    }
    for (const file of files) {
      const m = LEGACY_STATE.exec(file);
      if (!m) continue;
      const from = join(folder, file);
      const target = stack === LEGACY_BOOTSTRAP_STACK ? bootstrapTarget(from, configs, bootstrapStackId) : stack;
      moves.push(moveWithoutOverwrite(from, `${localStatePath(stateDir, target)}${m[2] ?? ''}`));
    }
  }
  return moves;
}

/** The bootstrap stack whose account owns the state buckets recorded in an old bootstrap state. */
function bootstrapTarget(file: string, configs: PipelineConfig[], bootstrapStackId: (accountId: string) => string): string {
  let buckets: string[] = [];
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as {
      resources?: Array<{ type?: string; instances?: Array<{ attributes?: { bucket?: string } }> }>;
    };
    buckets = (state.resources ?? [])
      .filter((r) => r.type === 'aws_s3_bucket')
      .flatMap((r) => (r.instances ?? []).map((i) => i.attributes?.bucket ?? ''));
  } catch {
    // unreadable: not assigned to any account
  }
  const accounts = new Set(configs.filter((c) => c.state !== null && buckets.includes(c.state.bucket)).map((c) => c.accountId));
  return accounts.size === 1 ? bootstrapStackId([...accounts][0]!) : `${LEGACY_BOOTSTRAP_STACK}.unassigned`;
}

function moveWithoutOverwrite(from: string, to: string): StateMove {
  mkdirSync(dirname(to), { recursive: true });
  const conflict = existsSync(to);
  const target = conflict ? `${to}.migrated-${new Date().toISOString().replace(/[:.]/g, '-')}` : to;
  renameSync(from, target);
  return { from, to: target, conflict };
}

/** One line per move, for the synth's stderr. */
export function describeStateMove(move: StateMove): string {
  const what = `moved local state ${move.from} to ${move.to}`;
  return move.conflict
    ? `warning: ${what}: ${basename(move.to).replace(/\.migrated-.*$/, '')} already existed there and was left as it is; compare the two and keep the right one`
    : `${what} (state inside cdktf.out is deleted by the cdktf CLI whenever it synthesizes other stacks only)`;
}
