import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../../config/project-root';
import { prepareStack, terraformWithCode } from '../stack-workdir';
import { runMain } from '../../cli/run-main';

const USAGE = `Usage: npm run outputs -- --env NAME [--out FILE] [--offline] [--s3-endpoint URL]

Reads the stack's outputs from its state and writes them as { name: value } to
outputs/NAME.json (what the DLQ tools and CI read), then prints them.`;

export async function main(argv: string[], write: (s: string) => void = (s) => void process.stdout.write(s)): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { env: { type: 'string' }, out: { type: 'string' }, offline: { type: 'boolean', default: false }, 's3-endpoint': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (write(`${USAGE}\n`), 0);
  if (!values.env) return (process.stderr.write(`--env is required\n\n${USAGE}\n`), 2);
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
}

runMain(module, main);
