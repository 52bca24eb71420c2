/**
 * Lambda's Node.js runtimes and their dates, in one place: the functions' default runtime, the
 * guardrail and `npm run preflight` read them from here.
 * Source: AWS Lambda developer guide, "Lambda runtimes" (supported and deprecated runtimes tables),
 * as of 2026-12-01. `deprecated`: no more security patches or support; `blockUpdate`: functions on
 * it can no longer be updated.
 */
interface RuntimeDates {
  deprecated: string;
  /** Where AWS has announced it. */
  blockUpdate?: string;
  /**
   * Why the pinned provider cannot deploy it, if it cannot: hashicorp/aws 5.100.0 (the version
   * @cdktf/provider-aws 20.1.0 is generated from) validates `runtime` against a list that ends at
   * nodejs22.x, and refuses the plan otherwise (checked with `npm run plan -- --offline`).
   */
  notDeployable?: string;
}

export const LAMBDA_NODE_RUNTIMES = {
  'nodejs20.x': { deprecated: '2026-04-30', blockUpdate: '2026-09-30' },
  'nodejs22.x': { deprecated: '2027-04-30' },
  'nodejs24.x': {
    deprecated: '2028-04-30',
    notDeployable:
      'the pinned hashicorp/aws 5.100.0 refuses it at plan ("expected runtime to be one of […] nodejs22.x"); it needs a newer AWS provider (6.x) than cdktf 0.21 ships bindings for',
  },
} as const satisfies Record<string, RuntimeDates>;

export type LambdaNodeRuntime = keyof typeof LAMBDA_NODE_RUNTIMES;

/**
 * The runtime new environments deploy their functions on (config `runtime`): the newest one the
 * pinned provider can deploy. nodejs24.x is the newest Lambda offers, but the provider refuses it
 * (see `notDeployable`); guardrail OPS009 warns that nodejs22.x is deprecated within six months.
 */
export const DEFAULT_LAMBDA_RUNTIME: LambdaNodeRuntime = 'nodejs22.x';

/** esbuild's target for a runtime: `nodejs24.x` → `node24`. */
export const nodeTargetOf = (runtime: string): string => `node${/^nodejs(\d+)\.x$/.exec(runtime)?.[1] ?? '24'}`;

/** How long before its deprecation a runtime is reported as a warning. */
export const RUNTIME_WARNING_DAYS = 183;

export type RuntimeStatus = { status: 'supported' | 'deprecating' | 'deprecated' | 'unknown'; detail: string };

/** What a runtime's dates mean on `today`. */
export function runtimeStatus(runtime: string, today = new Date()): RuntimeStatus {
  const dates = (LAMBDA_NODE_RUNTIMES as Record<string, RuntimeDates>)[runtime];
  if (!dates)
    return {
      status: 'unknown',
      detail: `${runtime} is not a Node.js runtime this project knows (${Object.keys(LAMBDA_NODE_RUNTIMES).join(', ')})`,
    };
  const days = Math.floor((Date.parse(`${dates.deprecated}T00:00:00Z`) - today.getTime()) / 86_400_000);
  if (days <= 0)
    return {
      status: 'deprecated',
      detail: `${runtime} was deprecated on ${dates.deprecated}${dates.blockUpdate ? `; function updates are blocked from ${dates.blockUpdate}` : ''}`,
    };
  if (days <= RUNTIME_WARNING_DAYS)
    return { status: 'deprecating', detail: `${runtime} is deprecated on ${dates.deprecated}, in ${days} days` };
  return { status: 'supported', detail: `${runtime} is supported until ${dates.deprecated}` };
}
