export { RULES, catalogueMarkdown } from './catalogue';
export { evaluateStack, formatViolation, Guardrails, suppressRule, type GuardrailsOptions } from './guardrails';
export type { Finding, GuardrailReport, Rule, Severity, Violation } from './types';
