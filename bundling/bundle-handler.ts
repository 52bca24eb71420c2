import { buildSync, version as esbuildVersion } from 'esbuild';
import { DEFAULT_LAMBDA_RUNTIME, nodeTargetOf } from '../config/runtimes';

/** Stands in for `cls-hooked/context` in every bundle (relative to the project root). */
export const XRAY_CONTEXT_SHIM = 'src/app/xray-context.ts';
/**
 * The aws-xray-sdk-core versions the shim was proved with (`__tests__/integration/xray-context.test.ts`): it serves
 * the SDK's private use of cls-hooked, so a bundle of any other version is refused until that test has run on it.
 */
export const XRAY_SDK_VERSIONS_TESTED: readonly string[] = ['3.12.0'];
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root';
import { deploymentArchive } from './deployment-archive';
import { trimSourceMap } from './trim-source-map';

/** The deployable handlers, by name: one entry file each under `src/handlers/`. */
export const HANDLER_ENTRIES = {
  processor: 'src/handlers/processor.ts',
  pusher: 'src/handlers/pusher.ts',
  reconcile: 'src/handlers/reconcile.ts',
} as const;
export type HandlerName = keyof typeof HANDLER_ENTRIES;

export interface BundleOptions {
  /** Entry file, absolute or relative to the project root. */
  entry: string;
  /** Output folder, absolute or relative to the project root. Holds `index.js` and `index.js.map`. */
  outDir: string;
  /**
   * Leave `@aws-sdk/*` to the Lambda runtime instead of bundling it.
   * @default false — a bundled, tree-shaken SDK loads faster than the runtime's full one (see bench/).
   */
  externalSdk?: boolean;
  /** @default true */
  minify?: boolean;
  /** Packages left to `require` at run time (a bundle for this machine, not for Lambda). */
  externalPackages?: string[];
  /** esbuild's target: the Node major of the function's runtime (`nodeTargetOf`). @default the default runtime's */
  target?: string;
}

export interface BundleResult {
  /** Absolute folder with the bundle, ready to zip. */
  outDir: string;
  /** Absolute path of the bundled `index.js`; its export `handler` is the Lambda handler. */
  file: string;
  bytes: number;
}

const cache = new Map<string, BundleResult>();
const abs = (p: string): string => (isAbsolute(p) ? p : join(PROJECT_ROOT, p));

/**
 * Bundles one handler with esbuild: CommonJS for the runtime's Node major, minified, with a linked source map
 * of the project's own code (the function sets `--enable-source-maps`). Output is byte-identical for identical inputs,
 * so the Terraform asset hash, and `source_code_hash`, only change when the code does.
 * Each entry is built once per process, however many stacks use it, and not at all when no
 * input file changed since the last build (`BUNDLE_CACHE=0` forces a build).
 */
export function bundleHandler(options: BundleOptions): BundleResult {
  const outDir = abs(options.outDir);
  const key = JSON.stringify({ ...options, outDir, esbuildVersion, alias: XRAY_CONTEXT_SHIM });
  const cached = cache.get(key) ?? unchangedSinceLastBuild(outDir, key);
  if (cached) {
    cache.set(key, cached);
    return cached;
  }

  const file = join(outDir, 'index.js');
  const built = buildSync({
    write: false,
    metafile: true,
    entryPoints: [abs(options.entry)],
    outfile: file,
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    target: options.target ?? nodeTargetOf(DEFAULT_LAMBDA_RUNTIME),
    format: 'cjs',
    minify: options.minify ?? true,
    sourcemap: 'linked',
    sourcesContent: false,
    // ESM builds of the SDK tree-shake far better than the CommonJS ones.
    mainFields: ['module', 'main'],
    // Keep paths inside the project even when node_modules is a link (a diff's worktree), so the
    // source map, and with it the asset hash, does not depend on where dependencies live.
    preserveSymlinks: true,
    external: [...(options.externalSdk ? ['@aws-sdk/*', '@smithy/*'] : []), ...(options.externalPackages ?? [])],
    // The X-Ray SDK's context propagation on AsyncLocalStorage instead of cls-hooked (see the file).
    alias: { 'cls-hooked/context': `./${XRAY_CONTEXT_SHIM}` },
    legalComments: 'none',
    logLevel: 'warning',
  });
  mkdirSync(outDir, { recursive: true });
  for (const out of built.outputFiles) {
    if (!out.path.endsWith('.map')) writeIfChanged(out.path, out.contents);
    else {
      const trimmed = trimSourceMap(JSON.parse(out.text), (source) => !source.includes('node_modules/'));
      writeIfChanged(out.path, Buffer.from(JSON.stringify(trimmed)));
    }
  }
  const result = { outDir, file, bytes: built.outputFiles.find((o) => o.path === file)!.contents.byteLength };
  const shipped = Object.entries(built.metafile!.outputs[relative(PROJECT_ROOT, file)]?.inputs ?? {})
    .filter(([, o]) => o.bytesInOutput > 0)
    .map(([input]) => input);
  checkXraySdkVersion(shipped);
  writeInputManifest(outDir, key, Object.keys(built.metafile!.inputs), shipped);
  cache.set(key, result);
  return result;
}

/** Refuses a bundle whose aws-xray-sdk-core is a version the cls-hooked shim was not tested with. */
export function checkXraySdkVersion(shipped: string[], tested: readonly string[] = XRAY_SDK_VERSIONS_TESTED): void {
  const sdkFile = shipped.find((f) => f.includes('node_modules/aws-xray-sdk-core/'));
  if (!sdkFile) return;
  const manifest = join(
    PROJECT_ROOT,
    sdkFile.slice(0, sdkFile.indexOf('aws-xray-sdk-core/') + 'aws-xray-sdk-core/'.length),
    'package.json',
  );
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  if (!tested.includes(version)) {
    throw new Error(
      `aws-xray-sdk-core ${version} would be bundled, but ${XRAY_CONTEXT_SHIM} stands in for its cls-hooked only in the ` +
        `versions it was tested with (${tested.join(', ')}): run __tests__/integration/xray-context.test.ts with ${version} ` +
        'installed and add it to XRAY_SDK_VERSIONS_TESTED in bundling/bundle-handler.ts',
    );
  }
}

/** Beside (not inside) the bundle folder, so it never enters the asset hash. */
const manifestPath = (outDir: string): string => `${outDir}.inputs.json`;
const fingerprint = (path: string): string => {
  const s = statSync(join(PROJECT_ROOT, path));
  return `${s.size}:${s.mtimeMs}`;
};

/** `files`: every input esbuild read, for the cache; `shipped`: those with code in the bundle (tree-shaking dropped the rest). */
interface InputManifest {
  key: string;
  files: Record<string, string>;
  shipped: string[];
}

function writeInputManifest(outDir: string, key: string, inputs: string[], shipped: string[]): void {
  const manifest: InputManifest = { key, files: Object.fromEntries(inputs.map((i) => [i, fingerprint(i)])), shipped };
  writeFileSync(manifestPath(outDir), JSON.stringify(manifest));
}

function unchangedSinceLastBuild(outDir: string, key: string): BundleResult | undefined {
  const file = join(outDir, 'index.js');
  if (process.env.BUNDLE_CACHE === '0' || !existsSync(manifestPath(outDir)) || !existsSync(file) || !existsSync(`${file}.map`))
    return undefined;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath(outDir), 'utf8')) as InputManifest;
    if (manifest.key !== key || !Array.isArray(manifest.shipped)) return undefined;
    for (const [input, print] of Object.entries(manifest.files)) if (fingerprint(input) !== print) return undefined;
    return { outDir, file, bytes: statSync(file).size };
  } catch {
    return undefined; // an input vanished or the manifest is unreadable: build
  }
}

/**
 * Several processes (parallel test workers, two synths) may bundle at once: an unchanged file
 * is left alone, a changed one replaced by an atomic rename, so no reader sees half a file.
 */
function writeIfChanged(path: string, contents: Uint8Array): void {
  if (existsSync(path) && Buffer.from(contents).equals(readFileSync(path))) return;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

/** The project files esbuild put into a handler's deployed bundle (from its metafile), relative to the project root; `withDependencies` adds the node_modules files. */
export function deployedBundleInputs(name: HandlerName, o: { withDependencies?: boolean; runtime?: string } = {}): string[] {
  const { outDir } = bundleDeployedHandler(name, o.runtime);
  const manifest = JSON.parse(readFileSync(manifestPath(outDir), 'utf8')) as InputManifest;
  return manifest.shipped.filter((f) => o.withDependencies || !f.includes('node_modules/'));
}

/** Where the stack and the local runtime both take a handler's bundle from: one per handler and runtime. */
export function bundleDeployedHandler(name: HandlerName, runtime: string = DEFAULT_LAMBDA_RUNTIME): BundleResult {
  const target = nodeTargetOf(runtime);
  return bundleHandler({ entry: HANDLER_ENTRIES[name], outDir: join('.build', 'bundles', `${name}-${target}`), target });
}

/** The Lambda deployment package (zip) of a handler's deployed bundle, and the bundle's content hash. */
export function deployedHandlerArchive(name: HandlerName, runtime: string = DEFAULT_LAMBDA_RUNTIME): { file: string; hash: string } {
  return deploymentArchive(bundleDeployedHandler(name, runtime).outDir, join(PROJECT_ROOT, '.build', 'archives'));
}
