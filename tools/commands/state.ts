import { parseArgs } from 'node:util';
import { prepareStack, terraformWithCode } from '../stack-workdir';
import { runMain } from '../../cli/run-main';

const USAGE = `Usage: npm run state -- list|show ADDRESS|pull --env NAME [--offline] [--s3-endpoint URL]

Runs terraform state commands in the environment's synthesized stack folder, initialised with
its backend (S3 with locking when configured). Read-only: nothing here changes state.`;

export async function main(argv: string[], write: (s: string) => void = (s) => void process.stdout.write(s)): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { env: { type: 'string' }, offline: { type: 'boolean', default: false }, 's3-endpoint': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, address] = positionals;
  if (values.help) return (write(`${USAGE}\n`), 0);
  if (!values.env || !command || !['list', 'show', 'pull'].includes(command) || (command === 'show' && !address)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const stack = await prepareStack(values.env, { offline: values.offline, s3Endpoint: values['s3-endpoint'] });
  const args = command === 'list' ? ['state', 'list'] : command === 'show' ? ['state', 'show', address!] : ['state', 'pull'];
  const result = await terraformWithCode(args, stack.dir, stack.env);
  if (result.code !== 0) {
    process.stderr.write(result.stderr || result.stdout);
    return result.code;
  }
  // Before the first apply the backend holds no state: terraform succeeds with nothing to list, or
  // (pull) with an empty document whose lineage is "" — no apply ever wrote one.
  if ((command === 'list' && result.stdout.trim() === '') || (command === 'pull' && neverWritten(result.stdout))) {
    process.stderr.write(`No state for "${values.env}" yet: the stack was never applied with this backend (deploy it first, or check "state" in config/${values.env}.json)\n`);
    return 1;
  }
  write(result.stdout);
  return 0;
}

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
