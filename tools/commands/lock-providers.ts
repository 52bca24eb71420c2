import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listEnvironments } from '../../config/load';
import { PROVIDER_LOCK_FILE } from '../../stacks/provider-lock';
import { pipelineStackId } from '../../stacks/pipeline-stack';
import { terraform } from '../offline-terraform';
import { synthApp } from '../synth';
import { terraformEnv } from '../terraform-env';
import { PROJECT_ROOT } from '../../config/project-root';
import { command } from '../../cli/command';
import { runMain } from '../../cli/run-main';

/** Platforms whose hashes the lock file carries when the registry is reachable: CI runners and laptops. */
export const LOCK_PLATFORMS = ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64'];

const USAGE = `Usage: npm run lock-providers [-- --platform P ...]

Updates .terraform.lock.hcl (the reviewed provider versions and hashes every stack is
initialised with; CI refuses any other with -lockfile=readonly). With registry access it
records ${LOCK_PLATFORMS.join(', ')} (an h1: hash each, and the release's zh: hashes of every
platform's zip); from a local mirror, what the mirror holds. Hashes already in the file for the
same version are kept (terraform merges), so a mirror run never drops the other platforms.`;

export const main = command({ usage: USAGE, options: { platform: { type: 'string', multiple: true } } }, async ({ values }) => {
  const tf = terraformEnv();
  if (!tf.available) throw new Error(`terraform is needed: ${tf.reason}`);
  const outdir = mkdtempSync(join(tmpdir(), 'lock-providers-'));
  try {
    const environment = listEnvironments()[0]!;
    await synthApp(PROJECT_ROOT, outdir, environment);
    const dir = join(outdir, 'stacks', pipelineStackId(environment));
    // Start from the committed file: `providers lock` adds to the hashes of the same version.
    copyFileSync(PROVIDER_LOCK_FILE, join(dir, '.terraform.lock.hcl'));
    const platforms = values.platform ?? (tf.mirror ? ['linux_amd64'] : LOCK_PLATFORMS);
    // `providers lock` ignores the CLI config's provider_installation: the mirror is named here.
    const source = tf.mirror ? [`-fs-mirror=${tf.mirror}`] : [];
    await terraform(['providers', 'lock', ...source, ...platforms.map((p) => `-platform=${p}`)], dir, tf.env);
    copyFileSync(join(dir, '.terraform.lock.hcl'), PROVIDER_LOCK_FILE);
    process.stdout.write(
      `${PROVIDER_LOCK_FILE} written for ${platforms.join(', ')}${tf.mirror ? ` (from the mirror ${tf.mirror})` : ''}: review and commit the diff.\n`,
    );
    return 0;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

runMain(module, main);
