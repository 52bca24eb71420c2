import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root';

/**
 * Finds terraform and, when there is no registry access, a local provider mirror, and writes a
 * Terraform CLI config that installs providers from that mirror.
 *
 *   npm run --silent terraform-env     prints `export TF_CLI_CONFIG_FILE=…` lines for a shell
 *   terraformEnv()                     { available, reason, env } for commands and tests
 *
 * Mirror lookup: $TF_PROVIDER_MIRROR, then /opt/tf-plugins. An existing $TF_CLI_CONFIG_FILE is
 * respected; one that names a missing file is ignored (some machines set it to a file that is
 * not there). With neither, terraform uses the public registry as usual.
 */
export interface TerraformEnv {
  available: boolean;
  /** Why terraform is unavailable, or a note on where providers come from. */
  reason?: string;
  env: NodeJS.ProcessEnv;
  mirror?: string;
  /** `terraform version`, when available. */
  version?: string;
}

const MIRROR_CANDIDATES = (): string[] => [process.env.TF_PROVIDER_MIRROR, '/opt/tf-plugins'].filter((m): m is string => Boolean(m));

/** terraform's version, or null when it is not on PATH. */
function installedVersion(): string | null {
  try {
    const out = execFileSync('terraform', ['version', '-json'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      encoding: 'utf8',
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
    });
    return (JSON.parse(out) as { terraform_version?: string }).terraform_version ?? 'unknown';
  } catch {
    return null;
  }
}

const MIRROR_CONFIG_FILE = (): string => join(PROJECT_ROOT, '.build', 'terraform-mirror.tfrc');

function writeMirrorConfig(mirror: string): string {
  const file = MIRROR_CONFIG_FILE();
  mkdirSync(join(PROJECT_ROOT, '.build'), { recursive: true });
  writeFileSync(
    file,
    `# Written by tools/terraform-env.ts: providers come from a local mirror, never the registry.
provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
`,
  );
  return file;
}

export function terraformEnv(): TerraformEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  const version = installedVersion();
  if (version === null) return { available: false, reason: 'terraform is not on PATH', env };
  const configured = process.env.TF_CLI_CONFIG_FILE;
  // Someone else's CLI config is respected as it is; ours (from an earlier `eval`) is written again.
  if (configured && existsSync(configured) && configured !== MIRROR_CONFIG_FILE()) return { available: true, env, version };
  delete env.TF_CLI_CONFIG_FILE;
  const mirror = MIRROR_CANDIDATES().find((m) => existsSync(join(m, 'registry.terraform.io', 'hashicorp')));
  if (!mirror) return { available: true, env, version, reason: 'no local provider mirror: providers come from the registry' };
  env.TF_CLI_CONFIG_FILE = writeMirrorConfig(mirror);
  return { available: true, env, mirror, version };
}
