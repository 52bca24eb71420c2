import { prepareStack, terraformWithCode } from '../stack-workdir';
import { command, sharedHelp, UsageError } from '../../cli/command';
import { runMain } from '../../cli/run-main';

const USAGE = `Usage: npm run state -- list|show ADDRESS|pull --env NAME [--offline] [--s3-endpoint URL]

Runs terraform state commands in the environment's synthesized stack folder, initialised with
its backend (S3 with locking when configured). Read-only: nothing here changes state.

${sharedHelp('offline', 21)}
${sharedHelp('s3-endpoint', 21)}`;

export const main = command(
  { usage: USAGE, shared: ['env', 'offline', 's3-endpoint'], required: ['env'], positionals: true },
  async ({ values, positionals, write }) => {
    const [subcommand, address, ...extra] = positionals;
    if (!subcommand || !['list', 'show', 'pull'].includes(subcommand))
      throw new UsageError(subcommand ? `"${subcommand}" is not one of list, show, pull` : 'say what to do: list, show ADDRESS or pull');
    if (subcommand === 'show' && !address)
      throw new UsageError('show needs a resource ADDRESS (npm run state -- list --env NAME lists them)');
    if (extra.length > 0 || (subcommand !== 'show' && address)) throw new UsageError(`unexpected argument "${extra[0] ?? address}"`);
    const stack = await prepareStack(values.env, { offline: values.offline, s3Endpoint: values['s3-endpoint'] });
    const args = subcommand === 'list' ? ['state', 'list'] : subcommand === 'show' ? ['state', 'show', address!] : ['state', 'pull'];
    const result = await terraformWithCode(args, stack.dir, stack.env);
    if (result.code !== 0) {
      process.stderr.write(result.stderr || result.stdout);
      return result.code;
    }
    // Before the first apply the backend holds no state: terraform succeeds with nothing to list, or
    // (pull) with an empty document whose lineage is "" — no apply ever wrote one.
    if ((subcommand === 'list' && result.stdout.trim() === '') || (subcommand === 'pull' && neverWritten(result.stdout))) {
      process.stderr.write(
        `No state for "${values.env}" yet: the stack was never applied with this backend (deploy it first, or check "state" in config/${values.env}.json)\n`,
      );
      return 1;
    }
    write(result.stdout);
    return 0;
  },
);

/** A state document no apply wrote: no lineage, serial 0. */
function neverWritten(pulled: string): boolean {
  if (pulled.trim() === '') return true;
  try {
    const doc = JSON.parse(pulled) as { lineage?: string; serial?: number };
    return !doc.lineage && !doc.serial;
  } catch {
    return false;
  }
}

runMain(module, main);
