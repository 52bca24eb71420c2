import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PROJECT_ROOT } from './project-root';
import type { PipelineConfig } from './types';
import { ConfigError, ConfigValidationError, resolveConfig } from './validate';

/** The folder holding `<env>.json` files. */
export const CONFIG_DIR = join(PROJECT_ROOT, 'config');

/** Reads and validates `config/<environment>.json`. */
export function loadConfig(environment: string, dir = CONFIG_DIR): PipelineConfig {
  const file = join(dir, `${environment}.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigValidationError(file, [
      `no such environment "${environment}" (expected ${file}); known: ${listEnvironments(dir).join(', ') || 'none'}`,
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigValidationError(file, [`not valid JSON: ${(e as Error).message}`]);
  }
  return resolveConfig(raw, file, environment);
}

/** Every environment with a config file, sorted. */
export function listEnvironments(dir = CONFIG_DIR): string[] {
  return (
    readdirSync(dir)
      // `pipeline.schema.json` beside them is the editors' JSON Schema, not an environment.
      .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
      .map((f) => basename(f, '.json'))
      .sort()
  );
}

/** All environments' configs; every file's problems are reported together. */
export function loadAllConfigs(dir = CONFIG_DIR): PipelineConfig[] {
  const configs: PipelineConfig[] = [];
  const failures: string[] = [];
  for (const env of listEnvironments(dir)) {
    try {
      configs.push(loadConfig(env, dir));
    } catch (e) {
      if (!(e instanceof ConfigValidationError)) throw e;
      failures.push(e.message);
    }
  }
  if (failures.length > 0) throw new ConfigError(failures.join('\n'));
  return configs;
}
