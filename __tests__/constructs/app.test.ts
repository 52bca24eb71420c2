import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnnotationMetadataEntryType, Testing } from 'cdktf';
import { PROJECT_ROOT } from '../../config/project-root';
import { buildApp } from '../../main';
import { makeConfig } from '../helpers/factories';
import { policyOf, resourcesOf, synthPipeline } from '../helpers/synth';

const ROOT = join(__dirname, '..', '..');

describe('app', () => {
  it('synthesizes a stack per environment, plus a state bootstrap stack per account that uses S3 state', () => {
    const app = buildApp(
      [
        makeConfig({ environment: 'a' }),
        makeConfig({ environment: 'b', state: { bucket: 'tf-state-b', region: 'eu-west-1', keyPrefix: 'x' } }),
      ],
      Testing.app(),
    );
    expect(app.node.children.map((c) => c.node.id)).toEqual(['pipeline-a', 'pipeline-b', 'state-bootstrap-123456789012']);
  });

  it('gives each account its own bootstrap stack: its own provider account, its own buckets, its own state file', () => {
    // Prepare
    const configs = [
      makeConfig({ environment: 'a', accountId: '111111111111', state: { bucket: 'tf-state-a', region: 'eu-west-1', keyPrefix: 'x' } }),
      makeConfig({ environment: 'b', accountId: '222222222222', state: { bucket: 'tf-state-b', region: 'us-east-1', keyPrefix: 'x' } }),
      makeConfig({ environment: 'c', accountId: '222222222222', state: { bucket: 'tf-state-b', region: 'us-east-1', keyPrefix: 'y' } }),
    ];
    // Act
    const app = buildApp(configs, Testing.app(), { localStateDir: '/states' });
    // Assess
    const of = (account: string) => {
      const stack = app.node.findChild(`state-bootstrap-${account}`);
      const parsed = JSON.parse(Testing.synth(stack as never));
      return {
        buckets: resourcesOf({ parsed } as never, 'aws_s3_bucket').map((b) => b.bucket),
        provider: parsed.provider.aws[0] as { allowed_account_ids: string[]; region: string },
        backend: parsed.terraform.backend,
        warnings: stack.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN),
      };
    };
    expect(of('111111111111')).toMatchObject({
      buckets: ['tf-state-a'],
      provider: { allowed_account_ids: ['111111111111'], region: 'eu-west-1' },
      backend: { local: { path: '/states/terraform.state-bootstrap-111111111111.tfstate' } },
      warnings: [],
    });
    expect(of('222222222222')).toMatchObject({
      buckets: ['tf-state-b'],
      provider: { allowed_account_ids: ['222222222222'], region: 'us-east-1' },
      backend: { local: { path: '/states/terraform.state-bootstrap-222222222222.tfstate' } },
      warnings: [],
    });
  });

  it('refuses state buckets of one account in two regions (one provider would create both in the first)', () => {
    const configs = [
      makeConfig({ environment: 'a', state: { bucket: 'tf-state-a', region: 'eu-west-1', keyPrefix: 'x' } }),
      makeConfig({ environment: 'b', state: { bucket: 'tf-state-b', region: 'us-east-1', keyPrefix: 'x' } }),
    ];
    expect(() => buildApp(configs, Testing.app())).toThrow(
      'The state buckets of account 123456789012 are in different regions (a: eu-west-1, b: us-east-1): use one state region per account',
    );
  });

  it('creates a versioned, encrypted, private, TLS-only state bucket with noncurrent expiry', () => {
    const app = buildApp([makeConfig({ state: { bucket: 'tf-state-x', region: 'eu-west-1', keyPrefix: 'x' } })], Testing.app());
    const stack = app.node.findChild('state-bootstrap-123456789012');
    const s = { json: Testing.synth(stack as never), parsed: JSON.parse(Testing.synth(stack as never)), stack: stack as never };
    expect(resourcesOf(s, 'aws_s3_bucket')).toEqual([expect.objectContaining({ bucket: 'tf-state-x', force_destroy: false })]);
    expect(resourcesOf(s, 'aws_s3_bucket_versioning')[0]!.versioning_configuration).toEqual({ status: 'Enabled' });
    expect(resourcesOf(s, 'aws_s3_bucket_server_side_encryption_configuration')).toHaveLength(1);
    expect(resourcesOf(s, 'aws_s3_bucket_public_access_block')[0]).toMatchObject({
      block_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(policyOf(resourcesOf(s, 'aws_s3_bucket_policy')[0]!).Statement[0]!.Sid).toBe('DenyInsecureTransport');
    expect(resourcesOf(s, 'aws_s3_bucket_lifecycle_configuration')[0]!.rule).toEqual([
      expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 90 }] }),
      expect.objectContaining({ id: 'expired-delete-markers', expiration: [{ expired_object_delete_marker: true }] }),
    ]);
    expect(s.parsed.terraform.backend).toEqual({ local: { path: join(PROJECT_ROOT, 'terraform.state-bootstrap-123456789012.tfstate') } });
  });

  it('matches the masked snapshot of the direct-mode stack', () => {
    const masked = synthPipeline(makeConfig())
      .json.replace(/[0-9A-F]{32}/g, '<asset-hash>')
      .replaceAll(PROJECT_ROOT, '<project-root>');
    expect(JSON.parse(masked)).toMatchSnapshot();
  });

  it('keeps source_code_hash identical across two synths of unchanged code', () => {
    execFileSync('node', [join(ROOT, 'scripts', 'build-app.js'), 'main']);
    const hashes = [1, 2].map(() => {
      const out = mkdtempSync(join(tmpdir(), 'synth-'));
      execFileSync('node', [join(ROOT, 'dist', 'main.js')], { env: { ...process.env, CDKTF_OUTDIR: out, ONLY_ENV: 'prod' }, cwd: ROOT });
      const stack = JSON.parse(readFileSync(join(out, 'stacks', 'pipeline-prod', 'cdk.tf.json'), 'utf8'));
      return Object.values(stack.resource.aws_lambda_function as Record<string, { source_code_hash: string }>).map(
        (f) => f.source_code_hash,
      );
    });
    // processor, pusher and (distributed reconcile) reconcile
    expect(hashes[0]).toHaveLength(3);
    expect(hashes[1]).toEqual(hashes[0]);
  });
});
