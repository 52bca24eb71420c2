import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../config/project-root';

const run = promisify(execFile);

/**
 * Synthesizes the cdktf app of the checkout at `root` into `outdir` with the compiled app
 * (`node dist/main.js`, ~1 s; the cdktf CLI adds ~2.6 s). `onlyEnv` limits it to one environment.
 * `root` may be another checkout (a diff's base worktree), built with its own build script; its
 * stacks still name this checkout's local state files (`LOCAL_STATE_DIR`), so two synths compare equal.
 */
export async function synthApp(root: string, outdir: string, onlyEnv?: string): Promise<void> {
  const build = join(root, 'scripts', 'build-app.js');
  if (!existsSync(build)) throw new Error(`${root} has no scripts/build-app.js: it is older than this tool`);
  await run('node', [build, 'main'], { cwd: root });
  // cdktf creates only the last folder of its outdir (`cdktf.out/offline` on a clean checkout has no `cdktf.out`).
  mkdirSync(outdir, { recursive: true });
  const env = {
    ...process.env,
    CDKTF_OUTDIR: outdir,
    LOCAL_STATE_DIR: process.env.LOCAL_STATE_DIR ?? PROJECT_ROOT,
    ...(onlyEnv ? { ONLY_ENV: onlyEnv } : {}),
  };
  await run('node', [join(root, 'dist', 'main.js')], { cwd: root, env, maxBuffer: 64 * 1024 * 1024 });
}
