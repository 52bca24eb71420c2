import { OUR_COLD_VARIANTS } from './suites/cold-start';
import type { ColdStartBreakdown, ColdStartFigures } from './suites/cold-start';
import type { LoadFigures } from './suites/local-pipeline';
import type { ProcessorFigures, Variant } from './suites/processor';
import type { DistributedPassFigures } from './suites/distributed-reconcile';
import type { ReconcileFigures } from './suites/reconcile';
import type { TracingFigures } from './suites/tracing';
import type { CommandFigure } from './suites/toolchain';
import type { Figure } from './lib/stats';

export interface BenchResults {
  date: string;
  mode: 'quick' | 'full';
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; functionsNode?: string; os: string };
  parameters: Record<string, unknown>;
  commands: Record<string, string>;
  processor: ProcessorFigures[];
  coldStart: ColdStartFigures[];
  /** Absent from results written before the breakdown existed. */
  coldStartBreakdown?: ColdStartBreakdown;
  localPipeline: LoadFigures[];
  /** Absent from results written before the suite existed. */
  reconcile?: ReconcileFigures[];
  /** The reconcile function's passes, per 1,000 rows (absent before the suite existed). */
  reconcileDistributed?: DistributedPassFigures[];
  /** Tracing three ways (absent before the suite existed). */
  tracing?: TracingFigures[];
  toolchain: CommandFigure[];
  goals?: Goal[];
  /** Suites that failed, with why. */
  errors?: string[];
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

const fig = (f: Figure, unit = ''): string => `${f.median}${unit} (${f.min}–${f.max})`;

/** Lambda arm64 prices, US East (N. Virginia), https://aws.amazon.com/lambda/pricing/ (checked 2026-11). */
export const LAMBDA_PRICE = { perGbSecond: 0.0000133334, perMillionRequests: 0.2 };
/** The memory the cost line assumes: the processor's default (`processor.memoryMb`). */
export const COST_MEMORY_MB = 512;

/** GB-s and dollars per million records, from the measured mean invocation time at the batch size. */
export function costPerMillion(
  meanInvocationMs: number,
  batchSize: number,
  memoryMb = COST_MEMORY_MB,
): { gbSeconds: number; dollars: number } {
  const invocations = 1e6 / batchSize;
  const gbSeconds = invocations * (meanInvocationMs / 1000) * (memoryMb / 1024);
  return { gbSeconds, dollars: gbSeconds * LAMBDA_PRICE.perGbSecond + (invocations / 1e6) * LAMBDA_PRICE.perMillionRequests };
}

const find = (r: BenchResults, target: string, variant: Variant, batch: number, latency: number) =>
  r.processor.find((p) => (p.target ?? 'dynalite') === target && p.variant === variant && p.batchSize === batch && p.latencyMs === latency);
const rate = (r: BenchResults, variant: Variant, batch: number, latency: number, target = 'double') =>
  find(r, target, variant, batch, latency)?.recordsPerSecond.median ?? NaN;
const cpu = (r: BenchResults, variant: Variant, batch: number, latency: number, target = 'double') =>
  find(r, target, variant, batch, latency)?.cpuUsPerRecord?.median ?? NaN;

/** The issue's goals, each measured from these results and printed met or missed. */
export function goals(r: BenchResults): Goal[] {
  const g: Goal[] = [];
  for (const batch of [10, 100]) {
    const ours = rate(r, 'ours-pusher', batch, 5);
    const ptc = rate(r, 'powertools-conditional', batch, 5);
    g.push({
      goal: `ours ≥ 0.9× Powertools + conditional, batch ${batch}, 5 ms, double`,
      measured: `${(ours / ptc).toFixed(2)}× (${ours} vs ${ptc} rec/s)`,
      met: ours / ptc >= 0.9,
    });
  }
  for (const batch of [10, 100]) {
    const ratio = cpu(r, 'ours-pusher', batch, 5) / cpu(r, 'ceiling-pusher', batch, 5);
    g.push({
      goal: `ours CPU per record ≤ 1.5× the raw-SDK ceiling's, batch ${batch}, 5 ms, double`,
      measured: `${ratio.toFixed(2)}× (${cpu(r, 'ours-pusher', batch, 5)} vs ${cpu(r, 'ceiling-pusher', batch, 5)} µs)`,
      met: ratio <= 1.5,
    });
  }
  for (const [batch, factor] of [
    [10, 5],
    [100, 10],
  ] as const) {
    const x = rate(r, 'ours-pusher', batch, 5) / rate(r, 'unconditional-writer', batch, 5);
    // The raw-SDK ceiling's own multiple: what any handler making these calls could reach on this machine.
    const ceiling = rate(r, 'ceiling-pusher', batch, 5) / rate(r, 'unconditional-writer', batch, 5);
    g.push({
      goal: `ours ≥ ${factor}× unconditional-writer, batch ${batch}, 5 ms, double`,
      measured: `${x.toFixed(1)}× (the raw-SDK ceiling: ${ceiling.toFixed(1)}×)`,
      met: x >= factor,
    });
  }
  const shipped = r.coldStart.find((c) => c.variant === 'bundled (shipped)');
  if (shipped) {
    const fastest = Math.min(...r.coldStart.filter((c) => OUR_COLD_VARIANTS.includes(c.variant)).map((c) => c.initPlusFirstMs.median));
    g.push({
      goal: 'init + first invocation ≤ 100 ms, shipped packaging the fastest',
      measured: `${shipped.initPlusFirstMs.median} ms${shipped.initPlusFirstMs.median === fastest ? ', fastest' : `, fastest is ${fastest} ms`}`,
      met: shipped.initPlusFirstMs.median <= 100 && shipped.initPlusFirstMs.median === fastest,
    });
    const peer = r.coldStart.find((c) => !OUR_COLD_VARIANTS.includes(c.variant));
    if (peer) {
      const ratio = shipped.initPlusFirstMs.median / peer.initPlusFirstMs.median;
      g.push({
        goal: 'init + first invocation ≤ 0.6× a typical Powertools handler (#27)',
        measured: `${ratio.toFixed(2)}× (${shipped.initPlusFirstMs.median} ms vs ${peer.initPlusFirstMs.median} ms; init ${shipped.initMs.median} vs ${peer.initMs.median} ms)`,
        met: ratio <= 0.6,
      });
    }
  }
  const open = r.localPipeline.find((l) => l.scenario.startsWith('fault mix, open loop'));
  // Steady state: the objects after the warm-up (cold starts of the five function environments, the
  // emulators' JIT), which the open-loop run drains before the rest; the p95 over all objects is beside it.
  if (open) {
    const p95 = open.steadyP95Ms?.median ?? open.p95Ms.median;
    g.push({
      goal: 'local pipeline, fault mix below capacity: p95 ≤ 1 s (after the warm-up), 0 lost, 0 double-written',
      measured: `${open.scenario}: p95 ${p95} ms after a ${open.warmupSeconds ?? 0} s warm-up (${open.p95Ms.median} ms over all objects), lost ${open.lost}, double-written ${open.doubleWritten}`,
      met: p95 <= 1000 && open.lost === 0 && open.doubleWritten === 0,
    });
  }
  const tests = r.toolchain.find((t) => t.name.startsWith('npm test'));
  if (tests) g.push({ goal: '`npm test` wall time ≤ 150 s', measured: `${tests.seconds.median} s`, met: tests.seconds.median <= 150 });
  const synth = r.toolchain.find((t) => t.name.startsWith('project synth'));
  const tsNode = r.toolchain.find((t) => t.name.includes('ts-node'));
  if (synth && tsNode) {
    g.push({
      goal: 'project synth ≤ 1.5 s and ≥ 4× faster than cdktf synth through ts-node',
      measured: `${synth.seconds.median} s, ${(tsNode.seconds.median / synth.seconds.median).toFixed(1)}× faster`,
      met: synth.seconds.median <= 1.5 && tsNode.seconds.median / synth.seconds.median >= 4,
    });
  }
  return g;
}

export function renderMarkdown(r: BenchResults): string {
  r.goals = goals(r);
  const m = r.machine;
  const out: string[] = [];
  out.push(
    `## Benchmarks (${r.mode}, ${r.date.slice(0, 10)}) — ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GiB, Node ${m.node}${m.functionsNode ? ` (functions on Node ${m.functionsNode})` : ''}`,
    '',
  );
  out.push('Figures: median (min–max) over repeated runs.', '');
  if (r.errors?.length) out.push('**Suites that failed:**', '', ...r.errors.map((e) => `- ${e.split('\n')[0]}`), '');
  out.push(
    '### Goals',
    '',
    '| goal | measured | |',
    '| --- | --- | --- |',
    ...r.goals.map((x) => `| ${x.goal} | ${x.measured} | ${x.met ? '✅' : '❌ missed'} |`),
    '',
  );
  const titles: Record<string, string> = {
    double: 'Processor on the service double (the handler’s own cost: fixed latency, no server CPU), one invocation at a time',
    dynalite: 'Processor on dynalite and s3rver (a realistic server sharing the two cores), one invocation at a time',
  };
  for (const target of ['double', 'dynalite']) {
    const rows = r.processor.filter((p) => (p.target ?? 'dynalite') === target);
    if (rows.length === 0) continue;
    out.push(
      `### ${titles[target]}`,
      '',
      `\`ours-*\` as deployed: logger and metrics on, X-Ray tracing active and sampled as Lambda samples by default — the first invocation each second and 5 % of the others (\`-sampled\`: every invocation traced, a 100 % sampling rule; \`-untraced\`: tracing off). CPU: the handler process's user + system time per record. Cost: arm64 at ${COST_MEMORY_MB} MB from the measured invocation time, $${LAMBDA_PRICE.perGbSecond}/GB-s + $${LAMBDA_PRICE.perMillionRequests}/M requests (us-east-1, aws.amazon.com/lambda/pricing) — on Lambda a ${COST_MEMORY_MB} MB function has a fraction of a vCPU, so CPU-bound time grows there.`,
      '',
    );
    out.push(
      '| variant | batch | latency | records/s | p50 batch ms | p99 batch ms | CPU µs/record | peak RSS MB | GB-s per M records | $ per M records |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const p of rows) {
      const cost = p.meanInvocationMs ? costPerMillion(p.meanInvocationMs.median, p.batchSize) : undefined;
      out.push(
        `| ${p.variant} | ${p.batchSize} | ${p.latencyMs} ms | ${fig(p.recordsPerSecond)} | ${fig(p.p50BatchMs)} | ${fig(p.p99BatchMs)} | ${p.cpuUsPerRecord ? fig(p.cpuUsPerRecord) : '–'} | ${p.peakRssMb ? p.peakRssMb.median : '–'} | ${cost ? cost.gbSeconds.toFixed(1) : '–'} | ${cost ? cost.dollars.toFixed(4) : '–'} |`,
      );
    }
    out.push('');
  }
  out.push(
    '',
    '### Cold start (fresh `node` process each run)',
    '',
    '| packaging | bundle bytes | gzip | files loaded | bytes loaded | module init ms | first invocation ms | init + first ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const c of r.coldStart)
    out.push(
      `| ${c.variant} | ${c.bundleBytes} | ${c.bundleGzipBytes} | ${c.loadedFiles} | ${c.loadedBytes} | ${fig(c.initMs)} | ${fig(c.firstInvokeMs)} | ${fig(c.initPlusFirstMs)} |`,
    );
  if (r.coldStartBreakdown) {
    out.push(
      '',
      'Where the init goes (unbundled build, each require of the handler timed inclusive; "our code" is the rest of module init, SDK clients and Powertools objects created):',
      '',
      '| part | ms |',
      '| --- | ---: |',
    );
    for (const [part, f] of Object.entries(r.coldStartBreakdown)) out.push(`| ${part} | ${fig(f)} |`);
  }
  out.push(
    '',
    '### Local pipeline (`npm run load`, dev config: batch 10, window 0, concurrency 5)',
    '',
    '| scenario | files | files/s | p50 ms | p95 ms | p99 ms | p95 ms after warm-up | peak RSS MB | lost | double-written |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const l of r.localPipeline)
    out.push(
      `| ${l.scenario} | ${l.files} | ${fig(l.filesPerSecond)} | ${fig(l.p50Ms)} | ${fig(l.p95Ms)} | ${fig(l.p99Ms)} | ${l.steadyP95Ms ? `${fig(l.steadyP95Ms)} (after ${l.warmupSeconds} s)` : '–'} | ${fig(l.peakRssMb)} | ${l.lost} | ${l.doubleWritten} |`,
    );
  out.push(
    '',
    '### Reconcile and backfill (s3rver and dynalite in another process)',
    '',
    '| scenario | objects | objects/s | seconds | peak RSS MB | counts |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  );
  for (const c of r.reconcile ?? [])
    out.push(
      `| ${c.scenario} | ${c.objects} | ${fig(c.objectsPerSecond)} | ${fig(c.seconds)} | ${fig(c.peakRssMb)} | ${Object.entries(c.counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} |`,
    );
  if (r.reconcileDistributed?.length)
    out.push(
      '',
      '### Distributed reconcile: the function per 1,000 rows (batches of 1,000, emulators in another process)',
      '',
      '| pass | rows | batches | ms a batch | CPU ms per 1,000 | calls per 1,000 | counts |',
      '| --- | ---: | ---: | ---: | ---: | --- | --- |',
      ...r.reconcileDistributed.map(
        (d) =>
          `| ${d.pass} | ${d.rows} | ${d.batches} | ${fig(d.batchMs)} | ${d.cpuMsPer1000} | ${
            Object.entries(d.requestsPer1000)
              .map(([k, v]) => `${k.replace(/Command$/, '')} ${v}`)
              .join(', ') || '–'
          } | ${Object.entries(d.counts)
            .filter(([, v]) => v)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')} |`,
      ),
    );
  if (r.tracing?.length) {
    const base = r.tracing[0]!;
    out.push(
      '',
      "### Tracing, three ways (fresh processes on the runtime's Node; invocations of 10 DynamoDB calls, all sampled)",
      '',
      '| variant | bundle bytes | init ms | over no tracing | CPU µs a call | over no tracing | datagrams an invocation |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...r.tracing.map(
        (t) =>
          `| ${t.variant} | ${t.bundleBytes} | ${fig(t.initMs)} | +${Math.round(t.initMs.median - base.initMs.median)} | ${fig(t.cpuUsPerCall)} | +${Math.round(t.cpuUsPerCall.median - base.cpuUsPerCall.median)} | ${t.datagramsPerInvocation} |`,
      ),
    );
  }
  out.push(
    '',
    '### Toolchain',
    '',
    '| command | seconds |',
    '| --- | ---: |',
    ...r.toolchain.map((t) => `| \`${t.command}\` | ${fig(t.seconds)} |`),
    '',
  );
  return `${out.join('\n')}\n`;
}
