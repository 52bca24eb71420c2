import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// js-yaml ships no types; only `load` is used.
const yaml = require('js-yaml') as { load(text: string): unknown };

export const WORKFLOWS_DIR = join(__dirname, '..', '..', '.github', 'workflows');
export const ACTIONS_DIR = join(__dirname, '..', '..', '.github', 'actions');

export interface Step {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  'working-directory'?: string;
}
export interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: string;
  uses?: string;
  with?: Record<string, string>;
  strategy?: { 'fail-fast'?: boolean; matrix?: Record<string, unknown> };
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  outputs?: Record<string, string>;
  steps?: Step[];
}
export interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

export const workflowText = (file: string): string => readFileSync(join(WORKFLOWS_DIR, file), 'utf8');
export const loadWorkflow = (file: string): Workflow => yaml.load(workflowText(file)) as Workflow;

/** One job as it runs for one environment: the called workflow's job with inputs and matrix filled in. */
export interface ConcreteJob {
  /** `<caller job>/<called job>` for a reusable call, else the job id. */
  id: string;
  /** The environment of the matrix leg that produced it; undefined for jobs that serve all. */
  environment?: string;
  job: Job;
  /** Concrete ids of what it waits for. */
  needs: string[];
  /** Every `${{ … }}` it could resolve, resolved. */
  resolve: (text: string) => string;
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Fills `${{ inputs.x }}`, `${{ matrix.x }}` and `${{ github.ref }}`; leaves every other expression as written. */
function resolver(values: Record<string, string>): (text: string) => string {
  return (text) =>
    text.replace(
      /\$\{\{\s*(inputs|matrix|github)\.([\w-]+)\s*\}\}/g,
      (all, scope: string, name: string) => values[`${scope}.${name}`] ?? all,
    );
}

/**
 * The jobs a workflow runs for the given matrix legs (each `{ environment, region, … }`): plain jobs
 * once, a matrix job calling a reusable workflow once per leg, expanded into the called jobs.
 */
export function expandWorkflow(file: string, legs: Array<Record<string, string>>, githubRef: string): ConcreteJob[] {
  const wf = loadWorkflow(file);
  const out: ConcreteJob[] = [];
  const idsOf = new Map<string, string[]>();
  for (const [id, job] of Object.entries(wf.jobs)) {
    const perLeg = job.strategy?.matrix ? legs : [undefined];
    const ids: string[] = [];
    for (const leg of perLeg) {
      const values: Record<string, string> = { 'github.ref': githubRef };
      for (const [k, v] of Object.entries(leg ?? {})) values[`matrix.${k}`] = v;
      const outer = resolver(values);
      const needs = asList(job.needs).flatMap((n) => idsOf.get(n) ?? [n]);
      if (!job.uses?.startsWith('./.github/workflows/')) {
        const cid = leg ? `${id}[${leg.environment}]` : id;
        ids.push(cid);
        out.push({ id: cid, environment: leg?.environment, job, needs, resolve: outer });
        continue;
      }
      const called = loadWorkflow(job.uses.replace('./.github/workflows/', ''));
      for (const [k, v] of Object.entries(job.with ?? {})) values[`inputs.${k}`] = outer(String(v));
      const inner = resolver(values);
      for (const [cid, cjob] of Object.entries(called.jobs)) {
        const full = `${id}[${leg?.environment ?? ''}]/${cid}`;
        ids.push(full);
        out.push({
          id: full,
          environment: leg?.environment,
          job: cjob,
          needs: [...needs, ...asList(cjob.needs).map((n) => `${id}[${leg?.environment ?? ''}]/${n}`)],
          resolve: inner,
        });
      }
    }
    idsOf.set(id, ids);
  }
  return out;
}

/** The first step using an action (by its `owner/name@` prefix). */
export const stepUsing = (job: Job, action: string): Step | undefined => job.steps?.find((s) => s.uses?.startsWith(`${action}@`));
export const runsOf = (job: Job): string => (job.steps ?? []).map((s) => s.run ?? '').join('\n');
