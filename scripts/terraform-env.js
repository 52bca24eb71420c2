#!/usr/bin/env node
// Finds terraform and, when there is no registry access, a local provider mirror, and
// writes a Terraform CLI config that installs providers from that mirror.
//
//   node scripts/terraform-env.js        prints `export TF_CLI_CONFIG_FILE=…` lines for a shell
//   require('./scripts/terraform-env')   { available, reason, env } for scripts and tests
//
// Mirror lookup: $TF_PROVIDER_MIRROR, then /opt/tf-plugins. An existing $TF_CLI_CONFIG_FILE
// is respected. With neither, terraform uses the public registry as usual.
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const MIRROR_CANDIDATES = [process.env.TF_PROVIDER_MIRROR, '/opt/tf-plugins'].filter(Boolean);

function terraformVersion() {
  try {
    return execFileSync('terraform', ['version', '-json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  } catch {
    return null;
  }
}

function mirrorConfig(mirror) {
  const file = join(ROOT, '.build', 'terraform-mirror.tfrc');
  mkdirSync(join(ROOT, '.build'), { recursive: true });
  writeFileSync(
    file,
    `# Written by scripts/terraform-env.js: providers come from a local mirror, never the registry.
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

/** @returns {{ available: boolean, reason?: string, env: NodeJS.ProcessEnv, mirror?: string }} */
function terraformEnv() {
  const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  if (!terraformVersion()) return { available: false, reason: 'terraform is not on PATH', env };
  const configured = process.env.TF_CLI_CONFIG_FILE;
  if (configured && existsSync(configured)) return { available: true, env };
  const mirror = MIRROR_CANDIDATES.find((m) => existsSync(join(m, 'registry.terraform.io', 'hashicorp')));
  if (!mirror) {
    delete env.TF_CLI_CONFIG_FILE;
    return { available: true, env, reason: 'no local provider mirror: providers come from the registry' };
  }
  env.TF_CLI_CONFIG_FILE = mirrorConfig(mirror);
  return { available: true, env, mirror };
}

module.exports = { terraformEnv };

if (require.main === module) {
  const { available, reason, env } = terraformEnv();
  if (!available) {
    console.error(`terraform-env: ${reason}`);
    process.exit(1);
  }
  if (reason) console.error(`terraform-env: ${reason}`);
  if (env.TF_CLI_CONFIG_FILE) console.log(`export TF_CLI_CONFIG_FILE=${JSON.stringify(env.TF_CLI_CONFIG_FILE)}`);
  console.log('export CHECKPOINT_DISABLE=1');
}
