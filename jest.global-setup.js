const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

/**
 * One temporary folder per test run, removed by jest.global-teardown.js: cdktf's Testing.app() and
 * fullSynth, the e2e suites and terraform make their folders under os.tmpdir() and not all remove them
 * (a run used to leave ~150 behind, Lambda archives included). Workers start after this and inherit it.
 */
module.exports = async () => {
  const root = mkdtempSync(join(tmpdir(), 'jest-run-'));
  process.env.TEST_RUN_TMPDIR = root;
  process.env.TMPDIR = root;
};
