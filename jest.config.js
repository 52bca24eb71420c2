/** Fast by default: swc strips types (tsc --noEmit type-checks once, in `npm test`). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Jest's default is one worker per core but one, i.e. everything in band on a 2-core machine.
  // Three workers on two cores: the end-to-end suites spend much of their time waiting (visibility
  // timeouts, redrives), and a third suite fills those waits. With the terraform suites' provider
  // shared (helpers/provider-server.ts) the run is ~300 s of CPU: 175 s with two workers, 156 s
  // with three (2026-11-28; docs/benchmarks.md, "npm test"). Before that, three were no faster.
  maxWorkers: 3,
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
