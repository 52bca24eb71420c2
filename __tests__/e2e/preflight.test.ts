import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { startLocalPipeline, type LocalPipeline } from '../../local/local-pipeline';
import { main as preflight } from '../../tools/commands/preflight';
import { makeConfig } from '../helpers/factories';
import { tempDataDir } from '../helpers/local-env';

/** `npm run preflight -- --local` against a running local pipeline whose config names a state bucket. */
describe('npm run preflight -- --local', () => {
  const data = tempDataDir();
  const env = 'preflit';
  let pipeline: LocalPipeline;
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const code = await preflight(['--env', env, '--local', '--data-dir', data.dir, ...args], (s) => void out.push(s));
    return { code, text: out.join('') };
  };

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      config: makeConfig({ environment: env, state: { bucket: 'tf-state-preflight', region: 'eu-west-1', keyPrefix: 'p' } }),
      dataDir: data.dir,
      sendTestEvent: false,
    });
  }, 120_000);
  afterAll(async () => {
    await pipeline?.stop();
    data.cleanup();
  });

  it('runs the S3 checks on the emulator, skips what has no emulator, and fails on a missing state bucket with the bootstrap command; exit 2', async () => {
    const { code, text } = await run();
    expect(code).toBe(2);
    expect(text).toMatch(/^– skip credentials {9}no local emulator for this service$/m);
    expect(text).toMatch(
      /^✗ fail state-bucket {8}s3:\/\/tf-state-preflight does not exist\n {26}fix: bootstrap it: ONLY_ENV=preflit npx cdktf deploy state-bootstrap-123456789012$/m,
    );
    expect(text).toMatch(
      new RegExp(`^✓ pass bucket-name {9}s3://${pipeline.resources.bucket} exists in account 123456789012 \\(ours\\)$`, 'm'),
    );
    expect(text).toMatch(/^– skip concurrency/m);
    expect(text).toMatch(/^[✓!] (pass|warn) runtime/m);
  }, 60_000);

  it('a state bucket without versioning (the emulator keeps none) still fails, with --json', async () => {
    await pipeline.clients.s3.send(new CreateBucketCommand({ Bucket: 'tf-state-preflight' }));
    const { code, text } = await run('--json');
    expect(code).toBe(2);
    const state = (JSON.parse(text) as { checks: Array<{ id: string; status: string; detail: string }> }).checks.find(
      (c) => c.id === 'state-bucket',
    )!;
    expect(state).toMatchObject({ status: 'fail', detail: expect.stringContaining('versioning is off') });
  }, 60_000);
});
