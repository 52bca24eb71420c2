import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizeStack } from '../../../local/iam/synthesized-stack';
import { makeConfig } from '../../helpers/factories';

/** Every `npm start` and `npm run load` synthesizes the stack in-process: it must leave no folder behind. */
describe('the local runtime’s in-process synth', () => {
  it('leaves no cdktf.outdir.* folder in the temp folder', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'synth-leftovers-'));
    // cdktf asks os.tmpdir() where to make its folders (jest's process.env is not the one node's os reads).
    const spy = jest.spyOn(os, 'tmpdir').mockReturnValue(scratch);
    try {
      expect(Object.keys(synthesizeStack(makeConfig()).resource)).toContain('aws_lambda_function');
      expect(readdirSync(scratch)).toEqual([]);
    } finally {
      spy.mockRestore();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
