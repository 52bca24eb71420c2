import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDER_LOCK_FILE } from '../../stacks/provider-lock';
import type { TerraformEnv } from '../../tools/terraform-env';
import { unmanagedProviders } from '../../tools/terraform-init';

const AWS_PROVIDER = 'registry.terraform.io/hashicorp/aws';

export interface ProviderServer {
  /** The value of TF_REATTACH_PROVIDERS that sends terraform's calls for the AWS provider to this process. */
  reattach: string;
  /** `env` plus TF_REATTACH_PROVIDERS: for the terraform commands that should use this process. */
  envFor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /**
   * Sets TF_REATTACH_PROVIDERS in this process's environment, for commands that build theirs from it
   * (`npm run plan`, `state`, `outputs`); returns what puts the previous value back.
   */
  exportToProcessEnv(): () => void;
  stop(): Promise<void>;
}

/** The mirror's AWS provider binary at the version the committed lock file pins, or null. */
export function mirroredProviderBinary(mirror: string, lockFile = PROVIDER_LOCK_FILE): string | null {
  const lock = existsSync(lockFile) ? readFileSync(lockFile, 'utf8') : '';
  const version = new RegExp(`provider "${AWS_PROVIDER}" \\{\\s*version\\s*=\\s*"([^"]+)"`).exec(lock)?.[1];
  if (!version) return null;
  const platform = `${process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`;
  const dir = join(mirror, AWS_PROVIDER, version, platform);
  const binary = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith('terraform-provider-aws')) : undefined;
  return binary ? join(dir, binary) : null;
}

/**
 * One AWS provider process that several terraform commands of a test suite share, through
 * terraform's own mechanism for test harnesses: TF_REATTACH_PROVIDERS ("unmanaged" providers, the
 * way terraform-plugin-testing runs providers). Each terraform command otherwise starts the 675 MB
 * provider and first re-hashes it against the lock file: ~7 s of CPU per command on this machine (no
 * SHA extensions), for plan, show, state and output alike; through this process, ~2–3 s.
 *
 * What it skips is terraform's work, not the project's: the provider install and lock-file check.
 * Those still run for real in the offline-plan suite (`init -lockfile=readonly` of the dev stack as
 * committed, and with a tampered hash). Returns null without a local mirror (providers from the
 * registry): the suites then run every command the usual way.
 *
 * Use it for one command at a time: each command configures the provider (region, credentials),
 * and commands running at once would configure the same process.
 */
export async function startProviderServer(tf: TerraformEnv, timeoutMs = 60_000): Promise<ProviderServer | null> {
  const binary = tf.mirror ? mirroredProviderBinary(tf.mirror) : null;
  if (!binary) return null;
  // AWS_CA_BUNDLE: aws-sdk-go-base wraps its HTTP client for a custom CA once per process, and the
  // second configuration then fails ("unable to add custom RootCAs HTTPClient"). Offline plans make no
  // AWS calls. TF_LOG_*: the debug server logs every request at TRACE otherwise (~8 MB per plan).
  const env: NodeJS.ProcessEnv = { ...process.env, TF_LOG: 'off', TF_LOG_PROVIDER: 'off', TF_LOG_SDK: 'off', TF_LOG_SDK_PROTO: 'off' };
  delete env.AWS_CA_BUNDLE;
  const child = spawn(binary, ['-debug'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4096)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const reattach = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(
      () => fail(new Error(`the AWS provider (${binary} -debug) printed no TF_REATTACH_PROVIDERS within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    const early = (code: number | null) =>
      fail(new Error(`the AWS provider (${binary} -debug) exited with ${code} before it was ready:\n${stderr}`));
    child.once('error', fail);
    child.once('exit', early);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(stdout)?.[1];
      if (!found) return;
      clearTimeout(timer);
      child.removeListener('exit', early);
      resolve(found);
    });
  });
  if (!unmanagedProviders({ TF_REATTACH_PROVIDERS: reattach }).includes(AWS_PROVIDER))
    throw new Error(`unexpected TF_REATTACH_PROVIDERS: ${reattach}`);
  child.stdout.resume();

  return {
    reattach,
    envFor: (base) => ({ ...base, TF_REATTACH_PROVIDERS: reattach }),
    exportToProcessEnv() {
      const before = process.env.TF_REATTACH_PROVIDERS;
      process.env.TF_REATTACH_PROVIDERS = reattach;
      return () => {
        if (before === undefined) delete process.env.TF_REATTACH_PROVIDERS;
        else process.env.TF_REATTACH_PROVIDERS = before;
      };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Debug mode serves until interrupted.
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
