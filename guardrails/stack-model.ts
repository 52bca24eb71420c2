import { parsePolicyStatements, type PolicyStatementJson } from '../constructs/policy-document';

/** A resource of the synthesized stack. */
export interface ModelResource {
  type: string;
  name: string;
  address: string;
  body: Record<string, unknown>;
  /** The construct path cdktf records in `//.metadata.path`. */
  path?: string;
}

export interface Reference {
  type: string;
  name: string;
  attr: string;
}

const REF = /\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}/g;

/** Synthesized stack JSON with the lookups rules need: resources by type, references between them. */
export class StackModel {
  private readonly byAddress = new Map<string, ModelResource>();

  public constructor(
    public readonly json: { resource?: Record<string, Record<string, Record<string, unknown>>>; terraform?: Record<string, unknown> },
  ) {
    for (const [type, group] of Object.entries(json.resource ?? {})) {
      for (const [name, body] of Object.entries(group)) {
        const meta = (body['//'] as { metadata?: { path?: string } } | undefined)?.metadata;
        this.byAddress.set(`${type}.${name}`, { type, name, address: `${type}.${name}`, body, path: meta?.path });
      }
    }
  }

  public resources(type: string): ModelResource[] {
    return [...this.byAddress.values()].filter((r) => r.type === type);
  }

  public get(address: string): ModelResource | undefined {
    return this.byAddress.get(address);
  }

  /** Every `${type.name.attr}` reference inside a value (strings, arrays, objects). */
  public refsIn(value: unknown): Reference[] {
    const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
    return [...text.matchAll(REF)].map((m) => ({ type: m[1]!, name: m[2]!, attr: m[3]! }));
  }

  /** The resource a value refers to, if it refers to exactly one. */
  public deref(value: unknown, type?: string): ModelResource | undefined {
    const refs = this.refsIn(value).filter((r) => type === undefined || r.type === type);
    return refs.length === 1 ? this.get(`${refs[0]!.type}.${refs[0]!.name}`) : undefined;
  }

  /** True when `value` refers to `target` (any attribute). */
  public refersTo(value: unknown, target: ModelResource): boolean {
    return this.refsIn(value).some((r) => r.type === target.type && r.name === target.name);
  }

  /** True when `resource.depends_on` lists `target`. */
  public dependsOn(resource: ModelResource, target: ModelResource): boolean {
    const deps = (resource.body.depends_on as string[] | undefined) ?? [];
    return deps.includes(target.address);
  }

  /** Parses a JSON document held in a string attribute (policies, redrive policies); undefined if not JSON. */
  public static parseJson<T = unknown>(value: unknown): T | undefined {
    if (typeof value !== 'string') return undefined;
    try {
      return JSON.parse(value) as T;
    } catch {
      return undefined;
    }
  }
}

/** A number attribute, the provider's default when unset, undefined when it is an unresolved expression. */
export function numberAttr(body: Record<string, unknown>, name: string, providerDefault: number): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return providerDefault;
  return typeof v === 'number' ? v : undefined;
}

/** The statements of a policy attribute; none when it is not a policy document (e.g. an unresolved expression). */
export function statementsOf(policy: unknown): PolicyStatementJson[] {
  return parsePolicyStatements(policy) ?? [];
}

export const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
