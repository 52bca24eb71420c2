import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_LAMBDA_RUNTIME, nodeTargetOf } from '../../../config/runtimes';
import { AsyncInvoker } from '../../../local/async-invoker';
import { FunctionHost } from '../../../local/function-host';
import { waitUntil } from '../../helpers/wait';

const dir = mkdtempSync(join(tmpdir(), 'function-host-'));
const bundle = join(dir, 'index.js');
writeFileSync(
  bundle,
  `exports.handler = async (event, context) => {
     if (event.hang) { if (event.mark) require('node:fs').writeFileSync(event.mark, ''); await new Promise(() => undefined); }
     if (event.log) { for (let i = 0; i < 2000; i++) { console.log('out ' + i + ' ' + 'x'.repeat(100)); console.error('err ' + i); } console.log('last-stdout'); console.error('last-stderr'); }
     if (event.whereAmI) return { node: process.versions.node, pid: process.pid };
     if (event.fail) throw new Error('boom');
     if (event.exit) { await new Promise((r) => setTimeout(r, 20)); process.exit(3); }
     return { memory: context.memoryLimitInMB, arn: context.invokedFunctionArn };
   };`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const host = (concurrency = 1, crashAfterMs?: () => number | null) =>
  new FunctionHost({
    crashAfterMs,
    functionName: 'fn',
    functionArn: 'arn:aws:lambda:eu-west-1:222222222222:function:fn',
    memoryMb: 1024,
    runtime: DEFAULT_LAMBDA_RUNTIME,
    bundleFile: bundle,
    environment: { PATH: process.env.PATH ?? '' },
    timeoutSeconds: 30,
    concurrency,
  });

describe('FunctionHost', () => {
  it("gives the handler the stack's memory and function ARN in its context", async () => {
    // Prepare
    const h = host();
    // Act
    const result = await h.invoke({});
    // Assess
    expect(result).toEqual({ memory: '1024', arn: 'arn:aws:lambda:eu-west-1:222222222222:function:fn' });
    await h.stop();
  });

  it('settles an invocation only after every line it logged was read (stdout and stderr come on other pipes than the result)', async () => {
    const lines: string[] = [];
    const h = new FunctionHost({
      functionName: 'fn',
      functionArn: 'arn:aws:lambda:eu-west-1:222222222222:function:fn',
      memoryMb: 128,
      runtime: DEFAULT_LAMBDA_RUNTIME,
      bundleFile: bundle,
      environment: { PATH: process.env.PATH ?? '' },
      timeoutSeconds: 30,
      concurrency: 1,
      onLog: (line) => lines.push(line),
    });
    try {
      for (let round = 0; round < 3; round++) {
        lines.length = 0;
        await h.invoke({ log: true });
        expect(lines).toEqual(expect.arrayContaining(['last-stdout', 'last-stderr']));
        expect(lines).toHaveLength(4002);
      }
    } finally {
      await h.stop();
    }
  });

  it('stop() ends a busy environment and rejects its invocation and every waiter', async () => {
    // Prepare
    const h = host(1);
    await h.invoke({}); // warm, so the hang below is in a live environment
    const mark = join(dir, 'hanging');
    const busy = h.invoke({ hang: true, mark }).catch((e: unknown) => e);
    const waiter = h.invoke({}).catch((e: unknown) => e);
    await waitUntil(() => existsSync(mark), 'the invocation to hang');
    // Act
    await h.stop();
    // Assess
    expect(await busy).toMatchObject({ errorType: 'Runtime.Stopped' });
    expect(await waiter).toMatchObject({ errorType: 'Runtime.Stopped' });
  });
});

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('FunctionHost on the runtime’s Node', () => {
  const runtimeMajor = Number(nodeTargetOf(DEFAULT_LAMBDA_RUNTIME).replace('node', ''));

  it('runs the handler on the Node major of its Lambda runtime, whatever Node runs the host', async () => {
    const h = host(2);
    try {
      const seen = await h.invoke<{ node: string; pid: number }>({ whereAmI: true });
      expect(Number(seen.node.split('.')[0])).toBe(runtimeMajor);
      expect(seen.node).toBe(h.node);
      // The environments live in a process of their own, on that Node, not in the host's.
      expect(seen.pid).not.toBe(process.pid);
    } finally {
      await h.stop();
    }
  });

  it('a runtime process killed mid-invocation fails it with Runtime.ExitError; the next invocation starts another, and stop() leaves none', async () => {
    const h = host(1);
    const { pid } = await h.invoke<{ pid: number }>({ whereAmI: true });
    const mark = join(dir, 'hanging-killed');
    const busy = h.invoke({ hang: true, mark }).catch((e: unknown) => e);
    await waitUntil(() => existsSync(mark), 'the invocation to hang');
    process.kill(pid, 'SIGKILL');
    expect(await busy).toMatchObject({ errorType: 'Runtime.ExitError' });
    const next = await h.invoke<{ pid: number }>({ whereAmI: true });
    expect(next.pid).not.toBe(pid);
    await h.stop();
    expect(isRunning(next.pid)).toBe(false);
  });
});

describe('FunctionHost crashes', () => {
  it('an environment that dies while idle (its runtime process killed) is not handed out again: the next invocation gets a new one', async () => {
    const h = host(1);
    const first = await h.invoke<{ pid: number }>({ whereAmI: true });
    process.kill(first.pid, 'SIGKILL');
    // Reaped means its exit was handled: Node reaps a child and emits its exit in the same callback.
    await waitUntil(() => !isRunning(first.pid), 'the runtime process to end');
    const second = await h.invoke<{ pid: number }>({ whereAmI: true });

    expect(second.pid).not.toBe(first.pid);
    await h.stop();
    expect(isRunning(second.pid)).toBe(false);
  });

  it('a function that exits mid-invocation fails it at once with Runtime.ExitError, and the next invocation gets a new environment', async () => {
    // Prepare (the timeout is 30 s: a timed-out invocation would fail with Sandbox.Timedout, not ExitError)
    const h = host(1);
    // Act
    const crashed = await h.invoke({ exit: true }).catch((e: unknown) => e);
    // Assess
    expect(crashed).toMatchObject({
      errorType: 'Runtime.ExitError',
      message: expect.stringContaining('Runtime exited with error: exit status 3'),
    });
    await expect(h.invoke({})).resolves.toMatchObject({ memory: '1024' });
    await h.stop();
  });

  it('crashAfterMs kills chosen invocations from inside, as a crash would', async () => {
    let n = 0;
    const h = host(1, () => (n++ === 0 ? 0 : null));
    await expect(h.invoke({ hang: true })).rejects.toMatchObject({ errorType: 'Runtime.ExitError' });
    await expect(h.invoke({})).resolves.toBeDefined();
    await h.stop();
  });
});

describe('AsyncInvoker', () => {
  it('reports an event as lost, instead of an unhandled rejection, when its failure record cannot be sent', async () => {
    // Prepare
    const h = host();
    const sqs = new SQSClient({ region: 'eu-west-1' });
    jest.spyOn(sqs, 'send').mockRejectedValue(new Error('DLQ unreachable') as never);
    const lost: string[] = [];
    const invoker = new AsyncInvoker({
      host: h,
      functionArn: 'arn:aws:lambda:eu-west-1:222222222222:function:fn',
      maxRetryAttempts: 0,
      retryDelaysSeconds: [],
      onFailure: { sqs, queueUrl: 'http://127.0.0.1:1/000000000000/dlq' },
      onLost: (e) => lost.push(e.message),
    });
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    // Act
    await invoker.invokeAsync({ fail: true });
    await waitUntil(() => invoker.pending === 0, 'the async invocations to finish');
    // Assess
    expect(lost).toEqual(['DLQ unreachable']);
    expect(unhandled).not.toHaveBeenCalled();
    process.off('unhandledRejection', unhandled);
    await h.stop();
  });
});
