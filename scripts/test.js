#!/usr/bin/env node
// `npm test`: the type-check and jest at the same time, failing if either fails. Run one after
// the other, tsc (6–14 s) left one core idle before jest began; jest's suites mostly keep both
// busy, so the type-check costs the run its share of a core rather than its whole wall time.
// Arguments go to jest (`npm test -- __tests__/unit`). tsc's messages (`npm run typecheck`) are printed after jest's.
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

(async () => {
  const typecheck = run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'typecheck'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const jest = run(bin('jest'), process.argv.slice(2), { stdio: 'inherit' });
  const [types, tests] = await Promise.all([typecheck, jest]);
  if (types.code !== 0) process.stderr.write(`\nType-check (tsc --noEmit) failed:\n${types.output}`);
  else process.stderr.write('Type-check (tsc --noEmit): no errors.\n');
  process.exit(types.code !== 0 ? types.code : tests.code);
})();
