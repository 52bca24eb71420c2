import { getDenialReasons, getGrantReasons, runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { StackPolicies } from './stack-policies';

/** Who makes a call: a function's role session, or an AWS service acting on a resource policy. */
export type CallerPrincipal = { kind: 'function'; functionName: string } | { kind: 'service'; service: string; label: string };

export interface AuthorizationRequest {
  principal: CallerPrincipal;
  action: string;
  resource: string;
  /** Condition keys AWS would supply (`aws:SourceArn`, `aws:SourceAccount`, …). */
  context?: Record<string, string>;
}

export interface Decision {
  allowed: boolean;
  /** `Allowed`, `ImplicitlyDenied`, `ExplicitlyDenied`. */
  result: string;
  /** Which statements decided, from the library's analysis: `identity ingest-dev-processor-policy#WriteItems`. */
  decidedBy: string[];
  /** The message AWS would put in its AccessDenied error. */
  message: string;
}

export interface Denial extends AuthorizationRequest {
  caller: string;
  decision: Decision;
  count: number;
}

/** Calls allowed, per caller and action; every distinct denial with what decided it. */
export interface PermissionsReport {
  enforced: boolean;
  allowed: Array<{ caller: string; action: string; count: number }>;
  denied: Array<{ caller: string; action: string; resource: string; result: string; decidedBy: string[]; message: string; count: number }>;
  /** AWS managed policies attached to a role: not readable offline, so named and not evaluated. */
  unresolvedManagedPolicies: Array<{ caller: string; policyArn: string }>;
  /** Service-to-service edges checked once at start (deliveries, the event source mapping, the alarm path). */
  edges: Array<{ edge: string; allowed: boolean; detail: string }>;
}

const toList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

const globCache = new Map<string, RegExp>();
/** IAM's `*` and `?` in a Resource pattern, as a regular expression. */
function globMatches(pattern: string, value: string): boolean {
  let re = globCache.get(pattern);
  if (!re) {
    re = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
      's',
    );
    globCache.set(pattern, re);
  }
  return re.test(value);
}

/**
 * IAM's `*` and `?` match any character, line breaks included; iam-simulate (0.1.x) compiles them to
 * `.*?`/`.` without the dotAll flag, so a key with a newline would be denied where AWS allows it.
 * Until the library matches as AWS does, the characters `.` skips are handed to it as one it does
 * not skip. A policy naming such a character literally would then no longer match it; this
 * project's policies name none (they are wildcards over key prefixes).
 */
export const forWildcardMatching = (value: string): string => value.replace(/[\n\r\u2028\u2029]/g, '\u0000');

const roleSession = (roleArn: string, functionName: string): string => {
  const [, , , , account, resource] = roleArn.split(':');
  return `arn:aws:sts::${account}:assumed-role/${resource!.split('/').pop()}/${functionName}`;
};

/**
 * Authorizes calls with AWS's evaluation logic (`@cloud-copilot/iam-simulate`: identity and resource
 * policies, every condition operator, same-account rules) over the policies the stack synthesizes.
 * Local calls are plain HTTP on loopback: they count as `aws:SecureTransport` true, as the SDK's
 * HTTPS calls on AWS would. Decisions are cached per request shape (the library takes ~1 ms a call).
 */
export class Authorizer {
  private readonly cache = new Map<string, Promise<{ decision: Decision; resource: string }>>();
  private readonly patternMemo = new Map<string, string[] | null>();
  private readonly allowedCounts = new Map<string, { caller: string; action: string; count: number }>();
  private readonly denials = new Map<string, Denial>();
  public readonly edges: PermissionsReport['edges'] = [];

  public constructor(private readonly policies: StackPolicies) {}

  public callerName(p: CallerPrincipal): string {
    return p.kind === 'function' ? p.functionName : p.label;
  }

  /** The decision for a request, recorded for the report. */
  public async check(req: AuthorizationRequest): Promise<Decision> {
    const key = this.cacheKey(req);
    let cached = this.cache.get(key);
    if (!cached) {
      cached = this.evaluate(req).then((decision) => ({ decision, resource: req.resource }));
      this.cache.set(key, cached);
    }
    const { decision, resource } = await cached;
    // A decision shared by resources of one shape names the resource actually asked for.
    const d = resource === req.resource ? decision : { ...decision, message: decision.message.split(resource).join(req.resource) };
    const caller = this.callerName(req.principal);
    if (d.allowed) {
      const k = `${caller} ${req.action}`;
      const entry = this.allowedCounts.get(k) ?? { caller, action: req.action, count: 0 };
      entry.count++;
      this.allowedCounts.set(k, entry);
    } else {
      const existing = this.denials.get(key);
      if (existing) existing.count++;
      else this.denials.set(key, { ...req, caller, decision: d, count: 1 });
    }
    return d;
  }

  /**
   * Requests that only the resource tells apart share a decision when the resource matches the same
   * statements' `Resource`/`NotResource` patterns (in the caller's policies and the target's policy)
   * within the same bucket, queue or table: IAM reads the resource nowhere else here (no resource
   * tags). So each object key does not cost a simulation (~1.5 ms, the library validating the ARN).
   */
  private cacheKey(req: AuthorizationRequest): string {
    const container = req.resource.replace(/\/.*$/, '');
    const patterns = this.resourcePatterns(req, container);
    if (patterns === null) return JSON.stringify(req);
    const matches = patterns.map((p) => (globMatches(p, req.resource) ? '1' : '0')).join('');
    return JSON.stringify({ ...req, resource: `${container}|${matches}` });
  }

  /** The Resource/NotResource patterns that apply to a caller and a target, once per pair (every call needs them); null when one has a policy variable. */
  private resourcePatterns(req: AuthorizationRequest, container: string): string[] | null {
    const target = this.policies.resourcePolicies[req.resource] ? req.resource : container;
    const memo = `${this.callerName(req.principal)}|${target}`;
    let patterns = this.patternMemo.get(memo);
    if (patterns === undefined) {
      const fn = req.principal.kind === 'function' ? this.policies.functions[req.principal.functionName] : undefined;
      const statements = [
        ...(fn?.identityPolicies.flatMap((p) => p.policy.Statement) ?? []),
        ...(this.resourcePolicy(req.resource)?.Statement ?? []),
      ];
      const all = statements.flatMap((st) => [...toList(st.Resource), ...toList(st.NotResource)]);
      patterns = all.some((p) => p.includes('${')) ? null : all;
      this.patternMemo.set(memo, patterns);
    }
    return patterns;
  }

  private resourcePolicy(resource: string) {
    return this.policies.resourcePolicies[resource] ?? this.policies.resourcePolicies[resource.replace(/\/.*$/, '')];
  }

  public report(enforced = true): PermissionsReport {
    return {
      enforced,
      allowed: [...this.allowedCounts.values()].sort((a, b) => `${a.caller} ${a.action}`.localeCompare(`${b.caller} ${b.action}`)),
      denied: [...this.denials.values()].map((d) => ({
        caller: d.caller,
        action: d.action,
        resource: d.resource,
        result: d.decision.result,
        decidedBy: d.decision.decidedBy,
        message: d.decision.message,
        count: d.count,
      })),
      unresolvedManagedPolicies: Object.values(this.policies.functions).flatMap((f) =>
        f.managedPolicyArns
          .filter((a) => a.startsWith('arn:aws:iam::aws:policy/'))
          .map((policyArn) => ({ caller: f.functionName, policyArn })),
      ),
      edges: this.edges,
    };
  }

  private async evaluate(req: AuthorizationRequest): Promise<Decision> {
    const p = req.principal;
    const fn = p.kind === 'function' ? this.policies.functions[p.functionName] : undefined;
    if (p.kind === 'function' && !fn) throw new Error(`The synthesized stack has no function "${p.functionName}"`);
    const principal = fn ? roleSession(fn.roleArn, fn.functionName) : (p as { service: string }).service;
    const resourcePolicy = this.resourcePolicy(req.resource);
    const simulation: Simulation = {
      identityPolicies: fn ? fn.identityPolicies.map((x) => ({ name: x.name, policy: x.policy })) : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
      request: {
        principal,
        action: req.action,
        resource: { resource: forWildcardMatching(req.resource), accountId: this.policies.accountId },
        contextVariables: {
          'aws:SecureTransport': 'true',
          ...(fn ? { 'aws:PrincipalArn': fn.roleArn, 'aws:PrincipalAccount': this.policies.accountId } : {}),
          ...Object.fromEntries(Object.entries(req.context ?? {}).map(([k, v]) => [k, forWildcardMatching(v)])),
        },
      },
    } as Simulation;
    const out = await runSimulation(simulation, {});
    if (out.resultType === 'error')
      throw new Error(`IAM simulation of ${req.action} on ${req.resource} failed: ${JSON.stringify(out.errors)}`);
    const analysis = out.resultType === 'single' ? out.result.analysis : undefined;
    const allowed = out.overallResult === 'Allowed';
    const decidedBy = analysis
      ? allowed
        ? getGrantReasons(analysis).map(
            (g) => `${g.policyType}${'policyIdentifier' in g ? ` ${g.policyIdentifier}` : ''}#${g.statementId ?? g.statementIndex}`,
          )
        : getDenialReasons(analysis).map((d) =>
            d.denialType === 'Explicit'
              ? `explicit deny: ${d.policyType}${d.policyIdentifier ? ` ${d.policyIdentifier}` : ''}#${d.statementId ?? d.statementIndex}`
              : `no ${d.policyType} policy allows it`,
          )
      : [];
    const why =
      out.overallResult === 'ExplicitlyDenied'
        ? `with an explicit deny in a ${decidedBy.join(', ')}`
        : `because no ${fn ? 'identity-based' : 'resource-based'} policy allows the ${req.action} action`;
    return {
      allowed,
      result: out.overallResult,
      decidedBy,
      message: allowed ? '' : `User: ${principal} is not authorized to perform: ${req.action} on resource: ${req.resource} ${why}`,
    };
  }
}
