import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import { PROJECT_ROOT } from '../../config/project-root';
import { pipelineStackId } from '../../stacks/pipeline-stack';
import { ciRoleNames, githubEnvironments, githubTrustPolicy, planRolePolicy } from '../ci/ci-roles';
import { synthApp } from '../synth';
import { command, sharedHelp, UsageError } from '../../cli/command';
import { runMain } from '../../cli/run-main';

const USAGE = `Usage: npm run ci-roles -- --env NAME --repo OWNER/REPO [--json]

Prints what to create once in the environment's AWS account and GitHub repository so the
deploy, drift and pull-request workflows can reach it (docs/operations.md#two-accounts-what-to-create-once):
the two GitHub environments, and the two IAM roles with their trust policies (GitHub OIDC,
this repository, that GitHub environment only) and the plan role's least-privilege policy,
computed from the environment's synthesized stack.

${sharedHelp('json')}`;

/** The resource types of an environment's synthesized stack. */
async function stackResourceTypes(environment: string): Promise<string[]> {
  const outdir = mkdtempSync(join(tmpdir(), 'ci-roles-'));
  try {
    await synthApp(PROJECT_ROOT, outdir, environment);
    const stack = JSON.parse(readFileSync(join(outdir, 'stacks', pipelineStackId(environment), 'cdk.tf.json'), 'utf8')) as {
      resource: Record<string, unknown>;
    };
    return Object.keys(stack.resource).sort();
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export const main = command(
  { usage: USAGE, shared: ['env', 'json'], options: { repo: { type: 'string' } }, required: ['env', 'repo'] },
  async ({ values, write }) => {
    if (!/^[\w.-]+\/[\w.-]+$/.test(values.repo)) throw new UsageError(`--repo must be OWNER/REPO (got "${values.repo}")`);
    const cfg = loadConfig(values.env);
    if (cfg.state === null) {
      process.stderr.write(`"${cfg.environment}" keeps local state: CI cannot deploy it (configure "state" and "deploy": true first)\n`);
      return 2;
    }
    const envs = githubEnvironments(cfg.environment);
    const names = ciRoleNames(cfg);
    const plan = {
      name: names.plan,
      githubEnvironment: envs.plan,
      trust: githubTrustPolicy(cfg, values.repo, envs.plan),
      policy: planRolePolicy({ ...cfg, state: cfg.state }, await stackResourceTypes(cfg.environment)),
    };
    const apply = { name: names.apply, githubEnvironment: envs.apply, trust: githubTrustPolicy(cfg, values.repo, envs.apply) };
    if (values.json) {
      write(
        `${JSON.stringify({ environment: cfg.environment, account: cfg.accountId, region: cfg.region, roles: { plan, apply } }, null, 2)}\n`,
      );
      return 0;
    }
    const json = (v: unknown) => JSON.stringify(v, null, 2);
    write(
      [
        `CI roles of "${cfg.environment}" (account ${cfg.accountId}, ${cfg.region}) for ${values.repo}`,
        '',
        `1. GitHub environments: "${envs.plan}" (no reviewers; secret AWS_PLAN_ROLE_ARN = the plan role's ARN)`,
        `   and "${envs.apply}" (required reviewers, deployment branch main; secret AWS_APPLY_ROLE_ARN = the apply role's ARN).`,
        '',
        `2. Plan role "${plan.name}": trust policy`,
        json(plan.trust),
        '   permissions (inline policy, least privilege for terraform plan of this stack):',
        json(plan.policy),
        '',
        `3. Apply role "${apply.name}": trust policy`,
        json(apply.trust),
        '   permissions: what creating and changing the stack needs (S3, SQS, DynamoDB, Lambda, IAM roles of the',
        `   prefix "${cfg.namePrefix}-", CloudWatch, SNS, KMS, EventBridge, the state object and its lock); see docs/operations.md.`,
        '',
      ].join('\n'),
    );
    return 0;
  },
);

runMain(module, main);
