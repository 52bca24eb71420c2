import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../config/project-root';
import { diffStack, renderDiff, type StackDiff } from '../synth-diff';
import { synthApp } from '../synth';
import { command } from '../../cli/command';
import { runMain } from '../../cli/run-main';

const run = promisify(execFile);
const USAGE = `Usage: npm run diff -- --base REF [--env NAME]

Synthesizes every stack at REF (in a temporary git worktree) and in the working tree, and
prints a resource- and attribute-level diff of the Terraform JSON. No credentials, no state.
Exit code: 0 no differences, 2 differences, 1 error.`;

function readStacks(outdir: string): Map<string, Record<string, unknown>> {
  const dir = join(outdir, 'stacks');
  const map = new Map<string, Record<string, unknown>>();
  if (!existsSync(dir)) return map;
  for (const name of readdirSync(dir)) map.set(name, JSON.parse(readFileSync(join(dir, name, 'cdk.tf.json'), 'utf8')));
  return map;
}

export function compareOutputs(beforeDir: string, afterDir: string): StackDiff[] {
  const before = readStacks(beforeDir);
  const after = readStacks(afterDir);
  return [...new Set([...before.keys(), ...after.keys()])].sort().map((s) => diffStack(s, before.get(s), after.get(s)));
}

/** `root`: the checkout whose working tree is compared (another worktree in tests). */
export const main = (argv: string[], root = PROJECT_ROOT): Promise<number> =>
  command({ usage: USAGE, shared: ['env'], options: { base: { type: 'string' } }, required: ['base'] }, ({ values }) =>
    diff(values.base, values.env, root),
  )(argv);

async function diff(base: string, env: string | undefined, root: string): Promise<number> {
  // A base git cannot name is a usage error, said plainly (git's own words follow).
  const resolved = await run('git', ['rev-parse', '--verify', '--quiet', `${base}^{commit}`], { cwd: root }).catch(() => null);
  if (!resolved) {
    process.stderr.write(
      `--base "${base}" is not a commit of this repository (a branch, tag or commit such as origin/main or HEAD~1; fetch it first if it is remote)\n`,
    );
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), 'synth-diff-'));
  const tree = join(work, 'base');
  try {
    await run('git', ['worktree', 'add', '--detach', tree, base], { cwd: root });
    // The base is synthesized with this checkout's dependencies.
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
    await synthApp(tree, join(work, 'out-base'), env);
    await synthApp(root, join(work, 'out-head'), env);
    const diffs = compareOutputs(join(work, 'out-base'), join(work, 'out-head'));
    process.stdout.write(renderDiff(diffs, `${base} → working tree`));
    return diffs.some((d) => d.kind !== 'same') ? 2 : 0;
  } finally {
    await run('git', ['worktree', 'remove', '--force', tree], { cwd: root }).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

runMain(module, main);
