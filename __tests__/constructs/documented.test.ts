import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeConfig } from '../helpers/factories';
import { synthPipeline } from '../helpers/synth';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('documentation matches the code', () => {
  it('docs/architecture.md lists exactly the outputs the stacks have, in every mode', () => {
    // Prepare
    const section = /### Outputs\n([\s\S]*?)\n## /.exec(read('docs/architecture.md'))![1]!;
    const documented = new Set([...section.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!));
    // Act
    const synthesized = new Set(
      (['direct', 'pusher', 'eventbridge'] as const).flatMap((mode) =>
        Object.keys(
          synthPipeline(makeConfig({ mode, bucket: { accessLogging: mode === 'direct' }, reconcile: { distributed: mode === 'pusher' } }))
            .parsed.output,
        ),
      ),
    );
    // Assess
    expect([...documented].sort()).toEqual([...synthesized].sort());
  });

  it('the README lists every npm script', () => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
    const readme = read('README.md');
    const missing = scripts.filter((s) => !readme.includes(s === 'test' ? '`npm test`' : s === 'start' ? '`npm start`' : `\`npm run ${s}`));
    expect(missing).toEqual([]);
  });
});
