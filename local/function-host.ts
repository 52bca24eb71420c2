import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { lambdaNodeFor } from './lambda-node';
import { type ExecutionEnvironment, RuntimeProcess } from './runtime-process';

export interface FunctionHostOptions {
  functionName: string;
  /** The deployed function's ARN (the stack's account and region), as `context.invokedFunctionArn`. */
  functionArn: string;
  /** The function's memory, as `context.memoryLimitInMB`. */
  memoryMb: number;
  /**
   * The function's Lambda runtime (`nodejs22.x`): its environments run on that Node major
   * (`local/lambda-node.ts`), in a runtime process of their own.
   */
  runtime: string;
  /** The bundled handler (`index.js` exporting `handler`), the very file the stack zips. */
  bundleFile: string;
  /** The function's environment, as the stack sets it, plus the local endpoints. */
  environment: Record<string, string>;
  timeoutSeconds: number;
  /** How many execution environments may run at once (Lambda's concurrency). */
  concurrency: number;
  /** Every line the function writes to stdout/stderr (Powertools logs are JSON lines). */
  onLog?: (line: string, functionName: string) => void;
  /**
   * Fault injection: milliseconds into an invocation after which the function's process exits
   * (`process.exit(1)`, as a crash would), or null to let it run (`npm run load -- --crash P`).
   */
  crashAfterMs?: () => number | null;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** An error the function threw, or a timeout / crash of its environment, as Lambda reports it. */
export class FunctionError extends Error {
  public constructor(
    public readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'FunctionError';
  }
}

/**
 * Ends each invocation's output on stdout and stderr. The result comes as a message and the log lines
 * as two streams, which the host may read in any order (measured: a handler's last lines came after
 * its result): it settles an invocation only when both marks have come too, so what the invocation
 * logged is recorded before anyone sees its result.
 */
const END_MARK = '\u0000end ';

// Runs inside each worker: loads the bundle once (cold start), then serves invocations.
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
const { handler } = require(workerData.bundleFile);
parentPort.on('message', async ({ id, event, deadline, crashAfterMs }) => {
  if (crashAfterMs !== null && crashAfterMs !== undefined) setTimeout(() => process.exit(1), crashAfterMs);
  const context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: workerData.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: workerData.functionArn,
    memoryLimitInMB: workerData.memoryMb,
    awsRequestId: id,
    logGroupName: '/aws/lambda/' + workerData.functionName,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {}, fail() {}, succeed() {},
  };
  let reply;
  try {
    reply = { id, ok: true, result: await handler(event, context) };
  } catch (e) {
    reply = { id, ok: false, errorType: (e && e.name) || 'Error', message: String((e && e.message) || e) };
  }
  // An end mark on each stream: the host settles the invocation once it has read every line before them.
  const mark = '\\u0000end ' + id + '\\n';
  process.stdout.write(mark);
  process.stderr.write(mark);
  parentPort.postMessage(reply);
});
parentPort.postMessage({ ready: true });
`;

type Environment = ExecutionEnvironment & { currentId?: string };

/**
 * Runs a bundled Lambda handler the way Lambda does, in worker threads: one worker is one
 * execution environment (module loaded once, one invocation at a time, its own
 * environment variables). A timeout or crash discards the environment; the next
 * invocation cold-starts a new one. The workers are threads of one {@link RuntimeProcess} for
 * the function, on its runtime's Node major whatever Node runs the host, so what one function
 * does to its process (a crash, its memory) stays out of the others and out of the host.
 */
export class FunctionHost {
  /** The Node version the handler runs on. */
  public readonly node: string;
  private readonly runtimeProcess: RuntimeProcess;

  private readonly idle: Environment[] = [];
  private readonly waiting: Array<{ resolve: (w: Environment) => void; reject: (e: Error) => void }> = [];
  /** Every live environment, idle or busy, so stop() can end them all. */
  private readonly workers = new Set<Environment>();
  private live = 0;
  private readonly pending = new Map<string, Pending>();
  private stopped = false;

  public constructor(private readonly options: FunctionHostOptions) {
    const node = lambdaNodeFor(options.runtime);
    this.node = node.version;
    this.runtimeProcess = new RuntimeProcess(node.path);
  }

  /** Invokes synchronously (RequestResponse): resolves with the handler's result or rejects with a {@link FunctionError}. */
  public async invoke<T = unknown>(event: unknown): Promise<T> {
    const worker = await this.acquire();
    const id = randomUUID();
    const timeoutMs = this.options.timeoutSeconds * 1000;
    try {
      return (await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          this.discard(worker);
          reject(new FunctionError('Sandbox.Timedout', `Task timed out after ${this.options.timeoutSeconds} seconds`));
        }, timeoutMs);
        this.pending.set(id, { resolve, reject, timer });
        worker.currentId = id;
        worker.postMessage({ id, event, deadline: Date.now() + timeoutMs, crashAfterMs: this.options.crashAfterMs?.() ?? null });
      })) as T;
    } finally {
      if (!this.stopped && this.isAlive(worker)) this.release(worker);
    }
  }

  /** Ends every environment, busy ones too: their invocations and anyone waiting for one reject. */
  public async stop(): Promise<void> {
    this.stopped = true;
    const stopped = () => new FunctionError('Runtime.Stopped', `${this.options.functionName} host stopped`);
    for (const w of this.waiting.splice(0)) w.reject(stopped());
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(stopped());
      this.pending.delete(id);
    }
    this.idle.length = 0;
    const all = [...this.workers];
    this.workers.clear();
    for (const w of all) this.dead.add(w);
    await Promise.all(all.map((w) => w.terminate()));
    await this.runtimeProcess.stop();
  }

  private readonly dead = new WeakSet<Environment>();
  private isAlive(w: Environment): boolean {
    return !this.dead.has(w);
  }

  private async acquire(): Promise<Environment> {
    if (this.stopped) throw new Error(`${this.options.functionName} host is stopped`);
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.live < this.options.concurrency) {
      this.live++;
      try {
        return await this.spawn();
      } catch (e) {
        this.live--;
        this.wakeNext();
        throw e;
      }
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(worker: Environment): void {
    const next = this.waiting.shift();
    if (next) next.resolve(worker);
    else this.idle.push(worker);
  }

  private wakeNext(): void {
    if (this.stopped) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.live++;
    this.spawn().then(next.resolve, () => {
      this.live--;
      this.waiting.unshift(next);
      this.wakeNext();
    });
  }

  private discard(worker: Environment): void {
    if (this.dead.has(worker)) return;
    this.dead.add(worker);
    this.workers.delete(worker);
    // An idle environment can die too (its runtime process killed): it must not be handed out again.
    const idle = this.idle.indexOf(worker);
    if (idle >= 0) this.idle.splice(idle, 1);
    this.live--;
    void worker.terminate();
    this.wakeNext();
  }

  private async spawn(): Promise<Environment> {
    const o = this.options;
    const options = {
      env: o.environment,
      workerData: { bundleFile: o.bundleFile, functionName: o.functionName, functionArn: o.functionArn, memoryMb: String(o.memoryMb) },
    };
    const worker: Environment = await this.runtimeProcess.spawn(BOOTSTRAP, options);
    this.workers.add(worker);
    // Per invocation: its result, and how many of its two end marks were read.
    const results = new Map<string, { ok?: boolean; result?: unknown; errorType?: string; message?: string }>();
    const marks = new Map<string, number>();
    const settle = (id: string) => {
      const msg = results.get(id);
      if (!msg || (marks.get(id) ?? 0) < 2) return;
      results.delete(id);
      marks.delete(id);
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new FunctionError(msg.errorType ?? 'Error', msg.message ?? 'unknown error'));
    };
    for (const stream of [worker.stdout, worker.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (!line.startsWith(END_MARK)) return o.onLog?.(line, o.functionName);
        const id = line.slice(END_MARK.length);
        marks.set(id, (marks.get(id) ?? 0) + 1);
        settle(id);
      });
    }
    let started = false;
    return new Promise((resolve, reject) => {
      worker.on(
        'message',
        (msg: { ready?: boolean; id?: string; ok?: boolean; result?: unknown; errorType?: string; message?: string }) => {
          if (msg.ready) {
            started = true;
            return resolve(worker);
          }
          results.set(msg.id!, msg);
          settle(msg.id!);
        },
      );
      // An environment that dies (an uncaught error, process.exit, a crash) fails its invocation at
      // once, as Lambda's Runtime.ExitError does, instead of holding it until the timeout.
      const died = (message: string) => {
        if (!started) {
          // An init error (a bad environment, say), like Lambda's Runtime.InitError; acquire() frees the slot.
          this.dead.add(worker);
          this.workers.delete(worker);
          reject(new FunctionError('Runtime.InitError', message));
          return;
        }
        const id = worker.currentId;
        const p = id ? this.pending.get(id) : undefined;
        if (p) {
          this.pending.delete(id!);
          clearTimeout(p.timer);
          p.reject(new FunctionError('Runtime.ExitError', `RequestId: ${id} Error: ${message}`));
        }
        this.discard(worker);
      };
      worker.on('error', (e: Error) => died(`Runtime exited with error: ${e.message}`));
      worker.on('exit', (code) => {
        // Our own terminate() (timeout, stop, discard) marks the worker dead first.
        if (this.isAlive(worker)) died(`Runtime exited with error: exit status ${code}`);
      });
    });
  }
}
