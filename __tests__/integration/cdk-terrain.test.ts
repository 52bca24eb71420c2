import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/project-root';

/**
 * CDK Terrain, CDKTF's maintained fork, as a drop-in: this project swapped to `cdktn@0.24.0`
 * (installed under the name `cdktf`, so the provider bindings, which import `cdktf`, use it too)
 * with `constructs@10.7.2` (its peer range) synthesizes every stack to the same Terraform JSON
 * as cdktf 0.21. The only difference is the generator's version stamp in `//.metadata`.
 *
 * The swap happens in a copy: sources copied, node_modules hard-linked (fast, same disk), then
 * `cdktf` and `constructs` replaced by the fork's packages, fetched once into .build/cdk-terrain.
 */
const CACHE = join(PROJECT_ROOT, '.build', 'cdk-terrain');
const PACKAGES = { cdktf: 'cdktn-0.24.0.tgz', constructs: 'constructs-10.7.2.tgz' };
const SOURCES = ['main.ts', 'config', 'constructs', 'stacks', 'guardrails', 'src', 'bundling', 'scripts', 'package.json', 'tsconfig.json', '.terraform.lock.hcl'];

function fetchPackages(): void {
  mkdirSync(CACHE, { recursive: true });
  const missing = Object.values(PACKAGES).filter((f) => !existsSync(join(CACHE, f)));
  if (missing.length === 0) return;
  const specs = missing.map((f) => f.replace(/-(\d+\.\d+\.\d+)\.tgz$/, '@$1'));
  execFileSync('npm', ['pack', ...specs, '--pack-destination', CACHE], { stdio: 'ignore', timeout: 120_000 });
}

function synth(root: string, outdir: string): void {
  execFileSync('node', [join(root, 'scripts', 'build-app.js'), 'main'], { cwd: root });
  // Both name the same local state folder: the absolute path would otherwise differ by checkout.
  execFileSync('node', [join(root, 'dist', 'main.js')], { cwd: root, env: { ...process.env, CDKTF_OUTDIR: outdir, LOCAL_STATE_DIR: PROJECT_ROOT }, stdio: 'ignore' });
}

const stackJson = (outdir: string, stack: string) => readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8');

describe('CDK Terrain (cdktn 0.24.0) synthesizes the same Terraform JSON as cdktf 0.21.0', () => {
  const work = join(CACHE, `work-${process.pid}`);
  const copy = join(work, 'project');
  const cdktfOut = join(work, 'out-cdktf');
  const cdktnOut = join(work, 'out-cdktn');
  let stacks: string[];

  beforeAll(() => {
    fetchPackages();
    rmSync(work, { recursive: true, force: true });
    mkdirSync(copy, { recursive: true });
    for (const f of SOURCES) cpSync(join(PROJECT_ROOT, f), join(copy, f), { recursive: true });
    execFileSync('cp', ['-al', join(PROJECT_ROOT, 'node_modules'), join(copy, 'node_modules')]);
    for (const [name, tarball] of Object.entries(PACKAGES)) {
      const dir = join(copy, 'node_modules', name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      execFileSync('tar', ['xzf', join(CACHE, tarball), '-C', dir, '--strip-components=1']);
    }
    synth(PROJECT_ROOT, cdktfOut);
    synth(copy, cdktnOut);
    stacks = readdirSync(join(cdktfOut, 'stacks')).sort();
  }, 180_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the copy really runs CDK Terrain under the name cdktf', () => {
    const resolved = execFileSync('node', ['-p', "require('cdktf/package.json').name + ' ' + require('cdktf/package.json').version + ' ' + require('constructs/package.json').version"], { cwd: copy }).toString().trim();
    expect(resolved).toBe('cdktn 0.24.0 10.7.2');
  });

  it('synthesizes the same stacks', () => {
    expect(readdirSync(join(cdktnOut, 'stacks')).sort()).toEqual(stacks);
    expect(stacks).toEqual(expect.arrayContaining(['pipeline-dev', 'pipeline-prod', 'pipeline-staging', 'state-bootstrap-222222222222', 'state-bootstrap-333333333333']));
  });

  it('each stack is byte-identical except the generator version stamp', () => {
    for (const stack of stacks) {
      const cdktf = stackJson(cdktfOut, stack);
      const cdktn = stackJson(cdktnOut, stack);
      expect(JSON.parse(cdktf)['//'].metadata.version).toBe('0.21.0');
      expect(JSON.parse(cdktn)['//'].metadata.version).toBe('0.24.0');
      const unstamped = (text: string) => text.replace(/"version": "0\.2\d\.\d+"/, '"version": "<generator>"');
      expect({ stack, json: unstamped(cdktn) }).toEqual({ stack, json: unstamped(cdktf) });
    }
  });
});
