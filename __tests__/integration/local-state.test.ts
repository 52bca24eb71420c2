import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAllConfigs } from '../../config/load';
import { describeStateMove, migrateLegacyLocalState } from '../../stacks/local-state';
import { stateBootstrapStackId } from '../../stacks/state-bootstrap-stack';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const configs = loadAllConfigs();
const prod = configs.find((c) => c.environment === 'prod')!;

/** A state file terraform would have written for the bootstrap stack that created `bucket`. */
const bootstrapState = (bucket: string): string =>
  JSON.stringify({ version: 4, resources: [{ type: 'aws_s3_bucket', instances: [{ attributes: { bucket } }] }] });

describe('local state survives the cdktf CLI', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'local-state-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  /** `npx cdktf synth` as a user runs it: the CLI removes the stack folders this synth did not produce. */
  const cliSynth = (out: string, stateDir: string, onlyEnv: string) =>
    run('npx', ['cdktf', 'synth', '--output', out], {
      cwd: ROOT,
      env: { ...process.env, CHECKPOINT_DISABLE: '1', ONLY_ENV: onlyEnv, LOCAL_STATE_DIR: stateDir },
      maxBuffer: 32 * 1024 * 1024,
    });

  it('ONLY_ENV=prod npx cdktf synth after dev has local state: dev’s stack folder goes, its state stays', async () => {
    // Prepare: dev deployed with local state; its stack folder from an earlier synth.
    const out = join(work, 'cdktf.out');
    const stateDir = join(work, 'project');
    mkdirSync(join(out, 'stacks', 'pipeline-dev'), { recursive: true });
    mkdirSync(stateDir);
    writeFileSync(join(out, 'stacks', 'pipeline-dev', 'cdk.tf.json'), '{}');
    writeFileSync(join(stateDir, 'terraform.pipeline-dev.tfstate'), 'dev state');
    // Act
    await cliSynth(out, stateDir, 'prod');
    // Assess
    expect(readdirSync(join(out, 'stacks')).sort()).toEqual(['pipeline-prod', stateBootstrapStackId(prod.accountId)]);
    expect(readFileSync(join(stateDir, 'terraform.pipeline-dev.tfstate'), 'utf8')).toBe('dev state');
  }, 120_000);

  it('moves state the old layout kept inside cdktf.out before the CLI deletes those folders, and says so', async () => {
    // Prepare: the old relative paths, as `terraform apply` wrote them in each stack folder.
    const out = join(work, 'cdktf.out');
    const stateDir = join(work, 'project');
    mkdirSync(join(out, 'stacks', 'pipeline-dev'), { recursive: true });
    mkdirSync(join(out, 'stacks', 'state-bootstrap'), { recursive: true });
    mkdirSync(stateDir);
    writeFileSync(join(out, 'stacks', 'pipeline-dev', 'terraform.dev.tfstate'), 'dev state');
    writeFileSync(join(out, 'stacks', 'pipeline-dev', 'terraform.dev.tfstate.backup'), 'dev backup');
    writeFileSync(join(out, 'stacks', 'state-bootstrap', 'terraform.state-bootstrap.tfstate'), bootstrapState(prod.state!.bucket));
    // Act
    const { stdout, stderr } = await cliSynth(out, stateDir, 'prod');
    // Assess
    expect(existsSync(join(out, 'stacks', 'pipeline-dev'))).toBe(false);
    expect(readFileSync(join(stateDir, 'terraform.pipeline-dev.tfstate'), 'utf8')).toBe('dev state');
    expect(readFileSync(join(stateDir, 'terraform.pipeline-dev.tfstate.backup'), 'utf8')).toBe('dev backup');
    expect(JSON.parse(readFileSync(join(stateDir, `terraform.${stateBootstrapStackId(prod.accountId)}.tfstate`), 'utf8'))).toEqual(
      JSON.parse(bootstrapState(prod.state!.bucket)),
    );
    // The CLI passes the app's own lines on (to stdout or stderr, by version).
    expect(stdout + stderr).toContain(
      `moved local state ${join(out, 'stacks', 'pipeline-dev', 'terraform.dev.tfstate')} to ${join(stateDir, 'terraform.pipeline-dev.tfstate')}`,
    );
  }, 120_000);
});

describe('migrateLegacyLocalState', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'migrate-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const legacy = (stack: string, file: string, content: string) => {
    mkdirSync(join(work, 'out', 'stacks', stack), { recursive: true });
    writeFileSync(join(work, 'out', 'stacks', stack, file), content);
  };

  it('never overwrites: a clash keeps both files and warns', () => {
    legacy('pipeline-dev', 'terraform.dev.tfstate', 'old');
    mkdirSync(join(work, 'state'));
    writeFileSync(join(work, 'state', 'terraform.pipeline-dev.tfstate'), 'new');
    const [move] = migrateLegacyLocalState(join(work, 'out'), join(work, 'state'), configs, stateBootstrapStackId);
    expect(move!.conflict).toBe(true);
    expect(readFileSync(join(work, 'state', 'terraform.pipeline-dev.tfstate'), 'utf8')).toBe('new');
    expect(readFileSync(move!.to, 'utf8')).toBe('old');
    expect(describeStateMove(move!)).toMatch(
      /^warning: moved local state .* terraform\.pipeline-dev\.tfstate already existed there and was left as it is/,
    );
  });

  it('assigns the old single bootstrap state to the account owning its buckets, and keeps one it cannot assign', () => {
    const staging = configs.find((c) => c.environment === 'staging')!;
    legacy('state-bootstrap', 'terraform.state-bootstrap.tfstate', bootstrapState(staging.state!.bucket));
    let moves = migrateLegacyLocalState(join(work, 'out'), join(work, 'state'), configs, stateBootstrapStackId);
    expect(moves.map((m) => m.to)).toEqual([join(work, 'state', `terraform.state-bootstrap-${staging.accountId}.tfstate`)]);
    legacy('state-bootstrap', 'terraform.state-bootstrap.tfstate', bootstrapState('somebody-elses-bucket'));
    moves = migrateLegacyLocalState(join(work, 'out'), join(work, 'state'), configs, stateBootstrapStackId);
    expect(moves.map((m) => m.to)).toEqual([join(work, 'state', 'terraform.state-bootstrap.unassigned.tfstate')]);
  });
});
