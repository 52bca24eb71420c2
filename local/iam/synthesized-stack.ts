import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import type { PipelineConfig } from '../../config/types';
import { PipelineStack } from '../../stacks/pipeline-stack';

/** The parts of a synthesized stack (`cdk.tf.json`) the local runtime reads. */
export interface TerraformJson {
  resource: Record<string, Record<string, Record<string, unknown>>>;
}

/**
 * The stack of this config, synthesized in-process: the same document `npm run synth` writes to
 * `cdktf.out/stacks/pipeline-<env>/cdk.tf.json` (~0.1–0.4 s; the handler bundles are built anyway).
 */
export function synthesizeStack(cfg: PipelineConfig): TerraformJson {
  // Testing.app() makes an output folder in the temp dir that an in-memory synth never writes to.
  const outdir = mkdtempSync(join(tmpdir(), 'cdktf.outdir.'));
  try {
    const stack = new PipelineStack(Testing.app({ outdir }), cfg, { onGuardrailReport: () => undefined });
    return JSON.parse(Testing.synth(stack)) as TerraformJson;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
