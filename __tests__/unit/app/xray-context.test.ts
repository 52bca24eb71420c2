import { setTimeout as sleep } from 'node:timers/promises';
import { createNamespace, ERROR_SYMBOL } from '../../../src/app/xray-context';

/** The cls-hooked API the X-Ray SDK uses, on AsyncLocalStorage: what each call must keep doing. */
describe('X-Ray context namespace', () => {
  it('enter outside any run: a context for everything after it, async continuations included', async () => {
    const ns = createNamespace('top-level');
    expect(ns.get('segment')).toBeUndefined();
    ns.enter(ns.createContext());
    ns.set('segment', 'facade-1');
    expect(ns.get('segment')).toBe('facade-1');
    await sleep(1);
    expect(ns.get('segment')).toBe('facade-1');
    // The X-Ray SDK sets each invocation's facade segment on that context.
    ns.set('segment', 'facade-2');
    expect(await Promise.resolve().then(() => ns.get('segment'))).toBe('facade-2');
  });

  it('a later enter outside any run replaces the earlier one, as in cls-hooked', () => {
    const ns = createNamespace('re-entered');
    const first = ns.createContext();
    ns.enter(first);
    const second = ns.createContext();
    ns.enter(second);
    ns.set('segment', 'b');
    expect(second.segment).toBe('b');
    expect(first.segment).toBeUndefined();
  });

  it('each run has its own context across awaits, inheriting from the one around it, and leaves it unchanged', async () => {
    const ns = createNamespace('concurrent');
    ns.enter(ns.createContext());
    ns.set('segment', 'facade');
    const branch = (name: string, delay: number) =>
      ns.runPromise(async () => {
        expect(ns.get('segment')).toBe('facade');
        ns.set('segment', name);
        await sleep(delay);
        return ns.get('segment');
      });
    expect(await Promise.all([branch('a', 5), branch('b', 1)])).toEqual(['a', 'b']);
    expect(ns.get('segment')).toBe('facade');
  });

  it('enter inside a run applies to that run only', async () => {
    const ns = createNamespace('nested');
    ns.enter(ns.createContext());
    ns.set('segment', 'outer');
    const seen = await ns.runPromise(async () => {
      const inner = ns.createContext();
      ns.enter(inner);
      ns.set('segment', 'inner');
      await sleep(1);
      return ns.get('segment');
    });
    expect(seen).toBe('inner');
    expect(ns.get('segment')).toBe('outer');
  });

  it('bind carries the context it was bound in', async () => {
    const ns = createNamespace('bound');
    ns.enter(ns.createContext());
    const bound = ns.runAndReturn(() => {
      ns.set('segment', 'bound');
      return ns.bind(() => ns.get('segment'));
    });
    ns.set('segment', 'later');
    await sleep(1);
    expect(bound()).toBe('bound');
  });

  it('tags an error thrown in a run with its context', () => {
    const ns = createNamespace('errors');
    let caught: unknown;
    let context: unknown;
    try {
      ns.run((c) => {
        context = c;
        throw new Error('boom');
      });
    } catch (e) {
      caught = e;
    }
    expect((caught as Record<string, unknown>)[ERROR_SYMBOL]).toBe(context);
    expect(ns.fromException(caught as Record<string, unknown>)).toBe(context);
  });
});
