/**
 * IAM policy documents as plain JSON strings. Terraform tokens inside (ARNs) are resolved
 * by cdktf into interpolations, and tests can `JSON.parse` the synthesized text.
 */

export interface PolicyStatement {
  sid: string;
  effect?: 'Allow' | 'Deny';
  actions: string[];
  /** Omitted only in trust policies, which name no resource. */
  resources?: string[];
  /** `{ Service: "s3.amazonaws.com" }`, `{ AWS: "arn:…" }` or `"*"`; only for resource policies. */
  principal?: Record<string, string | string[]> | '*';
  /** `{ Operator: { key: value } }`, as in IAM JSON. */
  conditions?: Record<string, Record<string, string | string[]>>;
}

/** A statement as IAM JSON spells it: what {@link policyDocument} writes and what synth and plans hold. */
export interface PolicyStatementJson {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/**
 * The statements of a policy document held in a string (a synthesized or planned attribute);
 * undefined when the value is not a policy document.
 */
export function parsePolicyStatements(policy: unknown): PolicyStatementJson[] | undefined {
  if (typeof policy !== 'string') return undefined;
  let doc: { Statement?: PolicyStatementJson | PolicyStatementJson[] } | null;
  try {
    doc = JSON.parse(policy) as typeof doc;
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || doc.Statement === undefined) return undefined;
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

export function policyDocument(statements: PolicyStatement[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      Sid: s.sid,
      Effect: s.effect ?? 'Allow',
      ...(s.principal === undefined ? {} : { Principal: s.principal }),
      Action: s.actions.length === 1 ? s.actions[0] : s.actions,
      ...(s.resources === undefined ? {} : { Resource: s.resources.length === 1 ? s.resources[0] : s.resources }),
      ...(s.conditions === undefined ? {} : { Condition: s.conditions }),
    })),
  });
}

/** The statement every resource policy here carries: refuse any request not made over TLS. */
export function denyInsecureTransport(actions: string[], resources: string[]): PolicyStatement {
  return {
    sid: 'DenyInsecureTransport',
    effect: 'Deny',
    principal: '*',
    actions,
    resources,
    conditions: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/** `aws`, `aws-cn` or `aws-us-gov`, from the region, so ARNs need no data source at plan time. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** X-Ray has no resource-level permissions: `*` is the only wildcard resource allowed in this project. */
export const XRAY_STATEMENT: PolicyStatement = {
  sid: 'XRayTracing',
  actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  resources: ['*'],
};
