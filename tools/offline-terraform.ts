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

export async function terraform(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run('terraform', [...args, '-no-color'], { cwd, env, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`terraform ${args.join(' ')} failed in ${cwd}:\n${err.stderr || err.stdout || err.message}`);
  }
}

export interface PlanJson {
  resource_changes: Array<{ address: string; type: string; change: { actions: string[]; after?: Record<string, unknown> } }>;
  planned_values?: { outputs?: Record<string, { value?: unknown }> };
  [key: string]: unknown;
}

/** init → validate → plan → show -json, offline. Returns the validate output and the plan as JSON. */
export async function planOffline(stackDir: string, region: string, env: NodeJS.ProcessEnv): Promise<{ validate: string; plan: PlanJson }> {
  writeOfflineOverride(stackDir, region);
  await terraform(['init', '-input=false', '-reconfigure'], stackDir, env);
  const validate = await terraform(['validate'], stackDir, env);
  await terraform(['plan', '-input=false', '-lock=false', '-out=offline.tfplan'], stackDir, env);
  const plan = JSON.parse(await terraform(['show', '-json', 'offline.tfplan'], stackDir, env)) as PlanJson;
  return { validate, plan };
}
