import { App } from 'cdktf';
import { CONFIG_DIR, listEnvironments, loadAllConfigs } from './config/load';
import type { PipelineConfig } from './config/types';
import { ConfigError } from './config/validate';
import { formatViolation, type GuardrailReport } from './guardrails';
import { PipelineStack, type StackOptions } from './stacks/pipeline-stack';
import { DEFAULT_LOCAL_STATE_DIR, describeStateMove, migrateLegacyLocalState } from './stacks/local-state';
import { bootstrapGroups, StateBootstrapStack, stateBootstrapStackId } from './stacks/state-bootstrap-stack';
import { installProviderLockFile } from './stacks/provider-lock';

export { PipelineStack } from './stacks/pipeline-stack';
export { StateBootstrapStack } from './stacks/state-bootstrap-stack';

/**
 * One pipeline stack per `config/<env>.json`, plus one state bootstrap stack per account whose
 * environments keep their state in S3 (`state-bootstrap-<account>`). `ONLY_ENV=dev` limits synth to
 * one environment; `CONFIG_DIR` reads the environments from another folder; `LOCAL_STATE_DIR` puts
 * the local state files elsewhere than the project root (a second checkout comparing synths).
 */
export function buildApp(configs: PipelineConfig[], app = new App(), options: StackOptions = {}): App {
  for (const cfg of configs) new PipelineStack(app, cfg, options);
  for (const account of bootstrapGroups(configs).keys()) new StateBootstrapStack(app, account, configs, options);
  return app;
}

/** One line per stack, then every warning and suppression: what reviewers should see at each synth. */
export function printGuardrailReport(report: GuardrailReport, write: (line: string) => void): void {
  write(
    `guardrails ${report.stack}: ${report.errors.length} error(s), ${report.warnings.length} warning(s), ${report.suppressed.length} suppressed`,
  );
  for (const v of [...report.errors, ...report.warnings]) write(`  ${v.severity.toUpperCase()} ${formatViolation(v)}`);
  for (const v of report.suppressed) write(`  SUPPRESSED [${v.ruleId}] ${v.address}: ${v.reason}`);
}

/** Synthesizes every environment (or `ONLY_ENV`); a config problem is printed as a list, exit 1, no stack trace. */
function synthFromConfig(): number {
  const only = process.env.ONLY_ENV;
  // CONFIG_DIR: another folder of <env>.json files (tests; trying a config without touching config/).
  const dir = process.env.CONFIG_DIR ?? CONFIG_DIR;
  const localStateDir = process.env.LOCAL_STATE_DIR ?? DEFAULT_LOCAL_STATE_DIR;
  let all: PipelineConfig[];
  let app: App;
  try {
    all = loadAllConfigs(dir);
    const configs = all.filter((c) => !only || c.environment === only);
    if (configs.length === 0) {
      throw new ConfigError(
        only
          ? `No environment named "${only}" in ${dir} (known: ${listEnvironments(dir).join(', ')})`
          : `No environment in ${dir}: add <env>.json`,
      );
    }
    app = buildApp(configs, new App(), {
      localStateDir,
      onGuardrailReport: (r) => printGuardrailReport(r, (line) => process.stderr.write(`${line}\n`)),
    });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 1;
  }
  // Before the cdktf CLI removes the stack folders this synth does not produce: every one of them.
  for (const move of migrateLegacyLocalState(app.outdir, localStateDir, all, stateBootstrapStackId))
    process.stderr.write(`${describeStateMove(move)}\n`);
  app.synth();
  installProviderLockFile(app.outdir);
  return 0;
}

if (require.main === module) process.exitCode = synthFromConfig();
