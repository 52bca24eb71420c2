import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { GetBucketEncryptionCommand, GetBucketVersioningCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { ListSubscriptionsByTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { processorReservedConcurrency, resourceNames } from '../../config/derive';
import { runtimeStatus } from '../../config/runtimes';
import type { PipelineConfig } from '../../config/types';
import { partitionOf } from '../../constructs/policy-document';
import { stateBootstrapStackId } from '../../stacks/state-bootstrap-stack';

/** Lambda keeps at least this much of the account's concurrency unreserved (PutFunctionConcurrency refuses less). */
export const MIN_UNRESERVED_CONCURRENCY = 100;

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: 'credentials' | 'state-bucket' | 'concurrency' | 'bucket-name' | 'alert-subscriptions' | 'runtime';
  status: CheckStatus;
  detail: string;
  /** What to do about a `fail` or `warn`. */
  fix?: string;
}

/** The clients the checks call (read-only calls only); absent ones are skipped with the reason. */
export interface PreflightClients {
  sts?: STSClient;
  s3?: S3Client;
  lambda?: LambdaClient;
  sns?: SNSClient;
  /** Why the absent clients are absent (e.g. "no local emulator"). */
  missingReason?: string;
  /** Today, for the runtime's dates. */
  today?: Date;
}

const httpStatus = (e: unknown): number | undefined => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const errorName = (e: unknown): string => (e as { name?: string }).name ?? 'Error';
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const skipped = (id: CheckResult['id'], c: PreflightClients): CheckResult => ({
  id,
  status: 'skip',
  detail: c.missingReason ?? 'no client',
});

async function credentials(cfg: PipelineConfig, c: PreflightClients): Promise<CheckResult> {
  if (!c.sts) return skipped('credentials', c);
  try {
    const who = await c.sts.send(new GetCallerIdentityCommand({}));
    if (who.Account === cfg.accountId) return { id: 'credentials', status: 'pass', detail: `${who.Arn} in account ${who.Account}` };
    return {
      id: 'credentials',
      status: 'fail',
      detail: `the credentials are for account ${who.Account} (${who.Arn}), the config for ${cfg.accountId}`,
      fix: `use credentials of account ${cfg.accountId} (AWS_PROFILE=…); the provider refuses any other account`,
    };
  } catch (e) {
    return {
      id: 'credentials',
      status: 'fail',
      detail: `no usable credentials: ${message(e)}`,
      fix: 'set AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run in CI with the plan role',
    };
  }
}

async function stateBucket(cfg: PipelineConfig, c: PreflightClients): Promise<CheckResult> {
  if (cfg.state === null) return { id: 'state-bucket', status: 'skip', detail: 'local state ("state": null)' };
  if (!c.s3) return skipped('state-bucket', c);
  const Bucket = cfg.state.bucket;
  const bootstrap = `ONLY_ENV=${cfg.environment} npx cdktf deploy ${stateBootstrapStackId(cfg.accountId)}`;
  try {
    await c.s3.send(new HeadBucketCommand({ Bucket, ExpectedBucketOwner: cfg.accountId }));
  } catch (e) {
    if (httpStatus(e) === 404)
      return { id: 'state-bucket', status: 'fail', detail: `s3://${Bucket} does not exist`, fix: `bootstrap it: ${bootstrap}` };
    if (httpStatus(e) !== 403) throw e;
    return {
      id: 'state-bucket',
      status: 'fail',
      detail: `s3://${Bucket} is not readable as account ${cfg.accountId}'s (${errorName(e)})`,
      fix: 'it belongs to another account, or the credentials lack s3:ListBucket on it: pick another state.bucket, or fix the role',
    };
  }
  const problems: string[] = [];
  const versioning = await c.s3.send(new GetBucketVersioningCommand({ Bucket, ExpectedBucketOwner: cfg.accountId }));
  if (versioning.Status !== 'Enabled')
    problems.push(`versioning is ${versioning.Status ?? 'off'} (a corrupted state cannot be rolled back)`);
  try {
    const encryption = await c.s3.send(new GetBucketEncryptionCommand({ Bucket, ExpectedBucketOwner: cfg.accountId }));
    if (!encryption.ServerSideEncryptionConfiguration?.Rules?.length) problems.push('no default encryption');
  } catch (e) {
    problems.push(
      errorName(e) === 'ServerSideEncryptionConfigurationNotFoundError'
        ? 'no default encryption'
        : `default encryption could not be read (${errorName(e)})`,
    );
  }
  if (problems.length > 0)
    return {
      id: 'state-bucket',
      status: 'fail',
      detail: `s3://${Bucket}: ${problems.join('; ')}`,
      fix: `create it with the bootstrap stack (${bootstrap}), or turn on versioning and default encryption`,
    };
  return { id: 'state-bucket', status: 'pass', detail: `s3://${Bucket} exists, versioned and encrypted` };
}

async function concurrency(cfg: PipelineConfig, c: PreflightClients): Promise<CheckResult> {
  if (!c.lambda) return skipped('concurrency', c);
  const n = resourceNames(cfg);
  const wanted = [
    { name: n.processor, reserved: processorReservedConcurrency(cfg) },
    ...(cfg.mode === 'pusher' ? [{ name: n.pusher, reserved: cfg.pusher.reservedConcurrency }] : []),
    ...(cfg.reconcile.distributed ? [{ name: n.reconcileFunction, reserved: cfg.reconcile.maxConcurrency }] : []),
  ];
  const settings = await c.lambda.send(new GetAccountSettingsCommand({}));
  const limit = settings.AccountLimit?.ConcurrentExecutions ?? 0;
  const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions ?? 0;
  // What our functions already hold (a redeploy) is given back before it is taken again.
  let held = 0;
  for (const f of wanted) {
    try {
      held += (await c.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: f.name }))).ReservedConcurrentExecutions ?? 0;
    } catch (e) {
      if (errorName(e) !== 'ResourceNotFoundException') throw e;
    }
  }
  const asked = wanted.reduce((sum, f) => sum + f.reserved, 0);
  const left = unreserved + held - asked;
  const what = `${wanted.map((f) => `${f.name} ${f.reserved}`).join(' + ')} reserved of the account's ${limit}; ${unreserved} unreserved now`;
  if (left >= MIN_UNRESERVED_CONCURRENCY) return { id: 'concurrency', status: 'pass', detail: `${what}, ${left} left` };
  return {
    id: 'concurrency',
    status: 'fail',
    detail: `${what}: only ${left} would stay unreserved, Lambda requires ${MIN_UNRESERVED_CONCURRENCY} (new accounts often have a limit of 10 or 50)`,
    fix: 'ask for more "Concurrent executions" (Service Quotas → AWS Lambda), or lower processor.reservedConcurrency / processor.maxConcurrency (and pusher.reservedConcurrency, reconcile.maxConcurrency)',
  };
}

async function bucketName(cfg: PipelineConfig, c: PreflightClients): Promise<CheckResult> {
  if (!c.s3) return skipped('bucket-name', c);
  const Bucket = resourceNames(cfg).bucket;
  try {
    await c.s3.send(new HeadBucketCommand({ Bucket, ExpectedBucketOwner: cfg.accountId }));
    return { id: 'bucket-name', status: 'pass', detail: `s3://${Bucket} exists in account ${cfg.accountId} (ours)` };
  } catch (e) {
    if (httpStatus(e) === 404) return { id: 'bucket-name', status: 'pass', detail: `s3://${Bucket} is free` };
    if (httpStatus(e) !== 403) throw e;
    return {
      id: 'bucket-name',
      status: 'fail',
      detail: `s3://${Bucket} exists and is not account ${cfg.accountId}'s (${errorName(e)}): bucket names are global`,
      fix: 'change namePrefix',
    };
  }
}

async function alertSubscriptions(cfg: PipelineConfig, c: PreflightClients): Promise<CheckResult> {
  if (cfg.alertEmails.length === 0)
    return {
      id: 'alert-subscriptions',
      status: cfg.deploy ? 'fail' : 'skip',
      detail: 'no alertEmails configured',
      fix: cfg.deploy ? 'add alertEmails' : undefined,
    };
  if (!c.sns) return skipped('alert-subscriptions', c);
  const TopicArn = `arn:${partitionOf(cfg.region)}:sns:${cfg.region}:${cfg.accountId}:${resourceNames(cfg).topic}`;
  const subscriptions: Array<{ Endpoint?: string; Protocol?: string; SubscriptionArn?: string }> = [];
  try {
    let NextToken: string | undefined;
    do {
      const page = await c.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn, NextToken }));
      subscriptions.push(...(page.Subscriptions ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
  } catch (e) {
    if (errorName(e) === 'NotFoundException' || errorName(e) === 'NotFound')
      return { id: 'alert-subscriptions', status: 'skip', detail: `${TopicArn} does not exist yet: check again after the first deploy` };
    throw e;
  }
  const pending = cfg.alertEmails.filter(
    (email) => !subscriptions.some((s) => s.Protocol === 'email' && s.Endpoint === email && s.SubscriptionArn?.startsWith('arn:')),
  );
  if (pending.length === 0) return { id: 'alert-subscriptions', status: 'pass', detail: `${cfg.alertEmails.length} address(es) confirmed` };
  return {
    id: 'alert-subscriptions',
    status: 'fail',
    detail: `not confirmed: ${pending.join(', ')} (alarms reach nobody there)`,
    fix: 'click the link in the mail "AWS Notification - Subscription Confirmation" (or re-deploy to send it again)',
  };
}

function runtime(cfg: PipelineConfig, c: PreflightClients): CheckResult {
  const r = runtimeStatus(cfg.runtime, c.today);
  const fix = `set "runtime" in config/${cfg.environment}.json to the newest Node.js runtime (config/runtimes.ts lists them)`;
  if (r.status === 'supported') return { id: 'runtime', status: 'pass', detail: r.detail };
  return { id: 'runtime', status: r.status === 'deprecating' ? 'warn' : 'fail', detail: r.detail, fix };
}

/** Every check, in the order a first apply would meet the problems; a check that throws is a `fail` with the error. */
export async function runPreflight(cfg: PipelineConfig, clients: PreflightClients): Promise<CheckResult[]> {
  const checks: Array<[CheckResult['id'], () => Promise<CheckResult> | CheckResult]> = [
    ['credentials', () => credentials(cfg, clients)],
    ['state-bucket', () => stateBucket(cfg, clients)],
    ['bucket-name', () => bucketName(cfg, clients)],
    ['concurrency', () => concurrency(cfg, clients)],
    ['alert-subscriptions', () => alertSubscriptions(cfg, clients)],
    ['runtime', () => runtime(cfg, clients)],
  ];
  const results: CheckResult[] = [];
  for (const [id, check] of checks) {
    // Without the right account's credentials, every call below would only repeat that failure.
    if (id !== 'runtime' && results[0]?.id === 'credentials' && results[0].status === 'fail') {
      results.push({ id, status: 'skip', detail: 'not checked: no usable credentials for the account' });
      continue;
    }
    try {
      results.push(await check());
    } catch (e) {
      results.push({
        id,
        status: 'fail',
        detail: `could not check (${errorName(e)}: ${message(e)})`,
        fix: "check network access to AWS and the credentials' read permissions (npm run preflight -- --help lists them)",
      });
    }
  }
  return results;
}

const MARK: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗', skip: '–' };

/** One line per check, the fix indented under it. */
export function renderPreflight(cfg: PipelineConfig, results: CheckResult[], where: string): string {
  const lines = [`Preflight of "${cfg.environment}" (account ${cfg.accountId}, ${cfg.region}, ${where})`];
  for (const r of results) {
    lines.push(`${MARK[r.status]} ${r.status.padEnd(4)} ${r.id.padEnd(19)} ${r.detail}`);
    if (r.fix && (r.status === 'fail' || r.status === 'warn')) lines.push(`${' '.repeat(26)}fix: ${r.fix}`);
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  lines.push(
    failed === 0 ? 'Ready for a first apply.' : `${failed} check(s) failed: a first apply would fail or leave the pipeline unwatched.`,
  );
  return `${lines.join('\n')}\n`;
}
