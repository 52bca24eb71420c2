#!/usr/bin/env node
// Compiles the project's entry points into dist/ with esbuild: the cdktf app (dist/main.js)
// and every command (local pipeline, operator tools, bench). Type-checking is `npm run typecheck`'s job; this only
// strips types, in ~0.1 s, so `cdktf synth` runs the app with plain node instead of ts-node (~6 s).
const { buildSync } = require('esbuild');
const { join } = require('node:path');

const root = join(__dirname, '..');
const ENTRIES = {
  main: 'main.ts',
  'local-cli': 'local/cli.ts',
  'load-cli': 'local/load-cli.ts',
  'plan-cli': 'tools/commands/plan.ts',
  'diff-cli': 'tools/commands/diff.ts',
  'state-cli': 'tools/commands/state.ts',
  'outputs-cli': 'tools/commands/outputs.ts',
  'dlq-cli': 'tools/commands/dlq.ts',
  'reconcile-cli': 'tools/commands/reconcile.ts',
  'backfill-cli': 'tools/commands/backfill.ts',
  'terraform-env': 'tools/commands/terraform-env.ts',
  'lock-providers': 'tools/commands/lock-providers.ts',
  environments: 'tools/commands/environments.ts',
  'ci-roles': 'tools/commands/ci-roles.ts',
  'preflight-cli': 'tools/commands/preflight.ts',
  'smoke-cli': 'tools/commands/smoke.ts',
  'status-cli': 'tools/commands/status.ts',
  docs: 'tools/commands/docs.ts',
  bench: 'bench/run.ts',
};
const only = process.argv.slice(2);

buildSync({
  entryPoints: Object.fromEntries(
    Object.entries(ENTRIES)
      .filter(([name]) => only.length === 0 || only.includes(name))
      .map(([name, file]) => [name, join(root, file)]),
  ),
  outdir: join(root, 'dist'),
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Dependencies load from node_modules as usual; only the project's own code is bundled.
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
