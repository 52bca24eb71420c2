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
 * The fork is a dev dependency under the alias `cdk-terrain` (`npm ci` installs it; no network at test
 * time), and `constructs` resolves to 10.7.2, inside both its and cdktf's peer ranges. The swap happens
 * in a copy: sources copied, node_modules hard-linked (fast, same disk), then `node_modules/cdktf`
 * replaced by the installed fork.
 */
const CACHE = join(PROJECT_ROOT, '.build', 'cdk-terrain');
const FORK = join(PROJECT_ROOT, 'node_modules', 'cdk-terrain');
const SOURCES = [
  'main.ts',
  'config',
  'constructs',
  'stacks',
  'guardrails',
  'src',
  'bundling',
  'scripts',
  'package.json',
  'tsconfig.json',
  '.terraform.lock.hcl',
];

function synth(root: string, outdir: string): void {
  execFileSync('node', [join(root, 'scripts', 'build-app.js'), 'main'], { cwd: root });
  // Both name the same local state folder: the absolute path would otherwise differ by checkout.
  execFileSync('node', [join(root, 'dist', 'main.js')], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: outdir, LOCAL_STATE_DIR: PROJECT_ROOT },
    stdio: 'ignore',
  });
}

const stackJson = (outdir: string, stack: string) => readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8');

describe('CDK Terrain (cdktn 0.24.0) synthesizes the same Terraform JSON as cdktf 0.21.0', () => {
  const work = join(CACHE, `work-${process.pid}`);
  const copy = join(work, 'project');
  const cdktfOut = join(work, 'out-cdktf');
  const cdktnOut = join(work, 'out-cdktn');
  let stacks: string[];

  beforeAll(() => {
    if (!existsSync(join(FORK, 'package.json')))
      throw new Error('node_modules/cdk-terrain is missing: run npm ci (it is a dev dependency, cdk-terrain@npm:cdktn)');
    rmSync(work, { recursive: true, force: true });
    mkdirSync(copy, { recursive: true });
    for (const f of SOURCES) cpSync(join(PROJECT_ROOT, f), join(copy, f), { recursive: true });
    execFileSync('cp', ['-al', join(PROJECT_ROOT, 'node_modules'), join(copy, 'node_modules')]);
    rmSync(join(copy, 'node_modules', 'cdktf'), { recursive: true, force: true });
    cpSync(FORK, join(copy, 'node_modules', 'cdktf'), { recursive: true });
    synth(PROJECT_ROOT, cdktfOut);
    synth(copy, cdktnOut);
    stacks = readdirSync(join(cdktfOut, 'stacks')).sort();
  }, 180_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the copy really runs CDK Terrain under the name cdktf', () => {
    const resolved = execFileSync(
      'node',
      [
        '-p',
        "require('cdktf/package.json').name + ' ' + require('cdktf/package.json').version + ' ' + require('constructs/package.json').version",
      ],
      { cwd: copy },
    )
      .toString()
      .trim();
    expect(resolved).toBe('cdktn 0.24.0 10.7.2');
  });

  it('synthesizes the same stacks', () => {
    expect(readdirSync(join(cdktnOut, 'stacks')).sort()).toEqual(stacks);
    expect(stacks).toEqual(
      expect.arrayContaining([
        'pipeline-dev',
        'pipeline-prod',
        'pipeline-staging',
        'state-bootstrap-222222222222',
        'state-bootstrap-333333333333',
      ]),
    );
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
