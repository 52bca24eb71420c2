import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { resourceNames, stateKey } from '../../../config/derive';
import { loadAllConfigs } from '../../../config/load';
import type { PipelineConfig, StateConfig } from '../../../config/types';
import { githubTrustPolicy, planRolePolicy, PLAN_READS, type PolicyDocument } from '../../../tools/ci/ci-roles';
import { makeConfig } from '../../helpers/factories';
import { synthPipeline } from '../../helpers/synth';

type Deployed = PipelineConfig & { state: StateConfig };
const typesOf = (cfg: PipelineConfig): string[] => Object.keys(synthPipeline(cfg).parsed.resource);

/** AWS's evaluation of one call by the plan role, with only its policy attached. */
async function allowed(
  policy: PolicyDocument,
  cfg: Deployed,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
): Promise<boolean> {
  // KMS asks the key policy too: the stack's delegates to the account's IAM policies.
  const keyPolicy = action.startsWith('kms:')
    ? JSON.parse(String(Object.values(synthPipeline(cfg).parsed.resource.aws_kms_key!)[0]!.policy))
    : undefined;
  const simulation = {
    identityPolicies: [{ name: 'plan', policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(keyPolicy ? { resourcePolicy: keyPolicy } : {}),
    request: {
      principal: `arn:aws:sts::${cfg.accountId}:assumed-role/${cfg.namePrefix}-ci-plan/run`,
      action,
      resource: { resource, accountId: cfg.accountId },
      contextVariables: { 'aws:SecureTransport': 'true', ...context },
    },
  } as unknown as Simulation;
  const out = await runSimulation(simulation, {});
  if (out.resultType === 'error') throw new Error(`simulation of ${action} failed: ${JSON.stringify(out.errors)}`);
  return out.overallResult === 'Allowed';
}

describe('the CI plan role', () => {
  const modes = (['direct', 'pusher', 'eventbridge'] as const).map(
    (mode) =>
      makeConfig({
        mode,
        environment: mode.slice(0, 8),
        state: { bucket: 'tf-state-x', region: 'eu-west-1', keyPrefix: 'pipeline' },
        bucket: { accessLogging: true },
      }) as Deployed,
  );

  it.each(modes.map((c) => [c.mode, c] as const))(
    '%s mode: knows what terraform plan reads for every resource type of the stack',
    (_, cfg) => {
      expect(typesOf(cfg).filter((t) => !(t in PLAN_READS))).toEqual([]);
      expect(() => planRolePolicy(cfg, [...typesOf(cfg), 'aws_instance'])).toThrow(
        'No plan reads known for aws_instance: add them to PLAN_READS (tools/ci/ci-roles.ts)',
      );
    },
  );

  it.each(
    loadAllConfigs()
      .filter((c) => c.deploy)
      .map((c) => [c.environment, c as Deployed] as const),
  )('%s: reads its own resources and state, writes only the lock object, reads no data', async (_, cfg) => {
    // Prepare
    const policy = planRolePolicy(cfg, typesOf(cfg));
    const n = resourceNames(cfg);
    const { accountId: a, region: r } = cfg;
    const state = `arn:aws:s3:::${cfg.state.bucket}/${stateKey(cfg)}`;
    const queue = `arn:aws:sqs:${r}:${a}:${n.queue}`;
    const table = `arn:aws:dynamodb:${r}:${a}:table/${n.table}`;
    const fn = `arn:aws:lambda:${r}:${a}:function:${n.processor}`;
    // Act + Assess: what a plan needs.
    const reads: Array<[string, string, Record<string, string | string[]>?]> = [
      ['s3:GetBucketPolicy', `arn:aws:s3:::${n.bucket}`],
      ['s3:ListBucket', `arn:aws:s3:::${n.bucket}`],
      ['sqs:GetQueueAttributes', queue],
      ['dynamodb:DescribeTable', table],
      ['lambda:GetFunction', fn],
      ['iam:GetRolePolicy', `arn:aws:iam::${a}:role/${n.processor}-role`],
      ['cloudwatch:DescribeAlarms', `arn:aws:cloudwatch:${r}:${a}:alarm:${cfg.namePrefix}-dlq-age`],
      ['sns:GetTopicAttributes', `arn:aws:sns:${r}:${a}:${n.topic}`],
      [
        'kms:GetKeyPolicy',
        `arn:aws:kms:${r}:${a}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
        { 'kms:ResourceAliases': [`alias/${cfg.namePrefix}-alerts`] },
      ],
      ['s3:GetObject', state],
      ['s3:PutObject', `${state}.tflock`],
      ['s3:DeleteObject', `${state}.tflock`],
    ];
    for (const [action, resource, context] of reads)
      expect({ action, resource, allowed: await allowed(policy, cfg, action, resource, context) }).toEqual({
        action,
        resource,
        allowed: true,
      });
    // … and nothing a pull request could use to read data, change state or act.
    const refused: Array<[string, string, Record<string, string | string[]>?]> = [
      ['s3:GetObject', `arn:aws:s3:::${n.bucket}/incoming/secret.pdf`],
      ['s3:PutObject', state],
      ['s3:DeleteObject', state],
      ['s3:PutObject', `arn:aws:s3:::${cfg.state.bucket}/other/prod.tfstate`],
      ['sqs:ReceiveMessage', queue],
      ['sqs:SendMessage', queue],
      ['dynamodb:GetItem', table],
      ['dynamodb:Scan', table],
      ['lambda:InvokeFunction', fn],
      ['iam:PassRole', `arn:aws:iam::${a}:role/${n.processor}-role`],
      ['s3:GetBucketPolicy', 'arn:aws:s3:::someone-elses-bucket'],
      ['dynamodb:DescribeTable', `arn:aws:dynamodb:${r}:${a}:table/payroll`],
      ['kms:GetKeyPolicy', `arn:aws:kms:${r}:${a}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, { 'kms:ResourceAliases': ['alias/payroll'] }],
      [
        'kms:Decrypt',
        `arn:aws:kms:${r}:${a}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
        { 'kms:ResourceAliases': [`alias/${cfg.namePrefix}-alerts`] },
      ],
    ];
    for (const [action, resource, context] of refused)
      expect({ action, resource, allowed: await allowed(policy, cfg, action, resource, context) }).toEqual({
        action,
        resource,
        allowed: false,
      });
    // Every action is a read, except the lock object's two.
    const writes = policy.Statement.flatMap((s) =>
      s.Action.filter((x) => !/^[a-z0-9]+:(Get|List|Describe)/.test(x)).map((x) => `${s.Sid} ${x}`),
    );
    expect(writes).toEqual(['StateLockOnly s3:PutObject', 'StateLockOnly s3:DeleteObject']);
  });

  it('trusts only GitHub’s OIDC tokens of this repository in the named GitHub environment', () => {
    const cfg = loadAllConfigs().find((c) => c.environment === 'prod')!;
    expect(githubTrustPolicy(cfg, 'acme/pipeline', 'plan-prod')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'GitHubEnvironment',
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${cfg.accountId}:oidc-provider/token.actions.githubusercontent.com` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': 'repo:acme/pipeline:environment:plan-prod',
            },
          },
        },
      ],
    });
  });
});
