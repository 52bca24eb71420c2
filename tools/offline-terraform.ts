import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The override that lets a synthesized stack init and plan with no AWS account and no state bucket. */
export const OFFLINE_OVERRIDE_FILE = 'offline_override.tf.json';

/**
 * Writes `offline_override.tf.json` into a stack folder: a local backend, fake credentials,
 * every AWS lookup skipped, and no account pinning (the account is unknown offline, and
 * `allowed_account_ids` would refuse it).
 */
export function writeOfflineOverride(stackDir: string, region: string): void {
  const override = {
    terraform: { backend: { local: { path: 'offline.tfstate' } } },
    provider: {
      aws: [
        {
          region,
          access_key: 'offline-fake-key',
          secret_key: 'offline-fake-secret',
          skip_credentials_validation: true,
          skip_requesting_account_id: true,
          skip_metadata_api_check: true,
          allowed_account_ids: null,
        },
      ],
    },
  };
  writeFileSync(join(stackDir, OFFLINE_OVERRIDE_FILE), `${JSON.stringify(override, null, 2)}\n`);
}

/** Runs terraform and returns its exit code with output, instead of throwing on 2 (changes present). */
export async function terraformWithCode(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('terraform', [...args, '-no-color'], { cwd, env, maxBuffer: 256 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

/** Runs terraform and returns its stdout; any non-zero exit throws with terraform's message. */
export async function terraform(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const result = await terraformWithCode(args, cwd, env);
  if (result.code !== 0) throw new Error(`terraform ${args.join(' ')} failed in ${cwd}:\n${result.stderr || result.stdout}`);
  return result.stdout;
}

export interface PlanJson {
  resource_changes: Array<{ address: string; type: string; change: { actions: string[]; after?: Record<string, unknown> } }>;
  planned_values?: { outputs?: Record<string, { value?: unknown }> };
  [key: string]: unknown;
}

/**
 * init → plan → show -json, offline. Returns what `plan` printed (its diagnostics: plan validates the
 * configuration first, so a separate `validate` would only load the 700 MB provider once more) and
 * the plan as JSON.
 */
export async function planOffline(
  stackDir: string,
  region: string,
  env: NodeJS.ProcessEnv,
  options: { readonlyLock?: boolean } = {},
): Promise<{ planOutput: string; plan: PlanJson }> {
  writeOfflineOverride(stackDir, region);
  await terraform(['init', '-input=false', '-reconfigure', ...(options.readonlyLock ? ['-lockfile=readonly'] : [])], stackDir, env);
  const planned = await terraformWithCode(['plan', '-input=false', '-lock=false', '-out=offline.tfplan'], stackDir, env);
  if (planned.code !== 0) throw new Error(`terraform plan failed in ${stackDir}:\n${planned.stderr || planned.stdout}`);
  const plan = JSON.parse(await terraform(['show', '-json', 'offline.tfplan'], stackDir, env)) as PlanJson;
  return { planOutput: planned.stdout + planned.stderr, plan };
}
