import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { terraform } from './offline-terraform';

/** Kept inside `.terraform`: removing that folder (or a fresh clone) always means a real init. */
const MARKER = join('.terraform', 'init-inputs.sha256');

/** Terraform's override files: `override.tf.json` or a name ending in `_override.tf.json`. */
const isOverride = (file: string): boolean => /(^|_)override\.tf(\.json)?$/.test(file);

/**
 * Providers terraform neither installs nor checks because TF_REATTACH_PROVIDERS hands them over
 * already running ("unmanaged": how test harnesses share one provider process).
 */
export function unmanagedProviders(env: NodeJS.ProcessEnv): string[] {
  const reattach = env.TF_REATTACH_PROVIDERS;
  if (!reattach) return [];
  try {
    return Object.keys(JSON.parse(reattach) as Record<string, unknown>).sort();
  } catch {
    throw new Error(`TF_REATTACH_PROVIDERS is not JSON: ${reattach}`);
  }
}

/**
 * What `terraform init` depends on: the stack's `terraform` block (backend, required providers and
 * version), the override files, the lock file, the CLI configuration (where providers come from),
 * which providers are unmanaged (init installs none for them), terraform's own version and the init
 * flags. Resources, outputs and code do not take part.
 */
function initInputs(dir: string, flags: string[], env: NodeJS.ProcessEnv, terraformVersion: string): string {
  const read = (path: string | undefined) => (path && existsSync(path) ? readFileSync(path, 'utf8') : null);
  const stack = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as { terraform?: unknown };
  const overrides = readdirSync(dir)
    .filter(isOverride)
    .sort()
    .map((f) => [f, read(join(dir, f))]);
  const inputs = {
    terraform: stack.terraform,
    overrides,
    lock: read(join(dir, '.terraform.lock.hcl')),
    cliConfig: read(env.TF_CLI_CONFIG_FILE),
    unmanaged: unmanagedProviders(env),
    terraformVersion,
    flags,
  };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
}

/**
 * `terraform init`, unless this folder was already initialised from exactly the same inputs. Each
 * init verifies the 700 MB AWS provider against the lock file (~5 s on a small machine), and the
 * operator commands (`state`, `outputs`, `plan`) synthesize and init on every call; the backend
 * and providers only change when an input above does, and then init runs as before.
 */
export async function initIfChanged(
  dir: string,
  flags: string[],
  env: NodeJS.ProcessEnv,
  terraformVersion: string,
): Promise<'initialised' | 'unchanged'> {
  const fingerprint = initInputs(dir, flags, env, terraformVersion);
  const marker = join(dir, MARKER);
  // An init for unmanaged providers only leaves no providers folder behind.
  const providersReady = existsSync(join(dir, '.terraform', 'providers')) || unmanagedProviders(env).length > 0;
  const ready = existsSync(join(dir, '.terraform', 'terraform.tfstate')) && providersReady;
  if (ready && existsSync(marker) && readFileSync(marker, 'utf8') === fingerprint) return 'unchanged';
  // An init that fails half-way leaves no marker behind: the next call inits again.
  rmSync(marker, { force: true });
  await terraform(['init', ...flags], dir, env);
  writeFileSync(marker, fingerprint);
  return 'initialised';
}
