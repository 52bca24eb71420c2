import { loadAllConfigs } from '../../config/load';
import { command } from '../../cli/command';
import { runMain } from '../../cli/run-main';

const USAGE = `Usage: npm run environments [-- --deployed] [--only NAME] [--json | --matrix]

Lists the environments of config/ (every file validated). --deployed: only those with
"deploy": true, i.e. remote state and an alert address (validation refuses anything else).
--json prints a JSON array of names; --matrix a JSON array of { environment, region, account }
objects: what the CI workflows build their per-environment matrices from (each environment's
region comes from its config, never from a workflow).`;

const OPTIONS = {
  deployed: { type: 'boolean', default: false },
  only: { type: 'string' },
  matrix: { type: 'boolean', default: false },
} as const;

export const main = command({ usage: USAGE, shared: ['json'], options: OPTIONS }, async ({ values, write }) => {
  const configs = loadAllConfigs().filter((c) => !values.deployed || c.deploy);
  const chosen = configs.filter((c) => values.only === undefined || values.only === '' || c.environment === values.only);
  const names = chosen.map((c) => c.environment);
  if (values.only && names.length === 0) {
    process.stderr.write(
      `"${values.only}" is not ${values.deployed ? 'an environment CI deploys (deploy: true)' : 'an environment'}; known: ${configs.map((c) => c.environment).join(', ') || 'none'}\n`,
    );
    return 1;
  }
  if (values.matrix)
    write(`${JSON.stringify(chosen.map((c) => ({ environment: c.environment, region: c.region, account: c.accountId })))}\n`);
  else write(values.json ? `${JSON.stringify(names)}\n` : `${names.join('\n')}\n`);
  return 0;
});

runMain(module, main);
