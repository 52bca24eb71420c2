import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAllConfigs } from '../../config/load';
import { main as planCli } from '../../tools/commands/plan';
import { planOffline, type PlanJson } from '../../tools/offline-terraform';
import { summarizePlan } from '../../tools/plan-summary';
import { PROVIDER_LOCK_FILE } from '../../stacks/provider-lock';
import { pipelineStackId, REQUIRED_TERRAFORM_VERSION } from '../../stacks/pipeline-stack';
import { bootstrapGroups, stateBootstrapStackId } from '../../stacks/state-bootstrap-stack';
import { terraform, terraformWithCode } from '../../tools/offline-terraform';
import { terraformEnv } from '../../tools/terraform-env';
import { OVERRIDE_OUTDIRS } from '../../tools/stack-workdir';
import { startProviderServer, type ProviderServer } from '../helpers/provider-server';

/**
 * Real `terraform init` and `plan` (which validates first) of every synthesized stack, offline, against
 * the local provider mirror. Without terraform the suite is skipped loudly; with
 * REQUIRE_TERRAFORM=1 (CI) a skip is a failure.
 */
const ROOT = join(__dirname, '..', '..');
const tf = terraformEnv();
if (!tf.available) {
  const message = `terraform tests SKIPPED: ${tf.reason}. Set REQUIRE_TERRAFORM=1 to make this a failure.`;
  if (process.env.REQUIRE_TERRAFORM === '1') throw new Error(message.replace('SKIPPED', 'cannot run'));
  console.warn(message);
}
const describeWithTerraform = tf.available ? describe : describe.skip;

const configs = loadAllConfigs();
const bootstrap = bootstrapGroups(configs);
const bootstrapIds = [...bootstrap.keys()].map(stateBootstrapStackId);
const bootstrapRegion = (id: string): string => bootstrap.get(id.replace('state-bootstrap-', ''))![0]!.state.region;
const EXPECTED_DIRECT = [
  'aws_cloudwatch_dashboard',
  'aws_cloudwatch_log_group',
  'aws_cloudwatch_log_metric_filter',
  'aws_cloudwatch_metric_alarm',
  'aws_dynamodb_table',
  'aws_iam_role',
  'aws_iam_role_policy',
  'aws_kms_alias',
  'aws_kms_key',
  'aws_lambda_event_source_mapping',
  'aws_lambda_function',
  'aws_s3_bucket',
  'aws_s3_bucket_lifecycle_configuration',
  'aws_s3_bucket_notification',
  'aws_s3_bucket_ownership_controls',
  'aws_s3_bucket_policy',
  'aws_s3_bucket_public_access_block',
  'aws_s3_bucket_server_side_encryption_configuration',
  'aws_s3_bucket_versioning',
  'aws_sns_topic',
  'aws_sns_topic_policy',
  'aws_sns_topic_subscription',
  'aws_sqs_queue',
  'aws_sqs_queue_policy',
  'aws_sqs_queue_redrive_allow_policy',
];
// The pusher environment (prod) also logs bucket access and reconciles on Step Functions.
const EXPECTED_PUSHER = [
  ...EXPECTED_DIRECT,
  'aws_lambda_function_event_invoke_config',
  'aws_lambda_permission',
  'aws_s3_bucket_logging',
  'aws_s3_bucket_inventory',
  'aws_sfn_state_machine',
].sort();
const EXPECTED_EVENTBRIDGE = [...EXPECTED_DIRECT, 'aws_cloudwatch_event_rule', 'aws_cloudwatch_event_target'].sort();
const EXPECTED_TYPES: Record<string, string[]> = {
  direct: [...EXPECTED_DIRECT].sort(),
  pusher: EXPECTED_PUSHER,
  eventbridge: EXPECTED_EVENTBRIDGE,
};

describeWithTerraform('terraform init and plan, offline', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'cdktf-out-'));
  const plans = new Map<string, PlanJson>();
  const planOutputs = new Map<string, string>();

  /** What `npm run plan -- --env dev --offline` printed and returned (it plans the dev stack for the whole suite). */
  const cli = { code: -1, stdout: '', stderr: '', summaryFile: join(outdir, 'plan-dev.md') };
  const devId = pipelineStackId(configs.find((c) => c.environment === 'dev')!.environment);

  let provider: ProviderServer | null = null;
  /** `terraform init -lockfile=readonly` the way CI runs it, in copies of the dev stack: as committed, and with a tampered hash. */
  const realInit: Record<'committed' | 'tampered', { code: number; stderr: string; providers: boolean }> = {
    committed: { code: -1, stderr: '', providers: false },
    tampered: { code: -1, stderr: '', providers: false },
  };

  /** The dev stack is planned as a user does, through the CLI, into the project's cdktf.out (terraform's provider shared). */
  async function planDevThroughCli(): Promise<void> {
    const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
    const restoreEnv = provider ? provider.exportToProcessEnv() : () => {};
    process.stdout.write = ((chunk: string) => ((cli.stdout += chunk), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => ((cli.stderr += chunk), true)) as typeof process.stderr.write;
    try {
      cli.code = await planCli(['--env', 'dev', '--offline', '--out', cli.summaryFile]);
    } finally {
      process.stdout.write = write.out;
      process.stderr.write = write.err;
      restoreEnv();
    }
    const dir = join(OVERRIDE_OUTDIRS.offline, 'stacks', devId);
    plans.set(
      devId,
      JSON.parse(await terraform(['show', '-json', 'review.tfplan'], dir, provider ? provider.envFor(tf.env) : tf.env)) as PlanJson,
    );
    planOutputs.set(devId, cli.stdout + cli.stderr);
  }

  async function initCopy(which: keyof typeof realInit): Promise<void> {
    const copy = mkdtempSync(join(tmpdir(), `${which}-lock-`));
    try {
      cpSync(join(outdir, 'stacks', devId), copy, {
        recursive: true,
        filter: (src) => !src.includes(`${devId}/.terraform/`) && !src.endsWith(`${devId}/.terraform`),
      });
      if (which === 'tampered') {
        const lock = readFileSync(join(copy, '.terraform.lock.hcl'), 'utf8');
        writeFileSync(join(copy, '.terraform.lock.hcl'), lock.replace(/"h1:[^"]+"/g, '"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="'));
      }
      const init = await terraformWithCode(['init', '-input=false', '-lockfile=readonly'], copy, tf.env);
      realInit[which] = { code: init.code, stderr: init.stderr, providers: existsSync(join(copy, '.terraform', 'providers')) };
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }

  beforeAll(async () => {
    execFileSync('node', [join(ROOT, 'scripts', 'build-app.js'), 'main']);
    execFileSync('node', [join(ROOT, 'dist', 'main.js')], { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: outdir } });
    // Every plan and show goes through one shared provider process, one command at a time
    // (helpers/provider-server.ts); meanwhile terraform installs and checks the provider itself, as
    // in CI, in two copies of the dev stack.
    const others = [
      ...configs
        .filter((c) => pipelineStackId(c.environment) !== devId)
        .map((c) => ({ id: pipelineStackId(c.environment), region: c.region })),
      ...bootstrapIds.map((id) => ({ id, region: bootstrapRegion(id) })),
    ];
    const planAll = async () => {
      provider = await startProviderServer(tf);
      await planDevThroughCli();
      const env = provider ? provider.envFor(tf.env) : tf.env;
      for (const { id, region } of others) {
        // Without the shared provider: where the providers come from the mirror the lock file was made
        // from, only its hashes are accepted.
        const { planOutput, plan } = await planOffline(join(outdir, 'stacks', id), region, env, {
          readonlyLock: Boolean(tf.mirror || process.env.CI),
        });
        planOutputs.set(id, planOutput);
        plans.set(id, plan);
      }
    };
    const initCopies = async () => {
      await initCopy('committed');
      await initCopy('tampered');
    };
    await Promise.all([planAll(), initCopies()]);
  }, 600_000); // synth and five plans: minutes on a 2-core machine another job is loading

  afterAll(async () => {
    await provider?.stop();
    rmSync(outdir, { recursive: true, force: true });
  });

  const typesOf = (id: string) => [...new Set(plans.get(id)!.resource_changes.map((r) => r.type))].sort();

  it.each(configs.map((c) => [c.environment, c.mode]))('the %s stack (%s mode) is valid: its plan has no errors and no warnings', (env) => {
    const output = planOutputs.get(pipelineStackId(env))!;
    // terraform's own plan output, or for dev what `npm run plan` printed (it passes terraform's warnings on).
    expect(output).toMatch(pipelineStackId(env) === devId ? /\*\*\d+ to add, 0 to change/ : /Plan: \d+ to add/);
    expect(output).not.toMatch(/Warning:|Error:|warned/);
  });

  it.each(configs.map((c) => [c.environment, c.mode]))(
    'plans the %s stack (%s mode): creates only, the expected resource types',
    (env, mode) => {
      const plan = plans.get(pipelineStackId(env))!;
      expect(plan.resource_changes.every((r) => r.change.actions.join() === 'create')).toBe(true);
      expect(typesOf(pipelineStackId(env))).toEqual(EXPECTED_TYPES[mode]);
    },
  );

  it('plans the direct stack with its named resources and known outputs', () => {
    const dev = configs.find((c) => c.mode === 'direct')!;
    const plan = plans.get(pipelineStackId(dev.environment))!;
    const byType = (t: string) => plan.resource_changes.filter((r) => r.type === t);
    expect(byType('aws_lambda_function').map((r) => r.change.after!.function_name)).toEqual([`${dev.namePrefix}-processor`]);
    expect(
      byType('aws_sqs_queue')
        .map((r) => r.change.after!.name)
        .sort(),
    ).toEqual([`${dev.namePrefix}-ingest`, `${dev.namePrefix}-ingest-dlq`]);
    expect(byType('aws_cloudwatch_metric_alarm')).toHaveLength(14);
    expect(plan.planned_values!.outputs!.bucket_name!.value).toBe(`${dev.namePrefix}-uploads-${dev.accountId}`);
    expect(byType('aws_lambda_event_source_mapping')[0]!.change.after).toMatchObject({
      batch_size: dev.processor.batchSize,
      function_response_types: ['ReportBatchItemFailures'],
    });
  });

  it('plans the pusher stack with its three functions, its failure queue as on-failure destination, and its 28 alarms', () => {
    const prod = configs.find((c) => c.mode === 'pusher')!;
    const plan = plans.get(pipelineStackId(prod.environment))!;
    expect(
      plan.resource_changes
        .filter((r) => r.type === 'aws_lambda_function')
        .map((r) => r.change.after!.function_name)
        .sort(),
    ).toEqual([`${prod.namePrefix}-processor`, `${prod.namePrefix}-pusher`, `${prod.namePrefix}-reconcile`]);
    const alarms = plan.resource_changes.filter((r) => r.type === 'aws_cloudwatch_metric_alarm').map((r) => r.change.after!.alarm_name);
    expect(alarms).toHaveLength(28);
    expect(alarms).toContain(`${prod.namePrefix}-reconcile-failed`);
    expect(alarms).toContain(`${prod.namePrefix}-heartbeat`);
    expect(alarms).toContain(`${prod.namePrefix}-pusher-failures-not-empty`);
    expect(plan.resource_changes.filter((r) => r.type === 'aws_sqs_queue').map((r) => r.change.after!.name)).toContain(
      `${prod.namePrefix}-pusher-failures`,
    );
  });

  it('plans the distributed reconcile: a daily CSV inventory of all versions into the inventory bucket, a STANDARD state machine with logs and X-Ray', () => {
    const prod = configs.find((c) => c.reconcile.distributed)!;
    const plan = plans.get(pipelineStackId(prod.environment))!;
    const after = (type: string) => plan.resource_changes.filter((r) => r.type === type).map((r) => r.change.after!);
    const [inventory] = after('aws_s3_bucket_inventory');
    expect(inventory).toMatchObject({
      bucket: `${prod.namePrefix}-uploads-${prod.accountId}`,
      included_object_versions: 'All',
      optional_fields: expect.arrayContaining(['Size', 'LastModifiedDate', 'ETag']),
      schedule: [{ frequency: 'Daily' }],
      destination: [{ bucket: [expect.objectContaining({ format: 'CSV', prefix: 'inventory' })] }],
    });
    const [machine] = after('aws_sfn_state_machine');
    expect(machine).toMatchObject({
      name: `${prod.namePrefix}-reconcile`,
      type: 'STANDARD',
      tracing_configuration: [{ enabled: true }],
      logging_configuration: [expect.objectContaining({ level: 'ERROR', include_execution_data: false })],
    });
    expect(after('aws_s3_bucket').map((b) => b.bucket)).toContain(`${prod.namePrefix}-inventory-${prod.accountId}`);
    expect(after('aws_iam_role').map((r) => r.name)).toEqual(
      expect.arrayContaining([`${prod.namePrefix}-reconcile-role`, `${prod.namePrefix}-reconcile-states-role`]),
    );
  });

  it('summarizes the real creation plan: all adds, no destroys, new IAM and policy resources called out', () => {
    const dev = configs.find((c) => c.mode === 'direct')!;
    const plan = plans.get(pipelineStackId(dev.environment))!;
    const summary = summarizePlan(plan, 'pipeline-dev');
    expect(summary.counts).toMatchObject({ create: plan.resource_changes.length, update: 0, replace: 0, destroy: 0 });
    expect(summary.markdown).toContain(`**${plan.resource_changes.length} to add, 0 to change, 0 to replace, 0 to destroy**`);
    expect(summary.markdown).not.toContain('Replacements and destroys');
    expect(summary.markdown).toMatch(/New IAM\/KMS\/policy resources: .*aws_iam_role_policy\./);
  });

  it('`npm run plan -- --offline` writes the summary and exits 2 (changes), like -detailed-exitcode', () => {
    expect(cli.code).toBe(2);
    expect(readFileSync(cli.summaryFile, 'utf8')).toMatch(/^## Plan: pipeline-dev \(offline\)\n\n\*\*\d+ to add, 0 to change/);
    expect(readFileSync(cli.summaryFile, 'utf8')).toBe(cli.stdout);
    expect(cli.stderr).toContain(
      `Summary written to ${cli.summaryFile}; plan saved as ${join(OVERRIDE_OUTDIRS.offline, 'stacks', devId, 'review.tfplan')}`,
    );
    // The real commands' folder never gets an override: a later `npx cdktf diff` must not plan with fake credentials.
    expect(existsSync(join(ROOT, 'cdktf.out', 'stacks', devId, 'offline_override.tf.json'))).toBe(false);
  });

  it('plans the eventbridge stack with its rule, matching the bucket, and the queue as target', () => {
    const staging = configs.find((c) => c.mode === 'eventbridge')!;
    const plan = plans.get(pipelineStackId(staging.environment))!;
    const rule = plan.resource_changes.find((r) => r.type === 'aws_cloudwatch_event_rule')!.change.after!;
    expect(rule.name).toBe(`${staging.namePrefix}-s3-objects`);
    expect(JSON.parse(rule.event_pattern as string)).toMatchObject({
      source: ['aws.s3'],
      detail: { bucket: { name: [`${staging.namePrefix}-uploads-${staging.accountId}`] } },
    });
    expect(plan.resource_changes.find((r) => r.type === 'aws_s3_bucket_notification')!.change.after).toMatchObject({ eventbridge: true });
    const review = summarizePlan(plan, pipelineStackId(staging.environment)).markdown;
    expect(review).toMatch(/➕ create `aws_cloudwatch_event_rule\./);
    expect(review).toMatch(/➕ create `aws_cloudwatch_event_target\./);
  });

  it('plans one state bootstrap stack per account: the secure bucket(s) of that account only', () => {
    expect(bootstrapIds.length).toBe(new Set(configs.filter((c) => c.state).map((c) => c.accountId)).size);
    expect(bootstrapIds.length).toBeGreaterThan(1);
    for (const id of bootstrapIds) {
      const account = id.replace('state-bootstrap-', '');
      const buckets = configs.flatMap((c) => (c.state && c.accountId === account ? [c.state.bucket] : []));
      expect(
        plans
          .get(id)!
          .resource_changes.filter((r) => r.type === 'aws_s3_bucket')
          .map((r) => r.change.after!.bucket),
      ).toEqual([...new Set(buckets)]);
      expect(planOutputs.get(id)).not.toMatch(/Warning:|Error:/);
    }
  });

  it('every stack requires Terraform ≥ 1.11 (use_lockfile) and the pinned version satisfies it', () => {
    for (const id of [...configs.map((c) => pipelineStackId(c.environment)), ...bootstrapIds]) {
      expect(JSON.parse(readFileSync(join(outdir, 'stacks', id, 'cdk.tf.json'), 'utf8')).terraform.required_version).toBe(
        REQUIRED_TERRAFORM_VERSION,
      );
    }
    const [major, minor] = readFileSync(join(ROOT, '.terraform-version'), 'utf8').trim().split('.').map(Number);
    expect(major).toBe(1);
    expect(minor).toBeGreaterThanOrEqual(11);
  });

  it('synth puts the committed lock file in every stack folder; it pins the provider version the stacks require', () => {
    const lock = readFileSync(PROVIDER_LOCK_FILE, 'utf8');
    const required = JSON.parse(readFileSync(join(outdir, 'stacks', pipelineStackId(configs[0]!.environment), 'cdk.tf.json'), 'utf8'))
      .terraform.required_providers.aws.version as string;
    expect(lock).toContain(`version     = "${required}"`);
    expect(lock).toMatch(/hashes = \[\n\s+"h1:[A-Za-z0-9+/=]+",/);
    for (const id of [...configs.map((c) => pipelineStackId(c.environment)), ...bootstrapIds]) {
      expect(readFileSync(join(outdir, 'stacks', id, '.terraform.lock.hcl'), 'utf8')).toBe(lock);
    }
  });

  it('init -lockfile=readonly installs the provider when its hash is the reviewed one, and refuses it otherwise', () => {
    expect(realInit.committed).toMatchObject({ code: 0, providers: true });
    expect(realInit.tampered.code).toBe(1);
    expect(realInit.tampered.stderr).toMatch(/doesn't match any of the checksums|checksum/i);
  });
});
