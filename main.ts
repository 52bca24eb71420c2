import { App } from 'cdktf';
import { loadAllConfigs } from './config/load';
import type { PipelineConfig } from './config/types';
import { formatViolation, type GuardrailReport } from './guardrails';
import { PipelineStack, type StackOptions } from './stacks/pipeline-stack';
import { StateBootstrapStack } from './stacks/state-bootstrap-stack';

export { PipelineStack } from './stacks/pipeline-stack';
export { StateBootstrapStack } from './stacks/state-bootstrap-stack';

/**
 * One pipeline stack per `config/<env>.json`, plus the state bootstrap stack when any
 * environment keeps its state in S3. `ONLY_ENV=dev` limits synth to one environment.
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

if (require.main === module) {
  const only = process.env.ONLY_ENV;
  const configs = loadAllConfigs().filter((c) => !only || c.environment === only);
  if (configs.length === 0) throw new Error(`No environment named "${only}" in config/`);
  buildApp(configs, new App(), { onGuardrailReport: (r) => printGuardrailReport(r, (line) => process.stderr.write(`${line}\n`)) }).synth();
}
