import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleHandler } from '../../bundling/bundle-handler';
import { PROJECT_ROOT } from '../../config/project-root';
import { DEFAULT_LAMBDA_RUNTIME } from '../../config/runtimes';
import { lambdaNodeFor } from '../../local/lambda-node';
import { startServiceDouble } from '../lib/service-double';
import { figure, round, type Figure } from '../lib/stats';

/** The three ways a function could trace, each bundled as the handlers are (bench/tracing/). */
export const TRACING_VARIANTS = {
  'no tracing': 'bench/tracing/untraced.ts',
  'X-Ray SDK (Powertools Tracer, today)': 'bench/tracing/xray-sdk.ts',
  'OpenTelemetry SDK, OTLP over UDP to the X-Ray daemon': 'bench/tracing/opentelemetry.ts',
} as const;
type TracingVariant = keyof typeof TRACING_VARIANTS;

export interface TracingFigures {
  variant: TracingVariant;
  bundleBytes: number;
  /** `require` of the bundle in a fresh process (init). */
  initMs: Figure;
  /** CPU per traced SDK call, sampled invocations of 10 calls each, after a warm-up. */
  cpuUsPerCall: Figure;
  /** Trace datagrams the daemon received per invocation (proof the variant traces). */
  datagramsPerInvocation: number;
  command: string;
}

const CALLS = 10;

/** One fresh process: init, a warm-up, then `invocations` sampled invocations, each with its own trace header. */
const CHILD = `
const t0 = performance.now();
const { handler } = require(process.env.PROBE_FILE);
const initMs = performance.now() - t0;
const hex = (n) => [...Array(n)].map(() => Math.floor(Math.random() * 16).toString(16)).join('');
const invoke = async () => {
  process.env._X_AMZN_TRACE_ID = 'Root=1-' + Math.floor(Date.now() / 1000).toString(16) + '-' + hex(24) + ';Parent=' + hex(16) + ';Sampled=1';
  await handler(${CALLS});
};
(async () => {
  for (let i = 0; i < 20; i++) await invoke();
  const n = Number(process.env.PROBE_INVOCATIONS);
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await invoke();
  const cpu = process.cpuUsage(c0);
  process.stderr.write('RESULT ' + JSON.stringify({ initMs, cpuUsPerCall: (cpu.user + cpu.system) / (n * ${CALLS}) }) + '\\n');
  setTimeout(() => process.exit(0), 100);
})().catch((e) => { console.error(e); process.exit(1); });
`;

function runChild(file: string, env: NodeJS.ProcessEnv): Promise<{ initMs: number; cpuUsPerCall: number }> {
  return new Promise((resolve, reject) => {
    // On the runtime's Node major, as Lambda runs it.
    const child = spawn(lambdaNodeFor(DEFAULT_LAMBDA_RUNTIME).path, ['-e', CHILD], {
      cwd: PROJECT_ROOT,
      env: { ...env, PROBE_FILE: file },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      const line = err.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)));
      else reject(new Error(`tracing probe failed (${code}): ${err.slice(-1500)}`));
    });
  });
}

/**
 * What tracing costs a function, three ways, measured alike: init (the bundle's `require`) and CPU per
 * traced call, in fresh processes on the runtime's Node, runs interleaved across variants, against the
 * bench's service double (DynamoDB over HTTP, the X-Ray daemon's UDP port). Lambda mode as the
 * runtime sets it; every invocation sampled (the worst case: unsampled ones cost the X-Ray variant
 * nothing with the handlers' `sampledTracing`, and the OpenTelemetry one a non-recording span).
 */
export async function tracingSuite(o: { runs: number; invocations: number; log: (s: string) => void }): Promise<TracingFigures[]> {
  const double = await startServiceDouble(0);
  try {
    const files = Object.fromEntries(
      (Object.entries(TRACING_VARIANTS) as Array<[TracingVariant, string]>).map(([v, entry]) => [
        v,
        bundleHandler({ entry, outDir: join('.build', 'bench', 'tracing', entry.replace(/^.*\/|\.ts$/g, '')) }).file,
      ]),
    ) as Record<TracingVariant, string>;
    const env = {
      PATH: process.env.PATH ?? '',
      PROBE_ENDPOINT: double.url,
      PROBE_INVOCATIONS: String(o.invocations),
      AWS_LAMBDA_FUNCTION_NAME: 'tracing-probe',
      AWS_EXECUTION_ENV: `AWS_Lambda_${DEFAULT_LAMBDA_RUNTIME}`,
      LAMBDA_TASK_ROOT: PROJECT_ROOT,
      AWS_XRAY_DAEMON_ADDRESS: double.xrayDaemon,
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const runs = new Map<TracingVariant, Array<{ initMs: number; cpuUsPerCall: number }>>();
    const datagrams = new Map<TracingVariant, number>();
    for (let r = 0; r < o.runs; r++)
      for (const v of Object.keys(TRACING_VARIANTS) as TracingVariant[]) {
        const before = double.stats().traceDatagrams;
        runs.set(v, [...(runs.get(v) ?? []), await runChild(files[v], env)]);
        // UDP is not awaited by the sender: give the last datagrams a moment to arrive.
        await new Promise((resolve) => setTimeout(resolve, 200));
        datagrams.set(v, (datagrams.get(v) ?? 0) + double.stats().traceDatagrams - before);
      }
    return (Object.keys(TRACING_VARIANTS) as TracingVariant[]).map((v) => {
      const f: TracingFigures = {
        variant: v,
        bundleBytes: statSync(files[v]).size,
        initMs: figure(runs.get(v)!.map((x) => x.initMs)),
        cpuUsPerCall: figure(runs.get(v)!.map((x) => x.cpuUsPerCall)),
        datagramsPerInvocation: round((datagrams.get(v) ?? 0) / (o.runs * (o.invocations + 20))),
        command: 'npm run bench -- --only tracing',
      };
      o.log(
        `  tracing ${v}: init ${f.initMs.median} ms, ${f.cpuUsPerCall.median} µs CPU a call, ${f.datagramsPerInvocation} datagrams an invocation, ${f.bundleBytes} bytes`,
      );
      return f;
    });
  } finally {
    await double.close();
  }
}
