import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../../config/project-root';
import { pipelineStackId } from '../../stacks/pipeline-stack';
import { terraform } from '../offline-terraform';
import { summarizePlan, type PlanDocument } from '../plan-summary';
import { planWarnings } from '../plan-warnings';
import { prepareStack, type StackWorkdir, terraformWithCode } from '../stack-workdir';
import { command, sharedHelp, UsageError } from '../../cli/command';
import { runMain } from '../../cli/run-main';

const USAGE = `Usage: npm run plan -- --env NAME [--offline] [--no-lock | --lock-timeout D] [--out FILE] [--s3-endpoint URL]

Synthesizes the environment's stack, runs terraform init and plan, and writes a markdown
summary (also printed). Exit code as terraform's -detailed-exitcode: 0 no changes, 2 changes, 1 error.

${sharedHelp('offline', 21)}
  --no-lock          do not take the state lock (review and drift plans: nothing is applied from them,
                     and a cancelled run cannot leave a lock behind)
  --lock-timeout D   wait up to D (e.g. 10m) for another run's lock instead of failing at once
  --out FILE         where to write the summary (default cdktf.out/plan-<env>.md)
${sharedHelp('s3-endpoint', 21)}

Usage mistakes exit 1 here, not 2: 2 is "changes" to the scripts that read the exit code.`;

/** Terraform's words when no AWS credentials were found, or they were refused. */
const NO_CREDENTIALS =
  /No valid credential sources|failed to refresh cached credentials|no EC2 IMDS role|NoCredentialProviders|InvalidClientTokenId|ExpiredToken|security token included in the request is (invalid|expired)/i;

/** What to do when terraform could not get AWS credentials: a sentence instead of only IMDS's error. */
export function credentialHint(output: string, env: string): string {
  if (!NO_CREDENTIALS.test(output)) return '';
  return `\nNo usable AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) for the account in config/${env}.json, or plan without AWS: npm run plan -- --env ${env} --offline\n`;
}

const OPTIONS = { 'no-lock': { type: 'boolean', default: false }, 'lock-timeout': { type: 'string' }, out: { type: 'string' } } as const;

export const main = command(
  { usage: USAGE, shared: ['env', 'offline', 's3-endpoint'], options: OPTIONS, required: ['env'], usageExit: 1 },
  async ({ values, write }) => {
    const lockTimeout = values['lock-timeout'];
    if (lockTimeout !== undefined && !/^\d+[smh]$/.test(lockTimeout))
      throw new UsageError(`--lock-timeout takes a duration such as 30s, 10m or 1h (got "${lockTimeout}")`);
    if (lockTimeout !== undefined && values['no-lock']) throw new UsageError('--no-lock and --lock-timeout exclude each other');
    const lockArgs = values.offline || values['no-lock'] ? ['-lock=false'] : lockTimeout ? [`-lock-timeout=${lockTimeout}`] : [];
    let stack: StackWorkdir;
    try {
      stack = await prepareStack(values.env, { offline: values.offline, s3Endpoint: values['s3-endpoint'] });
    } catch (e) {
      // `terraform init` reads the S3 backend: the first place missing credentials show.
      const hint = credentialHint((e as Error).message, values.env);
      if (!hint) throw e;
      process.stderr.write(`${(e as Error).message}\n${hint}`);
      return 1;
    }
    const plan = await terraformWithCode(
      ['plan', '-input=false', '-detailed-exitcode', '-out=review.tfplan', ...lockArgs],
      stack.dir,
      stack.env,
    );
    if (plan.code === 1) {
      process.stderr.write(plan.stderr || plan.stdout);
      process.stderr.write(credentialHint(plan.stderr + plan.stdout, values.env));
      return 1;
    }
    const json = JSON.parse(await terraform(['show', '-json', 'review.tfplan'], stack.dir, stack.env)) as PlanDocument;
    const summary = summarizePlan(json, `${pipelineStackId(values.env)}${values.offline ? ' (offline)' : ''}`);
    // Terraform's warnings go into the review too: the summary is built from the plan JSON, which has none.
    const warnings = planWarnings(plan.stdout);
    const markdown = warnings ? `${summary.markdown}\n### ⚠️ Terraform warnings\n\n\`\`\`\n${warnings}\n\`\`\`\n` : summary.markdown;
    const out = resolve(values.out ?? join(PROJECT_ROOT, 'cdktf.out', `plan-${values.env}.md`));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, markdown);
    write(markdown);
    if (warnings) process.stderr.write(`\nterraform plan warned:\n${warnings}\n`);
    process.stderr.write(`\nSummary written to ${out}; plan saved as ${join(stack.dir, 'review.tfplan')}\n`);
    return summary.hasChanges ? 2 : 0;
  },
);

runMain(module, main);
