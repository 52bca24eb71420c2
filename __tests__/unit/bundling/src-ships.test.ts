import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { transformSync } from 'esbuild';
import { deployedBundleInputs, HANDLER_ENTRIES, type HandlerName } from '../../../bundling/bundle-handler';
import { PROJECT_ROOT } from '../../../config/project-root';

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

/** A file esbuild compiles to nothing: interfaces and types only, erased from every bundle by design. */
const typeOnly = (file: string): boolean =>
  transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm' })
    .code.replace(/export\s*\{\s*\};?/g, '')
    .trim() === '';

describe('src/ is exactly what ships', () => {
  it('every file under src/ is in a deployed bundle, or holds only types that bundled files import', () => {
    // Prepare
    const shipped = new Set((Object.keys(HANDLER_ENTRIES) as HandlerName[]).flatMap((h) => deployedBundleInputs(h)));
    const bundledText = [...shipped].map((f) => readFileSync(join(PROJECT_ROOT, f), 'utf8')).join('\n');
    // Act
    const strays = walk(join(PROJECT_ROOT, 'src'))
      .map((f) => relative(PROJECT_ROOT, f))
      .filter((f) => !shipped.has(f))
      .filter((f) => !(typeOnly(join(PROJECT_ROOT, f)) && bundledText.includes(`/${f.split('/').pop()!.replace(/\.ts$/, '')}'`)));
    // Assess
    expect(strays).toEqual([]);
  });

  it("each bundle's inputs are src/ and node_modules only: no config, infrastructure or local code ships", () => {
    for (const handler of Object.keys(HANDLER_ENTRIES) as HandlerName[]) {
      const inputs = deployedBundleInputs(handler, { withDependencies: true });
      expect({ handler, outside: inputs.filter((f) => !f.startsWith('src/') && !f.startsWith('node_modules/')) }).toEqual({
        handler,
        outside: [],
      });
    }
  });

  it('no Lambda bundle contains the AGPL IAM simulator (a dev-only dependency of the local runtime)', () => {
    for (const handler of Object.keys(HANDLER_ENTRIES) as HandlerName[]) {
      const inputs = deployedBundleInputs(handler, { withDependencies: true });
      expect(inputs.some((f) => f.includes('node_modules/@aws-sdk/'))).toBe(true);
      expect(inputs.filter((f) => f.includes('@cloud-copilot') || f.startsWith('local/'))).toEqual([]);
    }
    const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).filter((d) => d.startsWith('@cloud-copilot/'))).toEqual([]);
    expect(manifest.devDependencies['@cloud-copilot/iam-simulate']).toBeDefined();
  });

  it('each bundle holds the SDK clients its handler calls and no other (the pusher never reaches DynamoDB)', () => {
    // Prepare
    const clientsIn = (handler: HandlerName) =>
      [
        ...new Set(
          deployedBundleInputs(handler, { withDependencies: true })
            .map((f) => /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(f)?.[1])
            .filter(Boolean),
        ),
      ].sort();
    // Act
    const processor = clientsIn('processor');
    const pusher = clientsIn('pusher');
    // Assess
    expect(processor).toEqual(['client-dynamodb', 'client-s3', 'client-sqs']);
    expect(pusher).toEqual(['client-s3', 'client-sqs']);
  });
});
