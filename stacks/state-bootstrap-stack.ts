import { Aspects, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { PipelineConfig, StateConfig } from '../config/types';
import { ConfigError } from '../config/validate';
import { StateBucket } from '../constructs/state-bucket';
import { Guardrails } from '../guardrails';
import { DEFAULT_LOCAL_STATE_DIR, localStatePath } from './local-state';
import { configureProvider, type StackOptions } from './pipeline-stack';

/** The bootstrap stack of one account: `state-bootstrap-<account id>`. */
export const stateBootstrapStackId = (accountId: string): string => `state-bootstrap-${accountId}`;

type WithState = PipelineConfig & { state: StateConfig };

/**
 * The environments with remote state, by the account their state bucket lives in: one bootstrap
 * stack each. @throws ConfigError when one account's state buckets are in different regions (one
 * provider per stack would create them all in the first region).
 */
export function bootstrapGroups(configs: PipelineConfig[]): Map<string, WithState[]> {
  const groups = new Map<string, WithState[]>();
  for (const cfg of configs.filter((c): c is WithState => c.state !== null))
    groups.set(cfg.accountId, [...(groups.get(cfg.accountId) ?? []), cfg]);
  for (const [account, group] of groups) {
    const regions = [...new Set(group.map((c) => c.state.region))];
    if (regions.length > 1) {
      throw new ConfigError(
        `The state buckets of account ${account} are in different regions (${group.map((c) => `${c.environment}: ${c.state.region}`).join(', ')}): use one state region per account`,
      );
    }
  }
  return groups;
}

/**
 * Creates the state bucket(s) of one account's environments (their `state`). Each account has a
 * stack of its own, with its own provider pinned to that account and its own state: a second
 * account's bootstrap never reads, refreshes or destroys the first one's bucket. Its state is local
 * (it cannot live in the bucket it creates), outside `cdktf.out`: `terraform.state-bootstrap-<account>.tfstate`
 * at the project root; keep it safe or migrate it into the bucket afterwards (docs/operations.md#state).
 */
export class StateBootstrapStack extends TerraformStack {
  public readonly buckets: StateBucket[] = [];

  public constructor(scope: Construct, accountId: string, configs: PipelineConfig[], options: StackOptions = {}) {
    const id = stateBootstrapStackId(accountId);
    super(scope, id);
    Aspects.of(this).add(new Guardrails({ onReport: options.onGuardrailReport }));
    const withState = configs.filter((c): c is WithState => c.state !== null && c.accountId === accountId);
    const first = withState[0];
    if (!first) throw new Error(`StateBootstrapStack of account ${accountId} needs an environment of that account with "state" configured`);
    new LocalBackend(this, { path: localStatePath(options.localStateDir ?? DEFAULT_LOCAL_STATE_DIR, id) });
    configureProvider(this, { region: first.state.region, accountId, tags: first.tags });

    const seen = new Set<string>();
    for (const cfg of withState) {
      if (seen.has(cfg.state.bucket)) continue;
      seen.add(cfg.state.bucket);
      const bucket = new StateBucket(this, `state-${cfg.state.bucket}`, { bucketName: cfg.state.bucket });
      this.buckets.push(bucket);
      new TerraformOutput(this, `state_bucket_${this.buckets.length}`, { value: bucket.storage.bucket.bucket });
    }
  }
}
