import { Annotations, Aspects, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { PipelineConfig, StateConfig } from '../config/types';
import { StateBucket } from '../constructs/state-bucket';
import { Guardrails } from '../guardrails';
import { configureProvider, type StackOptions } from './pipeline-stack';

export const STATE_BOOTSTRAP_STACK_ID = 'state-bootstrap';

/**
 * Creates the state bucket(s) the environments name in `state`. Its own state is local
 * (it cannot live in the bucket it creates); keep `terraform.state-bootstrap.tfstate` safe
 * or migrate it into the bucket afterwards (README, "State").
 * Buckets are grouped by account: one stack holds the buckets of the first account seen, and
 * warns at synth about each bucket of another account (synth one environment at a time for those).
 */
export class StateBootstrapStack extends TerraformStack {
  public readonly buckets: StateBucket[] = [];

  public constructor(scope: Construct, configs: PipelineConfig[], options: StackOptions = {}) {
    super(scope, STATE_BOOTSTRAP_STACK_ID);
    Aspects.of(this).add(new Guardrails({ onReport: options.onGuardrailReport }));
    const withState = configs.filter((c): c is PipelineConfig & { state: StateConfig } => c.state !== null);
    const first = withState[0];
    if (!first) throw new Error('StateBootstrapStack needs at least one environment with "state" configured');
    new LocalBackend(this, { path: `terraform.${STATE_BOOTSTRAP_STACK_ID}.tfstate` });
    configureProvider(this, { region: first.state.region, accountId: first.accountId, tags: first.tags });

    const seen = new Set<string>();
    for (const cfg of withState) {
      if (cfg.accountId !== first.accountId) {
        // One provider, one account: a bucket in another account needs its own bootstrap run.
        Annotations.of(this).addWarning(
          `State bucket "${cfg.state.bucket}" of environment "${cfg.environment}" (account ${cfg.accountId}) is not created by this stack, ` +
            `which deploys to account ${first.accountId}: create it with that account's credentials (ONLY_ENV=${cfg.environment} npx cdktf deploy ${STATE_BOOTSTRAP_STACK_ID}).`,
        );
        continue;
      }
      if (seen.has(cfg.state.bucket)) continue;
      seen.add(cfg.state.bucket);
      const bucket = new StateBucket(this, `state-${cfg.state.bucket}`, { bucketName: cfg.state.bucket });
      this.buckets.push(bucket);
      new TerraformOutput(this, `state_bucket_${this.buckets.length}`, { value: bucket.storage.bucket.bucket });
    }
  }
}
