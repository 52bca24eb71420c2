/** Fast by default: swc strips types (tsc --noEmit type-checks once, in `npm test`). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Jest's default is one worker per core but one, i.e. everything in band on a 2-core machine;
  // the terraform and end-to-end suites mostly wait (on terraform, emulators, timers), so two
  // workers overlap them: 325 s → ~200 s on this machine (docs/benchmarks.md, "npm test"). Three were
  // no faster (237 vs 242 s, 2026-11-27): the suite is CPU-bound, ~420 s of CPU on two cores.
  maxWorkers: 2,
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testPathIgnorePatterns: ['/node_modules/'],
  setupFilesAfterEnv: ['<rootDir>/jest.setup.js'],
  globalSetup: '<rootDir>/jest.global-setup.js',
  globalTeardown: '<rootDir>/jest.global-teardown.js',
  testSequencer: '<rootDir>/jest.sequencer.js',
  // Snapshot files stay next to their tests.
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
