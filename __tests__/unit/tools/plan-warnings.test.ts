import { planWarnings } from '../../../tools/plan-warnings';

/** Recorded from terraform 1.11.4 (`plan -no-color -out=p.tfplan`, a tfvars value for an undeclared variable). */
const WARNED = `
Changes to Outputs:
  + x = "y"

You can apply this plan to save these new output values to the Terraform
state, without changing any real infrastructure.

Warning: Value for undeclared variable

The root module does not declare a variable named "foo" but a value was found
in file "terraform.tfvars". If you meant to use this value, add a "variable"
block to the configuration.

To silence these warnings, use TF_VAR_... environment variables to provide
certain "global" settings to all configurations in your organization. To
reduce the verbosity of these warnings, use the -compact-warnings option.

─────────────────────────────────────────────────────────────────────────────

Saved the plan to: p.tfplan

To perform exactly these actions, run the following command to apply:
    terraform apply "p.tfplan"
`;

describe('terraform plan warnings', () => {
  it('returns each warning with its detail, without the plan or the "Saved the plan" notes', () => {
    const w = planWarnings(WARNED)!;
    expect(w.startsWith('Warning: Value for undeclared variable\n\nThe root module does not declare')).toBe(true);
    expect(w.endsWith('use the -compact-warnings option.')).toBe(true);
    expect(w).not.toMatch(/Changes to Outputs|Saved the plan|─/);
  });

  it('keeps several warnings together', () => {
    const two = WARNED.replace('─────', 'Warning: Argument is deprecated\n\nUse aws_s3_bucket_versioning instead.\n\n─────');
    expect(planWarnings(two)!.match(/^Warning: /gm)).toHaveLength(2);
  });

  it('is null for a plan with no warnings, even when a resource mentions "Warning:" inside a value', () => {
    expect(planWarnings(`${WARNED.slice(0, WARNED.indexOf('Warning:'))}Saved the plan to: p.tfplan\n`)).toBeNull();
    expect(planWarnings('  + description = "Warning: not at a line start"\n\nPlan: 1 to add, 0 to change, 0 to destroy.\n')).toBeNull();
  });
});
