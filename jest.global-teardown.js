const { rmSync } = require('node:fs');

/** Removes the run's temporary folder (jest.global-setup.js). */
module.exports = async () => {
  if (process.env.TEST_RUN_TMPDIR) rmSync(process.env.TEST_RUN_TMPDIR, { recursive: true, force: true });
};
