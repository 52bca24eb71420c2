#!/usr/bin/env node
// `npm test`: the type-check, the lint (Biome: format, rules, layers) and jest at the same time, failing if
// any fails: run one after the other, the first two would leave a core idle before jest began. Arguments go
// to jest (`npm test -- __tests__/unit`); tsc's and Biome's messages are printed after jest's.
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(command, args, options) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, ...options });
    let output = '';
    if (child.stdout) child.stdout.on('data', (d) => (output += d));
    if (child.stderr) child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => resolve({ code: 1, output: `${output}${e.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

void (async () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const quiet = { stdio: ['ignore', 'pipe', 'pipe'] };
  const typecheck = run(npm, ['run', '--silent', 'typecheck'], quiet);
  const lint = run(bin('biome'), ['ci', '--colors=off', '.'], quiet);
  const jest = run(bin('jest'), process.argv.slice(2), { stdio: 'inherit' });
  const [types, style, tests] = await Promise.all([typecheck, lint, jest]);
  if (types.code !== 0) process.stderr.write(`\nType-check (tsc --noEmit) failed:\n${types.output}`);
  else process.stderr.write('Type-check (tsc --noEmit): no errors.\n');
  if (style.code !== 0) process.stderr.write(`\nLint and format (biome ci; npm run format fixes what it can) failed:\n${style.output}`);
  else process.stderr.write('Lint and format (biome ci): no errors.\n');
  process.exit([types.code, style.code, tests.code].find((c) => c !== 0) ?? 0);
})();
