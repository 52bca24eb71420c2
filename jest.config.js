/**
 * Jest, as projects named for what their tests need (docs/testing.md): `unit` (no process, no network,
 * no synth of the whole app), `constructs` (cdktf synth assertions and guardrails), `integration`
 * (bundles, emulators, a CDK Terrain copy, git worktrees), `e2e` (the local pipeline and the commands)
 * and `terraform` (real init/plan). `npm test` runs all of them; `--selectProjects` picks some.
 * Fast by default: swc strips types (tsc --noEmit type-checks once, in `npm test`).
 */
const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testPathIgnorePatterns: ['/node_modules/'],
  setupFilesAfterEnv: ['<rootDir>/jest.setup.js'],
  // Snapshot files stay next to their tests.
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
const project = (displayName, folders, { startsProcesses = false } = {}) => ({
  ...base,
  displayName,
  testMatch: folders.map((f) => `<rootDir>/__tests__/${f}/**/*.test.ts`),
  setupFilesAfterEnv: startsProcesses ? [...base.setupFilesAfterEnv, '<rootDir>/jest.setup.processes.js'] : base.setupFilesAfterEnv,
});

// The quick tiers (`npm run test:unit`, `test:fast`) run each property test with a tenth of its cases;
// `npm test` runs them all (__tests__/helpers/property-runs.ts).
if (['test:unit', 'test:fast'].includes(process.env.npm_lifecycle_event)) process.env.PROPERTY_RUNS_SCALE ??= '0.1';

/** @type {import('jest').Config} */
module.exports = {
  // Jest's default is one worker per core but one, i.e. everything in band on a 2-core machine.
  // Three workers on two cores: the end-to-end suites spend much of their time waiting (visibility
  // timeouts, redrives), and a third suite fills those waits (docs/benchmarks.md, "npm test").
  maxWorkers: 3,
  globalSetup: '<rootDir>/jest.global-setup.js',
  globalTeardown: '<rootDir>/jest.global-teardown.js',
  testSequencer: '<rootDir>/jest.sequencer.js',
  projects: [
    project('unit', ['unit']),
    project('constructs', ['constructs', 'guardrails']),
    project('integration', ['integration'], { startsProcesses: true }),
    project('e2e', ['e2e'], { startsProcesses: true }),
    project('terraform', ['terraform'], { startsProcesses: true }),
  ],
};
