import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import type { PipelineConfig } from '../../config/types';
import { PipelineStack } from '../../stacks/pipeline-stack';
import { compareOutputs, main as diffCli } from '../../tools/commands/diff';
import { diffStack, diffValues, flatten, renderDiff } from '../../tools/synth-diff';
import { makeConfig } from '../helpers/factories';

function synthTo(cfg: PipelineConfig, dir: string): void {
  const app = new App({ outdir: dir });
  new PipelineStack(app, cfg);
  app.synth();
}

const ROOT = join(__dirname, '..', '..');

describe('synthesized diff', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synth-diff-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports attribute changes, added and removed resources between two configs', () => {
    synthTo(makeConfig({ processor: { batchSize: 10 }, alertEmails: ['a@example.com'] }), join(dir, 'a'));
    synthTo(makeConfig({ processor: { batchSize: 20, batchingWindowSeconds: 2 }, alertEmails: [], mode: 'pusher' }), join(dir, 'b'));
    const [stack] = compareOutputs(join(dir, 'a'), join(dir, 'b'));
    expect(stack!.kind).toBe('changed');
    const byAddress = Object.fromEntries(stack!.resources.map((r) => [r.address, r]));
    const esm = Object.values(byAddress).find((r) => r.address.startsWith('aws_lambda_event_source_mapping.'))!;
    expect(esm.attributes).toEqual(
      expect.arrayContaining([
        { path: 'batch_size', before: 10, after: 20 },
        { path: 'maximum_batching_window_in_seconds', before: 0, after: 2 },
      ]),
    );
    expect(stack!.resources.find((r) => r.address.startsWith('aws_sns_topic_subscription.'))!.kind).toBe('removed');
    expect(stack!.resources.find((r) => r.address.startsWith('aws_lambda_permission.'))!.kind).toBe('added');
    const queue = stack!.resources.find((r) => r.address.startsWith('aws_sqs_queue_policy.') && r.address.includes('queues_queue-policy'))!;
    expect(queue.attributes.map((a) => a.path)).toContain('policy⟨json⟩.Statement[1].Sid');
    const md = renderDiff([stack!], 'a → b');
    expect(md).toContain(`- ✏️ \`${esm.address}\` changed`);
    expect(md).toContain('  - `batch_size`: 10 → 20');
  });

  it('reports a code change as "code changed", not as hash noise', () => {
    const before = {
      resource: {
        aws_lambda_function: { f: { source_code_hash: 'A'.repeat(32), filename: `assets/x/${'A'.repeat(32)}/archive.zip`, timeout: 3 } },
      },
    };
    const after = {
      resource: {
        aws_lambda_function: { f: { source_code_hash: 'B'.repeat(32), filename: `assets/x/${'B'.repeat(32)}/archive.zip`, timeout: 3 } },
      },
    };
    const d = diffStack('s', before, after);
    expect(d.resources).toEqual([{ address: 'aws_lambda_function.f', kind: 'changed', attributes: [], codeChanged: true }]);
    expect(renderDiff([d], 'x')).toContain('**code changed** (asset hash)');
  });

  it('opens JSON documents held in strings and ignores cdktf metadata', () => {
    expect([...flatten({ '//': { x: 1 }, p: '{"Statement":[{"Action":"s3:GetObject"}]}' }).entries()]).toEqual([
      ['p⟨json⟩.Statement[0].Action', 's3:GetObject'],
    ]);
    expect(diffValues({ a: [1, 2] }, { a: [1] })).toEqual([{ path: 'a[1]', before: 2, after: undefined }]);
  });

  describe('`npm run diff -- --base HEAD` against a checkout of HEAD', () => {
    const work = mkdtempSync(join(tmpdir(), 'diff-cli-'));
    const tree = join(work, 'tree');
    beforeAll(() => {
      execFileSync('git', ['worktree', 'add', '--detach', tree, 'HEAD'], { cwd: ROOT, stdio: 'ignore' });
      symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
    });
    afterAll(() => {
      execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: ROOT, stdio: 'ignore' });
      rmSync(work, { recursive: true, force: true });
    });
    const diff = async (): Promise<{ code: number; out: string }> => {
      const out: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((s: string) => out.push(s) > 0) as typeof process.stdout.write;
      try {
        return { code: await diffCli(['--base', 'HEAD', '--env', 'dev'], tree), out: out.join('') };
      } finally {
        process.stdout.write = write;
      }
    };

    it('exits 0 when nothing changed', async () => {
      const { code, out } = await diff();
      expect(out).toMatch(/^## Synthesized diff: HEAD → working tree\n/);
      expect(code).toBe(0);
    }, 60_000);

    it('exits 2 and names the attribute when the config changed', async () => {
      // Prepare
      const file = join(tree, 'config', 'dev.json');
      const cfg = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...cfg, processor: { ...cfg.processor, memoryMb: cfg.processor.memoryMb * 2 } }));
      // Act
      const { code, out } = await diff();
      // Assess
      expect(code).toBe(2);
      expect(out).toContain(`\`memory_size\`: ${cfg.processor.memoryMb} → ${cfg.processor.memoryMb * 2}`);
    }, 60_000);
  });
});
