import { readFileSync } from 'node:fs';
import { PROVIDER_LOCK_FILE } from '../../../stacks/provider-lock';
import { LOCK_PLATFORMS } from '../../../tools/commands/lock-providers';

const lock = readFileSync(PROVIDER_LOCK_FILE, 'utf8');
const hashes = [...lock.matchAll(/"((h1|zh):[^"]+)"/g)].map((m) => m[1]!);

/**
 * `-lockfile=readonly` refuses a provider package none of whose hashes is in the file. The `h1:`
 * hash of the unpacked provider is platform-specific; the `zh:` hashes are those of each
 * platform's release zip (HashiCorp's SHA256SUMS of 5.100.0), which terraform checks on a registry
 * download: with all of them, init works on linux_arm64 runners and macOS laptops too.
 * (That the linux_amd64 h1 matches the local mirror is proven by the terraform suite's readonly init.)
 */
describe('.terraform.lock.hcl', () => {
  it('pins hashicorp/aws 5.100.0, the version @cdktf/provider-aws 20.1.0 is generated from', () => {
    expect(lock).toMatch(
      /provider "registry\.terraform\.io\/hashicorp\/aws" \{\n {2}version {5}= "5\.100\.0"\n {2}constraints = "5\.100\.0"/,
    );
    expect(lock.match(/^provider /gm)).toHaveLength(1);
  });

  it('lists the zh: hash of every platform’s release zip, so the people’s platforms install with -lockfile=readonly', () => {
    const zh = hashes.filter((h) => h.startsWith('zh:'));
    expect(zh).toHaveLength(15);
    for (const h of zh) expect(h).toMatch(/^zh:[0-9a-f]{64}$/);
    expect(new Set(zh).size).toBe(zh.length);
    expect(LOCK_PLATFORMS.sort()).toEqual(['darwin_amd64', 'darwin_arm64', 'linux_amd64', 'linux_arm64']);
  });

  it('lists the h1: hashes of linux_amd64 (CI, the local mirror) and darwin_arm64', () => {
    expect(hashes).toEqual(
      expect.arrayContaining(['h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0=', 'h1:Ijt7pOlB7Tr7maGQIqtsLFbl7pSMIj06TVdkoSBcYOw=']),
    );
    for (const h of hashes.filter((x) => x.startsWith('h1:'))) expect(h).toMatch(/^h1:[A-Za-z0-9+/]{43}=$/);
  });
});
