import { App } from 'cdktf';
import { loadAllConfigs } from './config/load';
import type { PipelineConfig } from './config/types';
import { PipelineStack } from './stacks/pipeline-stack';
import { StateBootstrapStack } from './stacks/state-bootstrap-stack';

export { PipelineStack } from './stacks/pipeline-stack';
export { StateBootstrapStack } from './stacks/state-bootstrap-stack';

/**
 * One pipeline stack per `config/<env>.json`, plus the state bootstrap stack when any
 * environment keeps its state in S3. `ONLY_ENV=dev` limits synth to one environment.
 */
export function buildApp(configs: PipelineConfig[], app = new App()): App {
  for (const cfg of configs) new PipelineStack(app, cfg);
  if (configs.some((c) => c.state !== null)) new StateBootstrapStack(app, configs);
  return app;
}

if (require.main === module) {
  const only = process.env.ONLY_ENV;
  const configs = loadAllConfigs().filter((c) => !only || c.environment === only);
  if (configs.length === 0) throw new Error(`No environment named "${only}" in config/`);
  buildApp(configs).synth();
}
