import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/project-root';
import { catalogueMarkdown } from '../../guardrails';
import {
  CONFIG_SCHEMA_FILE,
  CONFIG_VALIDATOR_FILE,
  generateConfigSchema,
  generateConfigValidator,
  renderConfigReference,
} from '../config-docs';
import { command } from '../../cli/command';
import { runMain } from '../../cli/run-main';

/** A generated file, or a generated block between two markers of a hand-written one. */
export interface GeneratedDoc {
  file: string;
  /** The markers' name (`<!-- NAME:start -->`); none: the whole file is generated. */
  block?: string;
  render: () => string;
}

export const GENERATED_DOCS: GeneratedDoc[] = [
  { file: CONFIG_SCHEMA_FILE, render: () => `${JSON.stringify(generateConfigSchema(), null, 2)}\n` },
  { file: CONFIG_VALIDATOR_FILE, render: () => generateConfigValidator() },
  { file: join(PROJECT_ROOT, 'docs', 'config.md'), block: 'config:reference', render: () => renderConfigReference() },
  { file: join(PROJECT_ROOT, 'docs', 'guardrails.md'), block: 'guardrails:catalogue', render: () => `${catalogueMarkdown()}\n` },
];

const markers = (block: string) => new RegExp(`(<!-- ${block}:start -->\\n)[\\s\\S]*?(<!-- ${block}:end -->)`);

/** The file's content with its generated part brought up to date. */
export function regenerate(doc: GeneratedDoc): string {
  if (!doc.block) return doc.render();
  const current = readFileSync(doc.file, 'utf8');
  if (!markers(doc.block).test(current)) throw new Error(`${doc.file} has no <!-- ${doc.block}:start/end --> markers`);
  return current.replace(markers(doc.block), (_m, start: string, end: string) => `${start}${doc.render()}${end}`);
}

const USAGE = `Usage: npm run docs [-- --check]

Regenerates the config JSON Schema, the config reference (docs/config.md) and the guardrail
catalogue (docs/guardrails.md) from the code. --check changes nothing and exits 1 if any is stale.`;

export const main = command({ usage: USAGE, options: { check: { type: 'boolean', default: false } } }, async ({ values, write }) => {
  const check = values.check;
  let stale = 0;
  for (const doc of GENERATED_DOCS) {
    const next = regenerate(doc);
    let current = '';
    try {
      current = readFileSync(doc.file, 'utf8');
    } catch {
      // a generated file not written yet
    }
    if (next === current) continue;
    stale++;
    if (check) process.stderr.write(`stale: ${doc.file} (run npm run docs)\n`);
    else {
      writeFileSync(doc.file, next);
      write(`updated ${doc.file}\n`);
    }
  }
  if (stale === 0) write('generated docs are up to date\n');
  return check && stale > 0 ? 1 : 0;
});

runMain(module, main);
