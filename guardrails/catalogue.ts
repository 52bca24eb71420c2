import { eventBridgeRules } from './rules/eventbridge';
import { operationsRules } from './rules/operations';
import { reliabilityRules } from './rules/reliability';
import { securityRules } from './rules/security';
import type { Rule } from './types';

/** Every guardrail, by id. */
export const RULES: Rule[] = [...reliabilityRules, ...securityRules, ...eventBridgeRules, ...operationsRules];

/** The README's rule catalogue, generated from the rules themselves so the two never drift. */
export function catalogueMarkdown(): string {
  const rows = RULES.map((r) => `| ${r.id} | ${r.severity} | ${r.title} | ${r.why} | [docs](${r.link}) | ${r.checkov ?? '–'} |`);
  return ['| id | severity | what | why | link | checkov |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}
