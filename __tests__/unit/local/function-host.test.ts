import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
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

describe('FunctionHost crashes', () => {
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
