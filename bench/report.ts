import type { ColdStartFigures } from './suites/cold-start';
import type { LoadFigures } from './suites/local-pipeline';
import type { ProcessorFigures, Variant } from './suites/processor';
import type { ReconcileFigures } from './suites/reconcile';
import type { CommandFigure } from './suites/toolchain';
import type { Figure } from './lib/stats';

export interface BenchResults {
  date: string;
  mode: 'quick' | 'full';
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; os: string };
  parameters: Record<string, unknown>;
  commands: Record<string, string>;
  processor: ProcessorFigures[];
  coldStart: ColdStartFigures[];
  localPipeline: LoadFigures[];
  /** Absent from results written before the suite existed. */
  reconcile?: ReconcileFigures[];
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

function rate(r: BenchResults, variant: Variant, batch: number, latency: number): number {
  return r.processor.find((p) => p.variant === variant && p.batchSize === batch && p.latencyMs === latency)?.recordsPerSecond.median ?? NaN;
}

export function goals(r: BenchResults): Goal[] {
  const g: Goal[] = [];
  for (const batch of [10, 100]) {
    const ours = rate(r, 'ours-pusher', batch, 5);
    const oursDirect = rate(r, 'ours-direct', batch, 5);
    const seed = rate(r, 'seed-style', batch, 5);
    const pt = rate(r, 'powertools', batch, 5);
    g.push({ goal: `processor ≥ 5× seed-style, batch ${batch}, 5 ms`, measured: `${(ours / seed).toFixed(1)}× (pusher shape), ${(oursDirect / seed).toFixed(1)}× (direct, with HeadObject)`, met: ours / seed >= 5 });
    g.push({ goal: `processor ≥ 0.9× Powertools baseline, batch ${batch}, 5 ms`, measured: `${(ours / pt).toFixed(2)}×`, met: ours / pt >= 0.9 });
    const cp = ours / rate(r, 'ceiling-pusher', batch, 5);
    const cd = oursDirect / rate(r, 'ceiling-direct', batch, 5);
    g.push({ goal: `processor ≥ 85 % of the raw-call ceiling, batch ${batch}, 5 ms`, measured: `${Math.round(cp * 100)} % (pusher), ${Math.round(cd * 100)} % (direct)`, met: cp >= 0.85 && cd >= 0.85 });
  }
  const calm = r.localPipeline.find((l) => l.scenario === 'no faults');
  if (calm) g.push({ goal: 'local pipeline ≥ 200 files/s with p95 ≤ 1 s (window 0)', measured: `${calm.filesPerSecond.median} files/s, p95 ${calm.p95Ms.median} ms`, met: calm.filesPerSecond.median >= 200 && calm.p95Ms.median <= 1000 });
  const synth = r.toolchain.find((t) => t.name.startsWith('project synth'));
  const tsNode = r.toolchain.find((t) => t.name.includes('ts-node'));
  if (synth && tsNode) {
    g.push({ goal: 'project synth ≤ 1.5 s and ≥ 4× faster than cdktf synth through ts-node', measured: `${synth.seconds.median} s, ${(tsNode.seconds.median / synth.seconds.median).toFixed(1)}× faster`, met: synth.seconds.median <= 1.5 && tsNode.seconds.median / synth.seconds.median >= 4 });
  }
  return g;
}

export function renderMarkdown(r: BenchResults): string {
  r.goals = goals(r);
  const m = r.machine;
  const out: string[] = [];
  out.push(`## Benchmarks (${r.mode}, ${r.date.slice(0, 10)}) — ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GiB, Node ${m.node}`, '');
  out.push('Figures: median (min–max) over repeated runs.', '');
  if (r.errors?.length) out.push('**Suites that failed:**', '', ...r.errors.map((e) => `- ${e.split('\n')[0]}`), '');
  out.push('### Goals', '', '| goal | measured | |', '| --- | --- | --- |', ...r.goals.map((x) => `| ${x.goal} | ${x.measured} | ${x.met ? '✅' : '❌ missed'} |`), '');
  out.push('### Processor throughput (dynalite on loopback, one invocation at a time)', '', '| variant | batch | latency | records/s | p50 batch ms | p99 batch ms |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const p of r.processor) out.push(`| ${p.variant} | ${p.batchSize} | ${p.latencyMs} ms | ${fig(p.recordsPerSecond)} | ${fig(p.p50BatchMs)} | ${fig(p.p99BatchMs)} |`);
  out.push('', '### Cold start (fresh `node` process each run)', '', '| packaging | bundle bytes | gzip | files loaded | bytes loaded | module init ms | first invocation ms | init + first ms |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of r.coldStart) out.push(`| ${c.variant} | ${c.bundleBytes} | ${c.bundleGzipBytes} | ${c.loadedFiles} | ${c.loadedBytes} | ${fig(c.initMs)} | ${fig(c.firstInvokeMs)} | ${fig(c.initPlusFirstMs)} |`);
  out.push('', '### Local pipeline (`npm run load`, dev config: batch 10, window 0, concurrency 5)', '', '| scenario | files | files/s | p50 ms | p95 ms | p99 ms | peak RSS MB | lost | double-written |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const l of r.localPipeline) out.push(`| ${l.scenario} | ${l.files} | ${fig(l.filesPerSecond)} | ${fig(l.p50Ms)} | ${fig(l.p95Ms)} | ${fig(l.p99Ms)} | ${fig(l.peakRssMb)} | ${l.lost} | ${l.doubleWritten} |`);
  out.push('', '### Reconcile and backfill (s3rver and dynalite in another process)', '', '| scenario | objects | objects/s | seconds | peak RSS MB | counts |', '| --- | ---: | ---: | ---: | ---: | --- |');
  for (const c of r.reconcile ?? []) out.push(`| ${c.scenario} | ${c.objects} | ${fig(c.objectsPerSecond)} | ${fig(c.seconds)} | ${fig(c.peakRssMb)} | ${Object.entries(c.counts).map(([k, v]) => `${k} ${v}`).join(', ')} |`);
  out.push('', '### Toolchain', '', '| command | seconds |', '| --- | ---: |', ...r.toolchain.map((t) => `| \`${t.command}\` | ${fig(t.seconds)} |`), '');
  return `${out.join('\n')}\n`;
}
