import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { bundleDeployedHandler } from '../../../bundling/bundle-handler';
import { decodeMappings, trimSourceMap } from '../../../bundling/trim-source-map';
import { DEFAULT_LAMBDA_RUNTIME } from '../../../config/runtimes';
import { lambdaNodeFor } from '../../../local/lambda-node';

const ROOT = join(__dirname, '..', '..', '..');

describe('trimSourceMap', () => {
  it('keeps exactly the mappings into kept sources, with the same positions', () => {
    const out = buildSync({
      stdin: {
        contents:
          "import { limitConcurrency } from './src/core/limit';\nimport { decodeS3Key } from './src/core/s3-key';\nexport const x = [limitConcurrency, decodeS3Key];",
        resolveDir: ROOT,
        sourcefile: 'entry.ts',
        loader: 'ts',
      },
      bundle: true,
      write: false,
      sourcemap: 'external',
      outfile: join(ROOT, '.build', 'trim-test.js'),
      platform: 'node',
    });
    const map = JSON.parse(out.outputFiles.find((f) => f.path.endsWith('.map'))!.text);
    const keep = (s: string) => s.includes('s3-key') || s.includes('errors');
    const trimmed = trimSourceMap(map, keep);
    expect(trimmed.sources.every(keep)).toBe(true);
    expect(trimmed.sources.length).toBeLessThan(map.sources.length);
    expect(decodeMappings(trimmed)).toEqual(decodeMappings(map).filter(([, , source]) => keep(source)));
  });

  it('leaves the shipped bundle with a small map that still resolves our stack frames', () => {
    const bundle = bundleDeployedHandler('processor');
    const map = JSON.parse(readFileSync(`${bundle.file}.map`, 'utf8'));
    expect(map.sources.some((s: string) => s.includes('node_modules'))).toBe(false);
    expect(map.sources).toEqual(expect.arrayContaining([expect.stringContaining('src/app/environment.ts')]));
    // Started without its environment, the bundle throws at cold start: the trace must name our file and line.
    const run = spawnSync(
      lambdaNodeFor(DEFAULT_LAMBDA_RUNTIME).path,
      ['--enable-source-maps', '-e', `require(${JSON.stringify(bundle.file)})`],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      },
    );
    const line =
      readFileSync(join(ROOT, 'src/app/environment.ts'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('throw new EnvironmentError')) + 1;
    expect(run.stderr).toContain('EnvironmentError: Invalid Lambda environment: TABLE_NAME is required');
    expect(run.stderr).toMatch(new RegExp(`src/app/environment\\.ts:${line}:\\d+`));
  });
});
