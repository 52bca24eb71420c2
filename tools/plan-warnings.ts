/**
 * The warnings in `terraform plan -no-color` output (deprecated arguments, undeclared variables,
 * provider notices), or null when there are none. Terraform prints its diagnostics after the
 * changes and before "Saved the plan to:", each as `Warning: <summary>` followed by its detail,
 * the block closed by a ruler line; `npm run plan` otherwise only shows its own summary, so
 * without this a reviewer would never see them.
 */
export function planWarnings(planOutput: string): string | null {
  const start = planOutput.search(/^Warning: /m);
  if (start < 0) return null;
  const rest = planOutput.slice(start);
  const end = rest.search(/^(─{10,}|Saved the plan to: )/m);
  return (end < 0 ? rest : rest.slice(0, end)).trim();
}
