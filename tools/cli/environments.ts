import { parseArgs } from 'node:util';
import { loadAllConfigs } from '../../config/load';
import { runMain } from './run-main';

const USAGE = `Usage: npm run environments [-- --deployed] [--only NAME] [--json]

Lists the environments of config/ (every file validated). --deployed: only those with
"deploy": true, i.e. remote state and an alert address (validation refuses anything else) —
the CI deploy and drift workflows build their matrices from this list. --json prints
a JSON array (what the workflows read).`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { deployed: { type: 'boolean', default: false }, only: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (process.stdout.write(`${USAGE}\n`), 0);
  const configs = loadAllConfigs().filter((c) => !values.deployed || c.deploy);
  const names = configs.map((c) => c.environment).filter((name) => values.only === undefined || values.only === '' || name === values.only);
  if (values.only && names.length === 0) {
    process.stderr.write(`"${values.only}" is not ${values.deployed ? 'an environment CI deploys (deploy: true)' : 'an environment'}; known: ${configs.map((c) => c.environment).join(', ') || 'none'}\n`);
    return 1;
  }
  process.stdout.write(values.json ? `${JSON.stringify(names)}\n` : `${names.join('\n')}\n`);
  return 0;
}

runMain(module, main);
