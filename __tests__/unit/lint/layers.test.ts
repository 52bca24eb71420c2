import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../../config/project-root';

const run = promisify(execFile);

/**
 * The layer rules of biome.jsonc, applied to probe files in a scratch copy of the layout (never
 * inside the real tree, where other suites walk src/): each probe imports one module, and the lint
 * must refuse exactly the wrong-way imports, naming the rule.
 */
const PROBES: Array<{ file: string; imports: string; refused: boolean }> = [
  { file: 'src/core/probe-local.ts', imports: '../../local/emulators', refused: true },
  { file: 'src/app/probe-config.ts', imports: '../../config/derive', refused: true },
  { file: 'src/core/probe-own.ts', imports: './s3-key', refused: false },
  { file: 'config/probe-constructs.ts', imports: '../constructs/policy-document', refused: true },
  { file: 'config/probe-src.ts', imports: '../src/core/s3-key', refused: false },
  { file: 'constructs/probe-stacks.ts', imports: '../stacks/pipeline-stack', refused: true },
  { file: 'cli/probe-tools.ts', imports: '../tools/deployment', refused: true },
  { file: 'local/probe-tools.ts', imports: '../tools/dlq/replay', refused: true },
  { file: 'local/probe-cli.ts', imports: '../cli/run-main', refused: false },
  { file: 'tools/status/probe-local.ts', imports: '../../local/recent-logs', refused: false },
  { file: 'tools/probe-bench.ts', imports: '../bench/run', refused: true },
];

describe('layer rules (biome.jsonc, docs/architecture.md "Layers")', () => {
  it('refuse each wrong-way import with a message naming the layer, and allow the right way', async () => {
    const root = mkdtempSync(join(tmpdir(), 'layers-'));
    try {
      copyFileSync(join(PROJECT_ROOT, 'biome.jsonc'), join(root, 'biome.jsonc'));
      for (const p of PROBES) {
        mkdirSync(join(root, dirname(p.file)), { recursive: true });
        writeFileSync(join(root, p.file), `import * as m from '${p.imports}';\nexport const probe = m;\n`);
      }
      const biome = join(PROJECT_ROOT, 'node_modules', '.bin', 'biome');
      const output = await run(biome, ['lint', '--colors=off', '--vcs-enabled=false', '--max-diagnostics=100', '.'], { cwd: root }).then(
        (r) => r.stdout + r.stderr,
        (e: { stdout: string; stderr: string }) => e.stdout + e.stderr,
      );
      const refused = new Set([...output.matchAll(/^(\S+\.ts):\d+:\d+ lint\/style\/noRestrictedImports/gm)].map((m) => m[1]));
      expect(PROBES.map((p) => ({ file: p.file, refused: refused.has(p.file) }))).toEqual(
        PROBES.map((p) => ({ file: p.file, refused: p.refused })),
      );
      expect(output).toContain('layer rule: src/ may import only from node_modules (docs/architecture.md, "Layers")');
      expect(output).toContain('layer rule: local/ may import only from cli/, stacks/, guardrails/, constructs/, bundling/, config/, src/');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
