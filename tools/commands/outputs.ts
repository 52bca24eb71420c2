import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../../config/project-root';
import { prepareStack, terraformWithCode } from '../stack-workdir';
import { command, sharedHelp } from '../../cli/command';
import { runMain } from '../../cli/run-main';

const USAGE = `Usage: npm run outputs -- --env NAME [--out FILE] [--offline] [--s3-endpoint URL]

Reads the stack's outputs from its state and writes them as { name: value } to
outputs/NAME.json (what the DLQ tools and CI read), then prints them.

  --out FILE         another file to write (default outputs/NAME.json)
${sharedHelp('offline', 21)}
${sharedHelp('s3-endpoint', 21)}`;

export const main = command(
  { usage: USAGE, shared: ['env', 'offline', 's3-endpoint'], options: { out: { type: 'string' } }, required: ['env'] },
  async ({ values, write }) => {
    const stack = await prepareStack(values.env, { offline: values.offline, s3Endpoint: values['s3-endpoint'] });
    const result = await terraformWithCode(['output', '-json'], stack.dir, stack.env);
    if (result.code !== 0) {
      process.stderr.write(result.stderr || result.stdout);
      return result.code;
    }
    const raw = JSON.parse(result.stdout || '{}') as Record<string, { value: unknown; sensitive?: boolean }>;
    if (Object.keys(raw).length === 0) {
      process.stderr.write(`No outputs in the state of "${values.env}": has the stack been deployed?\n`);
      return 1;
    }
    const outputs = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.sensitive ? '(sensitive)' : v.value]));
    const file = resolve(values.out ?? join(PROJECT_ROOT, 'outputs', `${values.env}.json`));
    mkdirSync(resolve(file, '..'), { recursive: true });
    writeFileSync(file, `${JSON.stringify(outputs, null, 2)}\n`);
    write(`${JSON.stringify(outputs, null, 2)}\n`);
    process.stderr.write(`Written to ${file}\n`);
    return 0;
  },
);

runMain(module, main);
