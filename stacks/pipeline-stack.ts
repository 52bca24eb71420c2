import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Annotations, Aspects, LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { stateKey } from '../config/derive';
import type { PipelineConfig } from '../config/types';
import { IngestionPipeline } from '../constructs/ingestion-pipeline';
import { Guardrails, type GuardrailReport } from '../guardrails';
import { DEFAULT_LOCAL_STATE_DIR, localStatePath } from './local-state';

export interface StackOptions {
  /** Receives the guardrail report of the stack at synth. */
  onGuardrailReport?: (report: GuardrailReport) => void;
  /** Folder of the local state files of stacks without remote state. @default the project root */
  localStateDir?: string;
}

/** Stack id of an environment's pipeline: also its folder under `cdktf.out/stacks/`. */
export const pipelineStackId = (environment: string): string => `pipeline-${environment}`;

/**
 * Terraform versions every stack accepts: 1.11 is the first with the S3 backend's native lock
 * file (`use_lockfile`); `.terraform-version` pins the one CI uses.
 */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.11.0, < 2.0.0';

/** The provider every stack here uses: pinned to the config's account, tagging everything. */
export function configureProvider(stack: TerraformStack, cfg: Pick<PipelineConfig, 'region' | 'accountId' | 'tags'>): AwsProvider {
  stack.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);
  return new AwsProvider(stack, 'aws', {
    region: cfg.region,
    allowedAccountIds: [cfg.accountId],
    defaultTags: [{ tags: cfg.tags }],
  });
}

/**
 * State in S3 with native lock files when `state` is configured; otherwise a local file (outside
 * `cdktf.out`, see `local-state.ts`), which is fine for a first look and wrong for a team (a
 * warning says so at synth).
 */
export function configureBackend(stack: TerraformStack, cfg: PipelineConfig, localStateDir = DEFAULT_LOCAL_STATE_DIR): void {
  if (cfg.state === null) {
    new LocalBackend(stack, { path: localStatePath(localStateDir, pipelineStackId(cfg.environment)) });
    Annotations.of(stack).addWarning(
      `Environment "${cfg.environment}" has no "state" configured: using a local state file. ` +
        'Bootstrap a state bucket and set "state" before sharing or deploying from CI (see docs/operations.md#state).',
    );
    return;
  }
  new S3Backend(stack, {
    bucket: cfg.state.bucket,
    key: stateKey({ ...cfg, state: cfg.state }),
    region: cfg.state.region,
    encrypt: true,
  });
  // cdktf 0.21's S3Backend predates `use_lockfile` (GA in Terraform 1.11).
  stack.addOverride('terraform.backend.s3.use_lockfile', true);
}

/** One environment's pipeline, with its backend, provider and outputs. */
export class PipelineStack extends TerraformStack {
  public readonly pipeline: IngestionPipeline;

  public constructor(scope: Construct, cfg: PipelineConfig, options: StackOptions = {}) {
    super(scope, pipelineStackId(cfg.environment));
    Aspects.of(this).add(new Guardrails({ onReport: options.onGuardrailReport }));
    configureBackend(this, cfg, options.localStateDir);
    configureProvider(this, cfg);
    const p = (this.pipeline = new IngestionPipeline(this, 'pipeline', { config: cfg }));

    const outputs: Record<string, string> = {
      bucket_name: p.uploads.bucket.bucket,
      bucket_arn: p.uploads.bucket.arn,
      queue_url: p.queues.queue.url,
      queue_arn: p.queues.queue.arn,
      dead_letter_queue_url: p.queues.deadLetterQueue.url,
      dead_letter_queue_arn: p.queues.deadLetterQueue.arn,
      table_name: p.table.table.name,
      table_arn: p.table.table.arn,
      processor_function_name: p.processor.function.functionName,
      processor_function_arn: p.processor.function.arn,
      processor_role_arn: p.processor.role.arn,
      alerts_topic_arn: p.alerts.topic.arn,
      ...(p.accessLogs ? { access_log_bucket_name: p.accessLogs.bucket.bucket } : {}),
      ...(p.pusher
        ? {
            pusher_function_name: p.pusher.function.functionName,
            pusher_function_arn: p.pusher.function.arn,
            pusher_role_arn: p.pusher.role.arn,
            pusher_failure_queue_url: p.pusherFailures!.queue.url,
            pusher_failure_queue_arn: p.pusherFailures!.queue.arn,
          }
        : {}),
      ...(p.eventRule ? { event_rule_name: p.eventRule.name, event_rule_arn: p.eventRule.arn } : {}),
      ...(p.reconcile
        ? {
            reconcile_state_machine_arn: p.reconcile.stateMachine.arn,
            inventory_bucket_name: p.reconcile.inventoryBucket.bucket.bucket,
            reconcile_function_name: p.reconcile.function.function.functionName,
          }
        : {}),
    };
    for (const [name, value] of Object.entries(outputs)) new TerraformOutput(this, name, { value });
    new TerraformOutput(this, 'ingestion_mode', { value: cfg.mode });
    new TerraformOutput(this, 'dashboard_url', {
      value: `https://${cfg.region}.console.aws.amazon.com/cloudwatch/home?region=${cfg.region}#dashboards/dashboard/${p.dashboard.dashboard.dashboardName}`,
    });
  }
}
