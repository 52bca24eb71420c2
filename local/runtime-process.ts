import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type { WorkerOptions } from 'node:worker_threads';

/**
 * One execution environment as the function host drives it: a worker thread of a runtime process, seen
 * through the shape of node:worker_threads' `Worker` (messages, stdout and stderr, `exit`, `terminate`).
 */
export interface ExecutionEnvironment extends EventEmitter {
  postMessage(message: unknown): void;
  terminate(): Promise<unknown>;
  readonly stdout: Readable;
  readonly stderr: Readable;
}

type ToRuntime =
  | { type: 'spawn'; envId: number; bootstrap: string; options: Pick<WorkerOptions, 'env' | 'workerData'> }
  | { type: 'post'; envId: number; message: unknown }
  | { type: 'terminate'; envId: number };

type FromRuntime =
  | { type: 'ready' }
  | { type: 'message'; envId: number; message: unknown }
  | { type: 'line'; envId: number; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'error'; envId: number; message: string }
  | { type: 'exit'; envId: number; code: number };

/**
 * Runs in the runtime's Node: each environment is a worker thread of this process, and everything it says
 * goes to the host over IPC (lines whole, so two environments' logs never interleave within a line). The
 * process ends with the host: when the IPC channel closes.
 */
const RUNTIME = `
const { Worker } = require('node:worker_threads');
const { createInterface } = require('node:readline');
const envs = new Map();
const send = (m) => { if (process.connected) process.send(m); };
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  if (m.type === 'spawn') {
    const w = new Worker(m.bootstrap, { ...m.options, eval: true, stdout: true, stderr: true });
    envs.set(m.envId, w);
    for (const stream of ['stdout', 'stderr']) {
      createInterface({ input: w[stream] }).on('line', (line) => send({ type: 'line', envId: m.envId, stream, line }));
    }
    w.on('message', (message) => send({ type: 'message', envId: m.envId, message }));
    w.on('error', (e) => send({ type: 'error', envId: m.envId, message: String((e && e.message) || e) }));
    w.on('exit', (code) => { envs.delete(m.envId); send({ type: 'exit', envId: m.envId, code }); });
  } else if (m.type === 'post') {
    envs.get(m.envId)?.postMessage(m.message);
  } else if (m.type === 'terminate') {
    const w = envs.get(m.envId);
    if (w) void w.terminate(); else send({ type: 'exit', envId: m.envId, code: 1 });
  }
});
send({ type: 'ready' });
`;

/** An environment living in a {@link RuntimeProcess}: the host talks to it as to a worker of its own. */
class RemoteEnvironment extends EventEmitter implements ExecutionEnvironment {
  public readonly stdout = new PassThrough();
  public readonly stderr = new PassThrough();
  private exited = false;
  private readonly exitedPromise: Promise<number>;

  public constructor(
    private readonly runtime: RuntimeProcess,
    public readonly envId: number,
  ) {
    super();
    this.exitedPromise = new Promise((resolve) => this.once('exit', resolve));
  }

  public postMessage(message: unknown): void {
    this.runtime.send({ type: 'post', envId: this.envId, message });
  }

  public terminate(): Promise<number> {
    if (!this.exited) this.runtime.send({ type: 'terminate', envId: this.envId });
    return this.exitedPromise;
  }

  /** Delivers what the runtime process said of this environment. */
  public receive(m: FromRuntime): void {
    if (this.exited) return;
    if (m.type === 'line') this[m.stream].write(`${m.line}\n`);
    else if (m.type === 'message') this.emit('message', m.message);
    else if (m.type === 'error') this.emit('error', new Error(m.message));
    else if (m.type === 'exit') this.end(m.code);
  }

  public end(code: number): void {
    if (this.exited) return;
    this.exited = true;
    this.stdout.end();
    this.stderr.end();
    this.emit('exit', code);
  }
}

/**
 * A process of another Node (the Lambda runtime's major) whose worker threads are a function's execution
 * environments. One process a function, not one an environment: a process per environment doubled the
 * load suite's time on this 2-core machine (docs/local-pipeline.md#the-node-the-functions-run-on). If the
 * process dies, every environment in it exits (as a crashed sandbox does) and the next spawn starts another.
 */
export class RuntimeProcess {
  private child?: ChildProcess;
  private started?: Promise<void>;
  private readonly environments = new Map<number, RemoteEnvironment>();
  private nextId = 1;

  public constructor(private readonly nodePath: string) {}

  /** Starts an environment running `bootstrap` (worker code, `eval`ed) in the runtime process. */
  public async spawn(bootstrap: string, options: Pick<WorkerOptions, 'env' | 'workerData'>): Promise<ExecutionEnvironment> {
    await this.start();
    const env = new RemoteEnvironment(this, this.nextId++);
    this.environments.set(env.envId, env);
    env.once('exit', () => this.environments.delete(env.envId));
    this.send({ type: 'spawn', envId: env.envId, bootstrap, options });
    return env;
  }

  public send(message: ToRuntime): void {
    if (this.child?.connected) this.child.send(message);
    else this.environments.get(message.envId)?.end(1);
  }

  /** Ends the process and, with it, every environment still in it. */
  public async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.started = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill();
    });
  }

  private start(): Promise<void> {
    this.started ??= new Promise<void>((resolve, reject) => {
      const child = spawn(this.nodePath, ['-e', RUNTIME], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
        // The environments get the function's environment; the process itself needs nothing of the host's.
        env: { PATH: process.env.PATH ?? '' },
      });
      this.child = child;
      child.on('message', (m: FromRuntime) => {
        if (m.type === 'ready') resolve();
        else this.environments.get(m.envId)?.receive(m);
      });
      child.on('error', (e) => {
        this.started = undefined;
        reject(new Error(`The runtime's Node (${this.nodePath}) did not start: ${e.message}`));
      });
      child.on('exit', (code, signal) => {
        if (this.child === child) {
          this.child = undefined;
          this.started = undefined;
        }
        reject(new Error(`The runtime's Node (${this.nodePath}) exited (${signal ?? code}) before it was ready`));
        for (const env of [...this.environments.values()]) env.end(code ?? 1);
      });
    });
    return this.started;
  }
}
