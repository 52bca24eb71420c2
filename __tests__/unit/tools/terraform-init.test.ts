import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initIfChanged } from '../../../tools/terraform-init';

/**
 * A stand-in `terraform` on PATH that records each call and, for `init`, creates what a real init
 * leaves behind (`.terraform/terraform.tfstate`, and `.terraform/providers` unless every provider is
 * unmanaged, as a real init does) — or fails when told to.
 */
function fakeTerraform(root: string): { env: NodeJS.ProcessEnv; calls: () => string[] } {
  const bin = join(root, 'bin');
  const log = join(root, 'calls.log');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'terraform'),
    `#!/bin/sh\necho "$*" >> ${log}\n[ -f FAIL_INIT ] && exit 1\n[ -n "$TF_REATTACH_PROVIDERS" ] || mkdir -p .terraform/providers\nmkdir -p .terraform && echo '{}' > .terraform/terraform.tfstate\n`,
  );
  chmodSync(join(bin, 'terraform'), 0o755);
  appendFileSync(log, '');
  return { env: { PATH: `${bin}:${process.env.PATH}` }, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

describe('terraform init only when its inputs change', () => {
  let root: string;
  let dir: string;
  let tf: ReturnType<typeof fakeTerraform>;
  const stack = (backend: Record<string, unknown>) =>
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify({ terraform: { backend }, resource: { x: { y: {} } } }));
  const init = (flags = ['-input=false']) => initIfChanged(dir, flags, tf.env, '1.11.4');

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tf-init-'));
    dir = join(root, 'stack');
    mkdirSync(dir);
    tf = fakeTerraform(root);
    stack({ s3: { bucket: 'state', key: 'dev.tfstate' } });
    writeFileSync(join(dir, '.terraform.lock.hcl'), 'provider "registry.terraform.io/hashicorp/aws" { version = "5.100.0" }\n');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('inits once for the same backend, lock file, overrides and flags; resources do not count', async () => {
    // Act
    const first = await init();
    writeFileSync(
      join(dir, 'cdk.tf.json'),
      JSON.stringify({ terraform: { backend: { s3: { bucket: 'state', key: 'dev.tfstate' } } }, resource: { x: { z: {} } } }),
    );
    const second = await init();
    // Assess
    expect([first, second]).toEqual(['initialised', 'unchanged']);
    expect(tf.calls()).toEqual(['init -input=false -no-color']);
  });

  it('inits again when the backend, the lock file, an override file or the flags change', async () => {
    // Act
    await init();
    stack({ s3: { bucket: 'other', key: 'dev.tfstate' } });
    const backendChanged = await init();
    writeFileSync(join(dir, '.terraform.lock.hcl'), 'provider "registry.terraform.io/hashicorp/aws" { version = "5.99.0" }\n');
    const lockChanged = await init();
    writeFileSync(
      join(dir, 'backend_endpoint_override.tf.json'),
      '{"terraform":{"backend":{"s3":{"endpoints":{"s3":"http://127.0.0.1:1"}}}}}',
    );
    const overrideAdded = await init();
    const flagsChanged = await init(['-input=false', '-lockfile=readonly']);
    // Assess
    expect([backendChanged, lockChanged, overrideAdded, flagsChanged]).toEqual([
      'initialised',
      'initialised',
      'initialised',
      'initialised',
    ]);
    expect(tf.calls()).toHaveLength(5);
  });

  it('inits again when .terraform is gone, and after an init that failed', async () => {
    // Act
    await init();
    rmSync(join(dir, '.terraform'), { recursive: true });
    const afterRemoval = await init();
    stack({ local: { path: 'offline.tfstate' } });
    writeFileSync(join(dir, 'FAIL_INIT'), '');
    await expect(init()).rejects.toThrow(/terraform init/);
    rmSync(join(dir, 'FAIL_INIT'));
    stack({ s3: { bucket: 'state', key: 'dev.tfstate' } });
    const afterFailure = await init();
    // Assess: the failed init may have half-changed .terraform, so the original inputs init again.
    expect([afterRemoval, afterFailure]).toEqual(['initialised', 'initialised']);
    expect(existsSync(join(dir, '.terraform', 'init-inputs.sha256'))).toBe(true);
    expect(tf.calls()).toHaveLength(4);
  });

  it('unmanaged providers (TF_REATTACH_PROVIDERS): no providers folder needed, and a normal run inits again', async () => {
    // Arrange
    const reattach = JSON.stringify({
      'registry.terraform.io/hashicorp/aws': {
        Protocol: 'grpc',
        ProtocolVersion: 5,
        Pid: 1,
        Test: true,
        Addr: { Network: 'unix', String: '/tmp/plugin1' },
      },
    });
    const withServer = { ...tf.env, TF_REATTACH_PROVIDERS: reattach };
    const withOtherServer = { ...tf.env, TF_REATTACH_PROVIDERS: reattach.replace('plugin1', 'plugin2').replace('"Pid":1', '"Pid":2') };
    // Act
    const first = await initIfChanged(dir, ['-input=false'], withServer, '1.11.4');
    const providersFolder = existsSync(join(dir, '.terraform', 'providers'));
    const anotherServer = await initIfChanged(dir, ['-input=false'], withOtherServer, '1.11.4');
    const normal = await init();
    // Assess: which process serves the provider does not matter to init; whether one does, does.
    expect([first, providersFolder, anotherServer, normal]).toEqual(['initialised', false, 'unchanged', 'initialised']);
    expect(existsSync(join(dir, '.terraform', 'providers'))).toBe(true);
  });

  it('refuses a TF_REATTACH_PROVIDERS that is not JSON', async () => {
    await expect(initIfChanged(dir, ['-input=false'], { ...tf.env, TF_REATTACH_PROVIDERS: 'aws=1' }, '1.11.4')).rejects.toThrow(
      'TF_REATTACH_PROVIDERS is not JSON: aws=1',
    );
  });
});
