import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { loadAllConfigs } from '../../config/load';
import { main as outputs } from '../../tools/commands/outputs';
import { main as state } from '../../tools/commands/state';
import { terraform } from '../../tools/offline-terraform';
import { prepareStack } from '../../tools/stack-workdir';
import { terraformEnv } from '../../tools/terraform-env';
import { startProviderServer, type ProviderServer } from '../helpers/provider-server';

const tf = terraformEnv();
if (!tf.available && process.env.REQUIRE_TERRAFORM === '1') throw new Error(`terraform tests cannot run: ${tf.reason}`);
if (!tf.available) console.warn(`S3 backend tests SKIPPED: ${tf.reason}`);
const describeWithTerraform = tf.available ? describe : describe.skip;

/** The S3 backend, for real, against the local S3 emulator: init, state push, then the state and outputs commands. */
describeWithTerraform('S3 backend against the local S3 emulator', () => {
  const cfg = loadAllConfigs().find((c) => c.state !== null)!;
  const dir = mkdtempSync(join(tmpdir(), 's3-backend-'));
  let s3: S3rver;
  let endpoint: string;
  const captured: string[] = [];
  const write = (s: string) => void captured.push(s);
  // The commands below use the project's own cdktf.out, as `npm run state` does; the first one inits it.
  let initMarker: { path: string; mtimeMs: number };
  // One provider process for the suite's terraform commands, which the commands find through the
  // environment (helpers/provider-server.ts: what it skips, and why that is terraform's part, not ours).
  let provider: ProviderServer | null = null;
  let restoreEnv = () => {};

  beforeAll(async () => {
    s3 = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: join(dir, 's3'),
      configureBuckets: [{ name: cfg.state!.bucket }],
    });
    endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
    provider = await startProviderServer(tf);
    if (provider) restoreEnv = provider.exportToProcessEnv();
  }, 300_000);

  afterAll(async () => {
    restoreEnv();
    await provider?.stop();
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('`npm run state -- pull` before any apply says there is no state yet, exit 1 (not an empty success)', async () => {
    const errors: string[] = [];
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (errors.push(String(s)), true));
    try {
      captured.length = 0;
      expect(await state(['pull', '--env', cfg.environment, '--s3-endpoint', endpoint], write)).toBe(1);
    } finally {
      err.mockRestore();
    }
    expect(captured.join('')).toBe('');
    expect(errors.join('')).toContain(`No state for "${cfg.environment}" yet: the stack was never applied with this backend`);
  }, 300_000);

  it('initialises the configured S3 backend (encrypt, use_lockfile) and stores a pushed state under the environment key', async () => {
    const stack = await prepareStack(cfg.environment, { s3Endpoint: endpoint });
    const marker = join(stack.dir, '.terraform', 'init-inputs.sha256');
    initMarker = { path: marker, mtimeMs: statSync(marker).mtimeMs };
    const stateDoc = {
      version: 4,
      terraform_version: '1.11.4',
      serial: 1,
      lineage: 'c0ffee00-0000-4000-8000-000000000001',
      outputs: {
        queue_url: { value: `https://sqs.${cfg.region}.amazonaws.com/${cfg.accountId}/${cfg.namePrefix}-ingest`, type: 'string' },
        table_name: { value: `${cfg.namePrefix}-objects`, type: 'string' },
      },
      resources: [
        {
          mode: 'managed',
          type: 'aws_sqs_queue',
          name: 'pipeline_queues_queue_18B5AFFD',
          provider: 'provider["registry.terraform.io/hashicorp/aws"]',
          instances: [
            {
              schema_version: 0,
              attributes: { id: 'q', name: `${cfg.namePrefix}-ingest`, visibility_timeout_seconds: 362, sqs_managed_sse_enabled: true },
            },
          ],
        },
      ],
    };
    // Pushed from the test's own folder: nothing is left in cdktf.out.
    writeFileSync(join(dir, 'pushed.tfstate'), JSON.stringify(stateDoc));
    await terraform(['state', 'push', join(dir, 'pushed.tfstate')], stack.dir, stack.env);

    const client = new S3Client({
      region: cfg.region,
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const stored = await client.send(
      new GetObjectCommand({ Bucket: cfg.state!.bucket, Key: `${cfg.state!.keyPrefix}/${cfg.environment}.tfstate` }),
    );
    expect(JSON.parse(await stored.Body!.transformToString())).toMatchObject({
      outputs: { table_name: { value: `${cfg.namePrefix}-objects` } },
      resources: [{ type: 'aws_sqs_queue' }],
    });
  }, 300_000);

  it('reads it back with `npm run state -- list` and `show`', async () => {
    captured.length = 0;
    expect(await state(['list', '--env', cfg.environment, '--s3-endpoint', endpoint], write)).toBe(0);
    expect(captured.join('')).toBe('aws_sqs_queue.pipeline_queues_queue_18B5AFFD\n');
    captured.length = 0;
    expect(
      await state(['show', 'aws_sqs_queue.pipeline_queues_queue_18B5AFFD', '--env', cfg.environment, '--s3-endpoint', endpoint], write),
    ).toBe(0);
    expect(captured.join('')).toMatch(/visibility_timeout_seconds\s+=\s+362/);
    // Same backend, lock file and providers: neither command ran `terraform init` again.
    expect(statSync(initMarker.path).mtimeMs).toBe(initMarker.mtimeMs);
  }, 300_000);

  it('writes outputs/<env>.json with `npm run outputs`', async () => {
    captured.length = 0;
    const file = join(dir, 'outputs.json');
    expect(await outputs(['--env', cfg.environment, '--s3-endpoint', endpoint, '--out', file], write)).toBe(0);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written).toEqual({
      queue_url: `https://sqs.${cfg.region}.amazonaws.com/${cfg.accountId}/${cfg.namePrefix}-ingest`,
      table_name: `${cfg.namePrefix}-objects`,
    });
    expect(JSON.parse(captured.join(''))).toEqual(written);
  }, 300_000);
});
