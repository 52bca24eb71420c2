#!/usr/bin/env node
// Compiles the cdktf app (main.ts and what it imports) into dist/main.js with esbuild.
// Type-checking is `npm run typecheck`'s job; this only strips types, in ~0.1 s, so
// `cdktf synth` runs the app with plain node instead of ts-node (~6 s).
const { buildSync } = require('esbuild');
const { join } = require('node:path');

const root = join(__dirname, '..');
buildSync({
  entryPoints: [join(root, 'main.ts')],
  outfile: join(root, 'dist', 'main.js'),
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
