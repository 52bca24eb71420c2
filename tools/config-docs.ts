import { createGenerator } from 'ts-json-schema-generator';
import { join } from 'node:path';
import { CONFIG_DEFAULTS } from '../config/defaults';
import { CONFIG_DIR } from '../config/load';
import { PROJECT_ROOT } from '../config/project-root';
import { isObject } from '../src/core/json';

/** Where the generated schema lives; every shipped `config/<env>.json` names it in `$schema`. */
export const CONFIG_SCHEMA_FILE = join(CONFIG_DIR, 'pipeline.schema.json');

type Schema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  anyOf?: Schema[];
  items?: Schema;
};

/**
 * The JSON Schema of a config file, generated from the `ConfigFile` type in `config/types.ts`
 * (field names, types, required settings, and the JSDoc as descriptions). Editors use it for
 * completion and checks; `resolveConfig` stays the authority on values.
 */
export function generateConfigSchema(): Schema {
  const generator = createGenerator({
    path: join(PROJECT_ROOT, 'config', 'types.ts'),
    tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
    type: 'ConfigFile',
    skipTypeCheck: true,
    additionalProperties: false,
    expose: 'none',
    topRef: false,
  });
  return { ...generator.createSchema('ConfigFile'), title: 'Pipeline environment config (config/<env>.json)' } as Schema;
}

const typeOf = (s: Schema): string => {
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(' \\| ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  return ([] as string[]).concat(s.type ?? 'object').join(' \\| ');
};
const cell = (v: unknown): string => (v === undefined ? '*required*' : `\`${JSON.stringify(v)}\``);

/** The config reference table (setting, type, default, meaning), from the schema and `CONFIG_DEFAULTS`: required settings, then the others, then each section's fields. */
export function renderConfigReference(schema: Schema = generateConfigSchema()): string {
  const defaults = CONFIG_DEFAULTS as unknown as Record<string, unknown>;
  const required = new Set(schema.required ?? []);
  const props = Object.entries(schema.properties ?? {}).filter(([name]) => name !== '$schema');
  const fieldsOf = (p: Schema) => p.properties ?? p.anyOf?.find((a) => a.properties)?.properties;
  const row = (name: string, prop: Schema, dflt: unknown, type = typeOf(prop)) =>
    `| \`${name}\` | ${type} | ${cell(dflt)} | ${(prop.description ?? '').replace(/\n/g, ' ')} |`;
  const rows: string[] = ['| Setting | Type | Default | Meaning |', '| --- | --- | --- | --- |'];
  for (const [name, prop] of props) if (required.has(name)) rows.push(row(name, prop, undefined));
  for (const [name, prop] of props) if (!required.has(name) && !fieldsOf(prop)) rows.push(row(name, prop, defaults[name]));
  for (const [name, prop] of props) {
    const fields = fieldsOf(prop);
    if (!fields) continue;
    const dflt = defaults[name];
    if (!isObject(dflt)) rows.push(row(name, prop, dflt, 'object \\| null'));
    for (const [field, sub] of Object.entries(fields)) rows.push(row(`${name}.${field}`, sub, isObject(dflt) ? dflt[field] : undefined));
  }
  return `${rows.join('\n')}\n`;
}
