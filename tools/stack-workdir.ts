import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root';
import { stateKey } from '../config/derive';
import { loadConfig } from '../config/load';
import type { PipelineConfig } from '../config/types';
import { LOCAL_CREDENTIALS } from '../local/local-clients';
import { pipelineStackId } from '../stacks/pipeline-stack';
import { initIfChanged } from './terraform-init';
import { OFFLINE_OVERRIDE_FILE, writeOfflineOverride } from './offline-terraform';
import { synthApp } from './synth';
import { terraformEnv } from './terraform-env';
export { terraformWithCode } from './offline-terraform';

export const BACKEND_OVERRIDE_FILE = 'backend_endpoint_override.tf.json';

/**
 * Where runs with overrides synthesize (`--offline`: a local backend and fake credentials;
 * `--s3-endpoint`: the backend pointed at an emulator): never `cdktf.out/stacks`, where the real
 * commands (`npx cdktf diff/deploy`, `npm run plan/state`) run and would pick such a file up.
 */
export const OVERRIDE_OUTDIRS = {
  offline: join(PROJECT_ROOT, 'cdktf.out', 'offline'),
  endpoint: join(PROJECT_ROOT, 'cdktf.out', 'endpoint-override'),
} as const;

export interface StackWorkdir {
  config: PipelineConfig;
  dir: string;
  env: NodeJS.ProcessEnv;
}

export interface WorkdirOptions {
  /** Local backend and fake credentials: no AWS account needed. */
  offline?: boolean;
  /** Point the S3 backend at another endpoint (the local S3 emulator in tests). */
  s3Endpoint?: string;
  outdir?: string;
  /**
   * `terraform init -lockfile=readonly`: providers must match the committed `.terraform.lock.hcl`
   * exactly (nothing is added to it). @default true where `CI` is set (GitHub Actions sets it).
   */
  readonlyLock?: boolean;
}

/** Synthesizes one environment's stack (compiled app, ~1 s) and returns its folder. */
export async function synthEnvironment(environment: string, outdir = join(PROJECT_ROOT, 'cdktf.out')): Promise<string> {
  await synthApp(PROJECT_ROOT, outdir, environment);
  return join(outdir, 'stacks', pipelineStackId(environment));
}

/**
 * A synthesized, initialised stack folder with the right backend: the configured one, the
 * offline one, or the configured S3 backend pointed at another endpoint.
 */
export async function prepareStack(environment: string, options: WorkdirOptions = {}): Promise<StackWorkdir> {
  const config = loadConfig(environment);
  const tf = terraformEnv();
  if (!tf.available) throw new Error(`terraform is needed: ${tf.reason}`);
  const outdir =
    options.outdir ?? (options.offline ? OVERRIDE_OUTDIRS.offline : options.s3Endpoint ? OVERRIDE_OUTDIRS.endpoint : undefined);
  const dir = await synthEnvironment(environment, outdir);
  rmSync(join(dir, OFFLINE_OVERRIDE_FILE), { force: true });
  rmSync(join(dir, BACKEND_OVERRIDE_FILE), { force: true });
  const env = { ...tf.env };
  if (options.offline) writeOfflineOverride(dir, config.region);
  if (options.s3Endpoint) {
    if (!config.state) throw new Error(`--s3-endpoint needs an environment with "state" configured; "${environment}" uses a local backend`);
    // A backend block in an override file replaces the original whole, so it repeats the stack's settings.
    writeFileSync(
      join(dir, BACKEND_OVERRIDE_FILE),
      JSON.stringify({
        terraform: {
          backend: {
            s3: {
              bucket: config.state.bucket,
              key: stateKey({ ...config, state: config.state }),
              region: config.state.region,
              encrypt: true,
              use_lockfile: true,
              endpoints: { s3: options.s3Endpoint },
              use_path_style: true,
              skip_credentials_validation: true,
              skip_requesting_account_id: true,
              skip_metadata_api_check: true,
              skip_region_validation: true,
              skip_s3_checksum: true,
              access_key: LOCAL_CREDENTIALS.accessKeyId,
              secret_key: LOCAL_CREDENTIALS.secretAccessKey,
            },
          },
        },
      }),
    );
  }
  const readonlyLock = options.readonlyLock ?? Boolean(process.env.CI);
  await initIfChanged(dir, ['-input=false', '-reconfigure', ...(readonlyLock ? ['-lockfile=readonly'] : [])], env, tf.version ?? 'unknown');
  return { config, dir, env };
}
