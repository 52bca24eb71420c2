import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import {
  GetBucketEncryptionCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { ListSubscriptionsByTopicCommand, NotFoundException, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { PipelineConfig } from '../../../../config/types';
import { renderPreflight, runPreflight, type CheckResult } from '../../../../tools/preflight/preflight';
import { makeConfig } from '../../../helpers/factories';

const base = { region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
const cfg = makeConfig({
  environment: 'prod',
  mode: 'pusher',
  alertEmails: ['ops@example.com'],
  state: { bucket: 'tf-state-x', region: 'eu-west-1', keyPrefix: 'p' },
  processor: { maxConcurrency: 50 },
  pusher: { reservedConcurrency: 20 },
});
const s3Error = (status: number, name: string) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });

/** A healthy account for `cfg`; each test breaks one thing. */
function healthy() {
  const clients = {
    sts: new STSClient(base),
    s3: new S3Client(base),
    lambda: new LambdaClient(base),
    sns: new SNSClient(base),
    today: new Date('2026-12-01T00:00:00Z'),
  };
  const sts = mockClient(clients.sts);
  const s3 = mockClient(clients.s3);
  const lambda = mockClient(clients.lambda);
  const sns = mockClient(clients.sns);
  sts.on(GetCallerIdentityCommand).resolves({ Account: cfg.accountId, Arn: `arn:aws:sts::${cfg.accountId}:assumed-role/ci-plan/run` });
  s3.on(HeadBucketCommand, { Bucket: 'tf-state-x' }).resolves({});
  s3.on(HeadBucketCommand, { Bucket: `ingest-test-uploads-${cfg.accountId}` }).rejects(s3Error(404, 'NotFound'));
  s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
  s3.on(GetBucketEncryptionCommand).resolves({
    ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
  });
  lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
  lambda.on(GetFunctionConcurrencyCommand).rejects(new ResourceNotFoundException({ $metadata: {}, message: 'no function' }));
  sns.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: [
      { Protocol: 'email', Endpoint: 'ops@example.com', SubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:ingest-test-alerts:1' },
    ],
  });
  return { clients, sts, s3, lambda, sns };
}

const byId = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r]));
const run = async (h: ReturnType<typeof healthy>, config: PipelineConfig = cfg) => byId(await runPreflight(config, h.clients));

describe('npm run preflight: what makes a first apply fail', () => {
  it('passes a healthy account (the default nodejs22.x warns: deprecated within six months of 2026-12-01)', async () => {
    const r = await run(healthy());
    expect(Object.fromEntries(Object.entries(r).map(([id, x]) => [id, x.status]))).toEqual({
      credentials: 'pass',
      'state-bucket': 'pass',
      'bucket-name': 'pass',
      concurrency: 'pass',
      'alert-subscriptions': 'pass',
      runtime: 'warn',
    });
    expect(r.concurrency!.detail).toBe(
      "ingest-test-processor 50 + ingest-test-pusher 20 reserved of the account's 1000; 1000 unreserved now, 930 left",
    );
  });

  it('credentials of another account: fails, and checks nothing else in that account', async () => {
    const h = healthy();
    h.sts.on(GetCallerIdentityCommand).resolves({ Account: '999999999999', Arn: 'arn:aws:iam::999999999999:user/me' });
    const r = await run(h);
    expect(r.credentials).toMatchObject({
      status: 'fail',
      detail: 'the credentials are for account 999999999999 (arn:aws:iam::999999999999:user/me), the config for 123456789012',
    });
    expect(r['state-bucket']!.status).toBe('skip');
    expect(h.s3.calls()).toHaveLength(0);
  });

  it.each([
    [
      'missing',
      (h: ReturnType<typeof healthy>) => h.s3.on(HeadBucketCommand, { Bucket: 'tf-state-x' }).rejects(s3Error(404, 'NotFound')),
      /^s3:\/\/tf-state-x does not exist$/,
      /ONLY_ENV=prod npx cdktf deploy state-bootstrap-123456789012/,
    ],
    [
      'another account’s',
      (h: ReturnType<typeof healthy>) => h.s3.on(HeadBucketCommand, { Bucket: 'tf-state-x' }).rejects(s3Error(403, 'Forbidden')),
      /is not readable as account 123456789012's/,
      /another account/,
    ],
    [
      'unversioned',
      (h: ReturnType<typeof healthy>) => h.s3.on(GetBucketVersioningCommand).resolves({}),
      /versioning is off/,
      /turn on versioning/,
    ],
    [
      'unencrypted',
      (h: ReturnType<typeof healthy>) =>
        h.s3.on(GetBucketEncryptionCommand).rejects(s3Error(404, 'ServerSideEncryptionConfigurationNotFoundError')),
      /no default encryption/,
      /encryption/,
    ],
  ])('state bucket %s: fails with the fix', async (_, breakIt, detail, fix) => {
    const h = healthy();
    breakIt(h);
    expect((await run(h))['state-bucket']).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(detail),
      fix: expect.stringMatching(fix),
    });
  });

  it('uploads bucket name taken by another account: fails (names are global); ours: passes', async () => {
    const h = healthy();
    h.s3.on(HeadBucketCommand, { Bucket: `ingest-test-uploads-${cfg.accountId}` }).rejects(s3Error(403, 'Forbidden'));
    expect((await run(h))['bucket-name']).toMatchObject({ status: 'fail', fix: 'change namePrefix' });
    h.s3.on(HeadBucketCommand, { Bucket: `ingest-test-uploads-${cfg.accountId}` }).resolves({});
    expect((await run(h))['bucket-name']).toMatchObject({ status: 'pass', detail: expect.stringContaining('(ours)') });
  });

  it('a new account with a concurrency limit of 50: fails, naming the quota to raise', async () => {
    const h = healthy();
    h.lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 50, UnreservedConcurrentExecutions: 50 } });
    expect((await run(h)).concurrency).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('only -20 would stay unreserved, Lambda requires 100'),
      fix: expect.stringContaining('Service Quotas'),
    });
  });

  it('counts the reconcile function when the environment reconciles on Step Functions', async () => {
    const h = healthy();
    h.lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
    const distributed = makeConfig({ ...cfg, reconcile: { distributed: true, maxConcurrency: 300 } });
    expect((await run(h, distributed)).concurrency).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('ingest-test-reconcile 300 reserved of the account'),
    });
    h.lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 400, UnreservedConcurrentExecutions: 400 } });
    expect((await run(h, distributed)).concurrency).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('reconcile.maxConcurrency'),
    });
  });

  it('a redeploy gives back what the functions already reserve before counting', async () => {
    const h = healthy();
    h.lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 100 } });
    h.lambda.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 35 });
    expect((await run(h)).concurrency).toMatchObject({ status: 'pass', detail: expect.stringContaining('100 left') });
  });

  it('an alert address that never confirmed: fails; before the first deploy (no topic): skipped', async () => {
    const h = healthy();
    h.sns
      .on(ListSubscriptionsByTopicCommand)
      .resolves({ Subscriptions: [{ Protocol: 'email', Endpoint: 'ops@example.com', SubscriptionArn: 'PendingConfirmation' }] });
    expect((await run(h))['alert-subscriptions']).toMatchObject({
      status: 'fail',
      detail: 'not confirmed: ops@example.com (alarms reach nobody there)',
    });
    h.sns.on(ListSubscriptionsByTopicCommand).rejects(new NotFoundException({ $metadata: {}, message: 'Topic does not exist' }));
    expect((await run(h))['alert-subscriptions']).toMatchObject({
      status: 'skip',
      detail: expect.stringContaining('after the first deploy'),
    });
  });

  it('a deprecated runtime fails; one within 6 months of deprecation warns, with the config to change', async () => {
    const h = healthy();
    const on22 = { ...cfg, runtime: 'nodejs22.x' };
    h.clients.today = new Date('2027-05-01T00:00:00Z');
    expect((await run(h, on22)).runtime).toMatchObject({ status: 'fail', detail: 'nodejs22.x was deprecated on 2027-04-30' });
    h.clients.today = new Date('2026-12-01T00:00:00Z');
    expect((await run(h, on22)).runtime).toMatchObject({
      status: 'warn',
      detail: 'nodejs22.x is deprecated on 2027-04-30, in 150 days',
      fix: expect.stringContaining('"runtime" in config/prod.json'),
    });
    h.clients.today = new Date('2026-06-01T00:00:00Z');
    expect((await run(h, on22)).runtime).toMatchObject({ status: 'pass' });
  });

  it('an unreachable service is a failed check with the error, not a wrong verdict', async () => {
    const h = healthy();
    h.s3.on(HeadBucketCommand).rejects(Object.assign(new Error('getaddrinfo ENOTFOUND s3.eu-west-1.amazonaws.com'), { name: 'Error' }));
    expect((await run(h))['bucket-name']).toMatchObject({
      status: 'fail',
      detail: 'could not check (Error: getaddrinfo ENOTFOUND s3.eu-west-1.amazonaws.com)',
    });
  });

  it('renders one line per check, with the fix under each failure', async () => {
    const h = healthy();
    h.lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    const text = renderPreflight(cfg, await runPreflight(cfg, h.clients), 'AWS');
    expect(text.split('\n').filter((l) => /^[✓!✗–] /.test(l))).toHaveLength(6);
    expect(text).toMatch(/✗ fail concurrency .*\n {26}fix: ask for more "Concurrent executions"/);
    expect(text).toMatch(/1 check\(s\) failed/);
  });
});
