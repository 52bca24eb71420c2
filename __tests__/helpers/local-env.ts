import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh data folder per test file, removed afterwards. */
export function tempDataDir(prefix = 'ingest-local-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The pipeline made no call its synthesized policies deny, and every service edge is allowed. */
export async function expectNoDenials(pipeline: import('../../local/local-pipeline').LocalPipeline): Promise<void> {
  await pipeline.waitForDrain(30_000);
  const permissions = await pipeline.permissions();
  expect(permissions).toMatchObject({ enforced: true, denied: [] });
  expect((permissions as { edges: Array<{ allowed: boolean }> }).edges.every((e) => e.allowed)).toBe(true);
}
