import { Annotations, TerraformStack, type IAspect } from 'cdktf';
import type { IConstruct } from 'constructs';
import { RULES } from './catalogue';
import { StackModel } from './stack-model';
import type { GuardrailReport, Rule, Suppression, Violation } from './types';

const suppressions = new WeakMap<IConstruct, Suppression[]>();

/**
 * Lets `scope` (and everything under it) break `ruleId`, for a written reason. The
 * suppression is reported at every synth, so it stays visible in review.
 * @example suppressRule(legacyBucket, 'SEC003', 'Read by a partner over HTTP until 2027-03; ticket OPS-412');
 */
export function suppressRule(scope: IConstruct, ruleId: string, reason: string): void {
  if (!RULES.some((r) => r.id === ruleId))
    throw new Error(`Unknown guardrail rule "${ruleId}"; known: ${RULES.map((r) => r.id).join(', ')}`);
  if (reason.trim().length < 10)
    throw new Error(`Suppressing ${ruleId} on ${scope.node.path} needs a written reason (10 characters or more)`);
  suppressions.set(scope, [...(suppressions.get(scope) ?? []), { ruleId, reason: reason.trim() }]);
}

function suppressionFor(construct: IConstruct | undefined, ruleId: string): Suppression | undefined {
  for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
    const found = suppressions.get(c)?.find((s) => s.ruleId === ruleId);
    if (found) return found;
  }
  return undefined;
}

/** Runs every rule over a stack's synthesized JSON and sorts the findings into errors, warnings and suppressed. */
export function evaluateStack(stack: TerraformStack, rules: Rule[] = RULES): GuardrailReport {
  const model = new StackModel(stack.toTerraform() as ConstructorParameters<typeof StackModel>[0]);
  const byPath = new Map(stack.node.findAll().map((c) => [c.node.path, c]));
  const report: GuardrailReport = { stack: stack.node.id, errors: [], warnings: [], suppressed: [] };
  for (const rule of rules) {
    for (const finding of rule.check(model)) {
      const constructPath = model.get(finding.address)?.path;
      const violation: Violation = { ...finding, ruleId: rule.id, severity: rule.severity, fix: rule.fix, link: rule.link, constructPath };
      const suppressed = suppressionFor(constructPath ? byPath.get(constructPath) : stack, rule.id);
      if (suppressed) report.suppressed.push({ ...violation, reason: suppressed.reason });
      else (rule.severity === 'error' ? report.errors : report.warnings).push(violation);
    }
  }
  return report;
}

export const formatViolation = (v: Violation): string => `[${v.ruleId}] ${v.address}: ${v.message}. Fix: ${v.fix} See ${v.link}`;

export interface GuardrailsOptions {
  rules?: Rule[];
  /** Receives each stack's report (the app prints warnings and suppressions from it). */
  onReport?: (report: GuardrailReport) => void;
}

/**
 * A cdktf Aspect that checks the synthesized stack against the guardrail rules. Errors become
 * error annotations, which fail synth; warnings and suppressions become warning and info
 * annotations, and are passed to `onReport`.
 */
export class Guardrails implements IAspect {
  public constructor(private readonly options: GuardrailsOptions = {}) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack)) return;
    const report = evaluateStack(node, this.options.rules);
    const byPath = new Map(node.node.findAll().map((c) => [c.node.path, c]));
    const target = (v: Violation) => (v.constructPath ? byPath.get(v.constructPath) : undefined) ?? node;
    report.errors.forEach((v) => {
      Annotations.of(target(v)).addError(formatViolation(v));
    });
    report.warnings.forEach((v) => {
      Annotations.of(target(v)).addWarning(formatViolation(v));
    });
    report.suppressed.forEach((v) => {
      Annotations.of(target(v)).addInfo(`[${v.ruleId}] suppressed on ${v.address}: ${v.reason}`);
    });
    this.options.onReport?.(report);
  }
}
