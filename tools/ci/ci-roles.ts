import { resourceNames, stateKey } from '../../config/derive';
import type { PipelineConfig, StateConfig } from '../../config/types';
import { partitionOf } from '../../constructs/policy-document';

/**
 * The IAM roles CI assumes in an environment's account, as documents an operator creates once
 * (`npm run ci-roles -- --env NAME --repo OWNER/REPO`). Two per environment, each trusted only by
 * one GitHub environment of one repository through GitHub's OIDC provider:
 *
 * - the plan role, in GitHub environment `plan-<env>` (no reviewers): what `terraform plan` of the
 *   stack reads to refresh each resource, read-only and scoped to the environment's names; state read,
 *   and write only of the lock object (`<key>.tflock`), which deploy plans take and PR/drift plans don't;
 * - the apply role, in GitHub environment `<env>` (required reviewers): what creating the stack needs.
 */

export interface IamStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: IamStatement[];
}

type Deployed = PipelineConfig & { state: StateConfig };

/** The GitHub environment that holds an environment's plan role, and the one (with reviewers) that holds its apply role. */
export const githubEnvironments = (environment: string): { plan: string; apply: string } => ({
  plan: `plan-${environment}`,
  apply: environment,
});

/** Role names, under the environment's name prefix. */
export const ciRoleNames = (cfg: Pick<PipelineConfig, 'namePrefix'>): { plan: string; apply: string } => ({
  plan: `${cfg.namePrefix}-ci-plan`,
  apply: `${cfg.namePrefix}-ci-apply`,
});

/** GitHub's OIDC token issuer, as IAM names it. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/**
 * Trust policy of a CI role: GitHub's OIDC provider in this account, for jobs of `repo` that run in
 * GitHub environment `githubEnvironment` (the token's `sub` is then `repo:<repo>:environment:<name>`,
 * whatever the branch or event: the environment's own protection rules decide who gets there).
 */
export function githubTrustPolicy(
  cfg: Pick<PipelineConfig, 'accountId' | 'region'>,
  repo: string,
  githubEnvironment: string,
): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GitHubEnvironment',
        Effect: 'Allow',
        Principal: { Federated: `arn:${partitionOf(cfg.region)}:iam::${cfg.accountId}:oidc-provider/${GITHUB_OIDC_HOST}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
            [`${GITHUB_OIDC_HOST}:sub`]: `repo:${repo}:environment:${githubEnvironment}`,
          },
        },
      },
    ],
  };
}

/**
 * What `terraform plan` reads to refresh each resource type the stacks use (the AWS provider's read
 * calls, as IAM actions). A stack with a type missing here fails its test: add the type's reads.
 * Object-level S3 actions are absent on purpose: a plan never reads uploaded objects.
 */
export const PLAN_READS: Record<
  string,
  { service: 's3' | 'sqs' | 'dynamodb' | 'lambda' | 'iam' | 'logs' | 'cloudwatch' | 'sns' | 'kms' | 'events' | 'states'; actions: string[] }
> = {
  aws_s3_bucket: {
    service: 's3',
    actions: [
      's3:ListBucket',
      's3:GetBucket*',
      's3:GetAccelerateConfiguration',
      's3:GetLifecycleConfiguration',
      's3:GetReplicationConfiguration',
      's3:GetEncryptionConfiguration',
    ],
  },
  aws_s3_bucket_lifecycle_configuration: { service: 's3', actions: ['s3:GetLifecycleConfiguration'] },
  aws_s3_bucket_logging: { service: 's3', actions: ['s3:GetBucketLogging'] },
  aws_s3_bucket_notification: { service: 's3', actions: ['s3:GetBucketNotification'] },
  aws_s3_bucket_ownership_controls: { service: 's3', actions: ['s3:GetBucketOwnershipControls'] },
  aws_s3_bucket_policy: { service: 's3', actions: ['s3:GetBucketPolicy'] },
  aws_s3_bucket_public_access_block: { service: 's3', actions: ['s3:GetBucketPublicAccessBlock'] },
  aws_s3_bucket_server_side_encryption_configuration: { service: 's3', actions: ['s3:GetEncryptionConfiguration'] },
  aws_s3_bucket_versioning: { service: 's3', actions: ['s3:GetBucketVersioning'] },
  aws_s3_bucket_inventory: { service: 's3', actions: ['s3:GetInventoryConfiguration'] },
  aws_sqs_queue: { service: 'sqs', actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ListQueueTags'] },
  aws_sqs_queue_policy: { service: 'sqs', actions: ['sqs:GetQueueAttributes'] },
  aws_sqs_queue_redrive_allow_policy: { service: 'sqs', actions: ['sqs:GetQueueAttributes'] },
  aws_dynamodb_table: {
    service: 'dynamodb',
    actions: ['dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:DescribeTimeToLive', 'dynamodb:ListTagsOfResource'],
  },
  aws_lambda_function: {
    service: 'lambda',
    actions: [
      'lambda:GetFunction',
      'lambda:GetFunctionConfiguration',
      'lambda:GetFunctionCodeSigningConfig',
      'lambda:GetFunctionConcurrency',
      'lambda:GetRuntimeManagementConfig',
      'lambda:ListVersionsByFunction',
      'lambda:ListTags',
    ],
  },
  aws_lambda_event_source_mapping: { service: 'lambda', actions: ['lambda:GetEventSourceMapping'] },
  aws_lambda_function_event_invoke_config: { service: 'lambda', actions: ['lambda:GetFunctionEventInvokeConfig'] },
  aws_lambda_permission: { service: 'lambda', actions: ['lambda:GetPolicy'] },
  aws_iam_role: { service: 'iam', actions: ['iam:GetRole', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies'] },
  aws_iam_role_policy: { service: 'iam', actions: ['iam:GetRolePolicy'] },
  aws_cloudwatch_log_group: { service: 'logs', actions: ['logs:DescribeLogGroups', 'logs:ListTagsForResource'] },
  aws_cloudwatch_log_metric_filter: { service: 'logs', actions: ['logs:DescribeMetricFilters'] },
  aws_cloudwatch_metric_alarm: { service: 'cloudwatch', actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource'] },
  aws_cloudwatch_dashboard: { service: 'cloudwatch', actions: ['cloudwatch:GetDashboard'] },
  aws_sns_topic: { service: 'sns', actions: ['sns:GetTopicAttributes', 'sns:ListTagsForResource'] },
  aws_sns_topic_policy: { service: 'sns', actions: ['sns:GetTopicAttributes'] },
  aws_sns_topic_subscription: { service: 'sns', actions: ['sns:GetSubscriptionAttributes'] },
  aws_kms_key: { service: 'kms', actions: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'] },
  aws_kms_alias: { service: 'kms', actions: ['kms:ListAliases'] },
  aws_cloudwatch_event_rule: { service: 'events', actions: ['events:DescribeRule', 'events:ListTagsForResource'] },
  aws_cloudwatch_event_target: { service: 'events', actions: ['events:ListTargetsByRule'] },
  aws_sfn_state_machine: { service: 'states', actions: ['states:DescribeStateMachine', 'states:ListTagsForResource'] },
};

/** Where each service's reads may go: the environment's own names, never the account's other resources. */
function scopedResources(cfg: PipelineConfig): Record<(typeof PLAN_READS)[string]['service'], string[]> {
  const partition = partitionOf(cfg.region);
  const { accountId: account, region, namePrefix: p } = cfg;
  const n = resourceNames(cfg);
  return {
    // Bucket ARNs only (no `/…`): bucket-level reads, never an object.
    s3: [n.bucket, n.accessLogBucket, n.inventoryBucket].map((b) => `arn:${partition}:s3:::${b}`),
    sqs: [`arn:${partition}:sqs:${region}:${account}:${p}-*`],
    dynamodb: [`arn:${partition}:dynamodb:${region}:${account}:table/${n.table}`],
    lambda: [
      `arn:${partition}:lambda:${region}:${account}:function:${p}-*`,
      `arn:${partition}:lambda:${region}:${account}:event-source-mapping:*`,
    ],
    iam: [`arn:${partition}:iam::${account}:role/${p}-*`],
    // DescribeLogGroups and DescribeMetricFilters are authorized on the account's log groups.
    logs: [`arn:${partition}:logs:${region}:${account}:log-group:*`],
    cloudwatch: [
      `arn:${partition}:cloudwatch:${region}:${account}:alarm:${p}-*`,
      `arn:${partition}:cloudwatch::${account}:dashboard/${n.dashboard}`,
    ],
    sns: [`arn:${partition}:sns:${region}:${account}:${n.topic}`],
    // Keys have generated ids: the ones of this environment are those with its alias (kms:ResourceAliases below).
    kms: [`arn:${partition}:kms:${region}:${account}:key/*`],
    events: [`arn:${partition}:events:${region}:${account}:rule/${n.eventRule}`],
    states: [`arn:${partition}:states:${region}:${account}:stateMachine:${n.reconcileStateMachine}`],
  };
}

/** Actions IAM authorizes only on `*` (no resource-level permissions). */
const ACCOUNT_WIDE = new Set(['kms:ListAliases']);

/**
 * The plan role's policy for an environment with remote state, covering exactly `resourceTypes`
 * (those of its synthesized stack). Throws for a type {@link PLAN_READS} does not know.
 */
export function planRolePolicy(cfg: Deployed, resourceTypes: string[]): PolicyDocument {
  const unknown = resourceTypes.filter((t) => !(t in PLAN_READS));
  if (unknown.length > 0) throw new Error(`No plan reads known for ${unknown.join(', ')}: add them to PLAN_READS (tools/ci/ci-roles.ts)`);
  const scoped = scopedResources(cfg);
  const byService = new Map<string, Set<string>>();
  for (const type of [...new Set(resourceTypes)].sort()) {
    const { service, actions } = PLAN_READS[type]!;
    for (const a of actions) byService.set(service, (byService.get(service) ?? new Set()).add(a));
  }
  const statements: IamStatement[] = [];
  for (const [service, actions] of [...byService].sort(([a], [b]) => a.localeCompare(b))) {
    const resourceLevel = [...actions].filter((a) => !ACCOUNT_WIDE.has(a)).sort();
    const accountWide = [...actions].filter((a) => ACCOUNT_WIDE.has(a)).sort();
    const sid = `Read${service[0]!.toUpperCase()}${service.slice(1)}`;
    if (resourceLevel.length > 0) {
      statements.push({
        Sid: sid,
        Effect: 'Allow',
        Action: resourceLevel,
        Resource: scoped[service as keyof typeof scoped],
        ...(service === 'kms' ? { Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': `alias/${cfg.namePrefix}-*` } } } : {}),
      });
    }
    if (accountWide.length > 0) statements.push({ Sid: `${sid}AccountWide`, Effect: 'Allow', Action: accountWide, Resource: '*' });
  }
  const partition = partitionOf(cfg.region);
  const stateObject = `arn:${partition}:s3:::${cfg.state.bucket}/${stateKey(cfg)}`;
  statements.push(
    { Sid: 'StateList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:${partition}:s3:::${cfg.state.bucket}` },
    { Sid: 'StateRead', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [stateObject, `${stateObject}.tflock`] },
    // The deploy workflow's plan locks (its apply follows); PR and drift plans run with -lock=false.
    { Sid: 'StateLockOnly', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: `${stateObject}.tflock` },
    // `npm run preflight`: the state bucket's settings, the account's concurrency, the alert subscriptions.
    {
      Sid: 'PreflightStateBucket',
      Effect: 'Allow',
      Action: ['s3:GetBucketVersioning', 's3:GetEncryptionConfiguration'],
      Resource: `arn:${partition}:s3:::${cfg.state.bucket}`,
    },
    { Sid: 'PreflightAccount', Effect: 'Allow', Action: ['lambda:GetAccountSettings'], Resource: '*' },
    { Sid: 'PreflightAlerts', Effect: 'Allow', Action: ['sns:ListSubscriptionsByTopic'], Resource: scoped.sns },
  );
  return { Version: '2012-10-17', Statement: statements };
}
