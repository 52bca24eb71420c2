/**
 * The `cls-hooked/context` API the X-Ray SDK uses for context propagation, on Node's
 * AsyncLocalStorage. The bundle substitutes it for cls-hooked (an esbuild alias).
 *
 * Why: cls-hooked tracks every promise with an async_hooks destroy hook, so with tracing on each
 * record paid for it several times over — the largest share of the processor's CPU beyond the SDK
 * calls themselves (docs/benchmarks.md). AsyncLocalStorage keeps the same semantics (a context
 * follows the async calls made inside `run`/`bind`/`enter`) without destroy tracking. The X-Ray
 * SDK's maintainers named this path (aws/aws-xray-sdk-node#338); tests check that each
 * invocation's subsegments carry that invocation's trace.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

type Context = Record<string, unknown>;

export const ERROR_SYMBOL = 'error@context';

export class Namespace {
  private readonly storage = new AsyncLocalStorage<Context>();
  /**
   * cls-hooked's `enter` outside any `run` sets a context for everything after it: the X-Ray
   * SDK does so once at load in Lambda; it is the context wherever no run/bind context applies.
   */
  private fallback: Context | null = null;

  public constructor(public readonly name: string) {}

  public get active(): Context | null {
    return this.storage.getStore() ?? this.fallback;
  }

  public set(key: string, value: unknown): unknown {
    const context = this.active;
    if (!context) throw new Error('No context available. ns.run() or ns.bind() must be called first.');
    context[key] = value;
    return value;
  }

  public get(key: string): unknown {
    return this.active?.[key];
  }

  /** A child of the active context (prototype-inherited, as in cls-hooked). */
  public createContext(): Context {
    const context = Object.create(this.active ?? Object.prototype) as Context;
    context._ns_name = this.name;
    return context;
  }

  public run(fn: (context: Context) => void): Context {
    const context = this.createContext();
    this.storage.run(context, () => this.tagErrors(context, () => fn(context)));
    return context;
  }

  public runAndReturn<T>(fn: (context: Context) => T): T {
    const context = this.createContext();
    return this.storage.run(context, () => this.tagErrors(context, () => fn(context)));
  }

  public runPromise<T>(fn: (context: Context) => Promise<T>): Promise<T> {
    const context = this.createContext();
    return this.storage.run(context, () => {
      const promise = fn(context);
      if (!promise || typeof promise.then !== 'function') throw new Error('fn must return a promise.');
      return promise.catch((e: unknown) => {
        if (e && typeof e === 'object') (e as Record<string, unknown>)[ERROR_SYMBOL] = context;
        throw e;
      });
    });
  }

  public bind<F extends (...args: never[]) => unknown>(fn: F, context?: Context): F {
    const bound = context ?? this.active ?? this.createContext();
    const storage = this.storage;
    const tag = this.tagErrors.bind(this);
    return function clsBind(this: unknown, ...args: never[]) {
      return storage.run(bound, () => tag(bound, () => fn.apply(this, args)));
    } as F;
  }

  /**
   * For the rest of this synchronous execution and what it starts (cls-hooked: until `exit`). Outside
   * any run/bind context (the X-Ray SDK's one call, at load in Lambda) it becomes the fallback, which
   * everything after it sees, without `enterWith`: that would switch on AsyncLocalStorage's async hooks
   * for the life of the process, and with them a cost on every promise of every invocation, sampled
   * or not, for a context no code path here ever changes.
   */
  public enter(context: Context): void {
    if (!context) throw new Error('context must be provided for entering');
    if (this.storage.getStore() === undefined) this.fallback = context;
    else this.storage.enterWith(context);
  }

  /** AsyncLocalStorage restores the outer context when `run` returns: nothing to undo. */
  public exit(context: Context): void {
    if (!context) throw new Error('context must be provided for exiting');
  }

  /** Event emitters keep the context they were bound in (the X-Ray SDK binds none; kept for the API). */
  public bindEmitter(emitter: { on: (...a: unknown[]) => unknown }): void {
    void emitter;
  }

  public fromException(exception: Record<string, unknown>): Context | undefined {
    return exception?.[ERROR_SYMBOL] as Context | undefined;
  }

  private tagErrors<T>(context: Context, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e && typeof e === 'object') (e as Record<string, unknown>)[ERROR_SYMBOL] = context;
      throw e;
    }
  }
}

const namespaces = new Map<string, Namespace>();

export function getNamespace(name: string): Namespace | undefined {
  return namespaces.get(name);
}

export function createNamespace(name: string): Namespace {
  const ns = new Namespace(name);
  namespaces.set(name, ns);
  return ns;
}

export function destroyNamespace(name: string): void {
  namespaces.delete(name);
}

export function reset(): void {
  namespaces.clear();
}
