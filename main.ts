import { App } from 'cdktf';
import { CONFIG_DIR, listEnvironments, loadAllConfigs } from './config/load';
import type { PipelineConfig } from './config/types';
import { ConfigError } from './config/validate';
import { formatViolation, type GuardrailReport } from './guardrails';
import { PipelineStack, type StackOptions } from './stacks/pipeline-stack';
import { StateBootstrapStack } from './stacks/state-bootstrap-stack';
import { installProviderLockFile } from './stacks/provider-lock';

export { PipelineStack } from './stacks/pipeline-stack';
export { StateBootstrapStack } from './stacks/state-bootstrap-stack';

/**
 * One pipeline stack per `config/<env>.json`, plus the state bootstrap stack when any
 * environment keeps its state in S3. `ONLY_ENV=dev` limits synth to one environment; `CONFIG_DIR` reads
 * the environments from another folder.
 */
export function buildApp(configs: PipelineConfig[], app = new App(), options: StackOptions = {}): App {
  for (const cfg of configs) new PipelineStack(app, cfg, options);
  if (configs.some((c) => c.state !== null)) new StateBootstrapStack(app, configs, options);
  return app;
}

/** One line per stack, then every warning and suppression: what reviewers should see at each synth. */
export function printGuardrailReport(report: GuardrailReport, write: (line: string) => void): void {
  write(`guardrails ${report.stack}: ${report.errors.length} error(s), ${report.warnings.length} warning(s), ${report.suppressed.length} suppressed`);
  for (const v of [...report.errors, ...report.warnings]) write(`  ${v.severity.toUpperCase()} ${formatViolation(v)}`);
  for (const v of report.suppressed) write(`  SUPPRESSED [${v.ruleId}] ${v.address}: ${v.reason}`);
}

/** Synthesizes every environment (or `ONLY_ENV`); a config problem is printed as a list, exit 1, no stack trace. */
function synthFromConfig(): number {
  const only = process.env.ONLY_ENV;
  // CONFIG_DIR: another folder of <env>.json files (tests; trying a config without touching config/).
  const dir = process.env.CONFIG_DIR ?? CONFIG_DIR;
  let configs: PipelineConfig[];
  try {
    configs = loadAllConfigs(dir).filter((c) => !only || c.environment === only);
    if (configs.length === 0) {
      throw new ConfigError(only ? `No environment named "${only}" in ${dir} (known: ${listEnvironments(dir).join(', ')})` : `No environment in ${dir}: add <env>.json`);
    }
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 1;
  }
  const app = buildApp(configs, new App(), { onGuardrailReport: (r) => printGuardrailReport(r, (line) => process.stderr.write(`${line}\n`)) });
  app.synth();
  installProviderLockFile(app.outdir);
  return 0;
}

if (require.main === module) process.exitCode = synthFromConfig();
