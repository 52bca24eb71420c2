import type { StackModel } from './stack-model';

export type Severity = 'error' | 'warning';

/** One thing a rule found wrong, on one resource. */
export interface Finding {
  /** Terraform address, `aws_sqs_queue.<logical id>`. */
  address: string;
  message: string;
}

/** A synth-time check. Rules read the synthesized stack, so they catch misconfigurations whoever wrote them. */
export interface Rule {
  id: string;
  severity: Severity;
  title: string;
  /** Why it matters: what AWS does at deploy time or in production otherwise. */
  why: string;
  fix: string;
  link: string;
  /** The equivalent checkov check, where one exists. */
  checkov?: string;
  check(model: StackModel): Finding[];
}

export interface Violation extends Finding {
  ruleId: string;
  severity: Severity;
  fix: string;
  link: string;
  /** The construct path of the resource (for annotations). */
  constructPath?: string;
}

export interface Suppression {
  ruleId: string;
  reason: string;
}

export interface GuardrailReport {
  stack: string;
  errors: Violation[];
  warnings: Violation[];
  suppressed: Array<Violation & { reason: string }>;
}
