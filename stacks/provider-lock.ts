import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root';

/**
 * The reviewed provider lock file. Every stack uses the same providers, so one file at the
 * project root holds their versions and hashes; it is copied into each synthesized stack
 * folder, where terraform (and the cdktf CLI) look for it, and CI initialises with
 * `-lockfile=readonly`: a provider whose hash is not in this file is refused, not recorded.
 * Update it with `npm run lock-providers` and review the diff like code.
 */
export const PROVIDER_LOCK_FILE = join(PROJECT_ROOT, '.terraform.lock.hcl');

/** Copies the lock file into every stack folder under `outdir/stacks` (a warning if there is none yet). */
export function installProviderLockFile(outdir: string, lockFile = PROVIDER_LOCK_FILE): void {
  if (!existsSync(lockFile)) {
    process.stderr.write(
      `warning: ${lockFile} is missing: terraform will pick provider hashes itself; run \`npm run lock-providers\` and commit it\n`,
    );
    return;
  }
  const stacks = join(outdir, 'stacks');
  if (!existsSync(stacks)) return;
  for (const stack of readdirSync(stacks)) copyFileSync(lockFile, join(stacks, stack, '.terraform.lock.hcl'));
}
