import { terraformEnv } from '../terraform-env';
import { runMain } from '../../cli/run-main';

/** Prints shell `export` lines that point terraform at the local provider mirror (for `eval`). */
export async function main(): Promise<number> {
  const { available, reason, env } = terraformEnv();
  if (!available) {
    process.stderr.write(`terraform-env: ${reason}\n`);
    return 1;
  }
  if (reason) process.stderr.write(`terraform-env: ${reason}\n`);
  if (env.TF_CLI_CONFIG_FILE) process.stdout.write(`export TF_CLI_CONFIG_FILE=${JSON.stringify(env.TF_CLI_CONFIG_FILE)}\n`);
  else process.stdout.write('unset TF_CLI_CONFIG_FILE\n');
  process.stdout.write('export CHECKPOINT_DISABLE=1\n');
  return 0;
}

runMain(module, main);
