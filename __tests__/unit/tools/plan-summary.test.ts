import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionOf, mask, policyDiff, summarizePlan, type PlanDocument } from '../../../tools/plan-summary';

/** Produced by __tests__/fixtures/make-plan-fixtures.sh with real terraform (see the script). */
const updatePlan = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'plan-update', 'plan.json'), 'utf8')) as PlanDocument;

describe('plan summary', () => {
  const summary = summarizePlan(updatePlan, 'pipeline-dev');

  it('counts changes by action, a replacement counted once', () => {
    expect(summary.counts).toMatchObject({ create: 0, update: 3, replace: 1, destroy: 1 });
    expect(summary.markdown).toContain('**0 to add, 3 to change, 1 to replace, 1 to destroy**');
    expect(summary.hasChanges).toBe(true);
  });

  it('puts replacements and destroys first, loud, with the reason', () => {
    const md = summary.markdown;
    const loud = md.indexOf('### ⚠️ Replacements and destroys');
    expect(loud).toBeGreaterThan(0);
    expect(loud).toBeLessThan(md.indexOf('### 🔐'));
    expect(md).toContain('| 🔁 **REPLACE** | `aws_sqs_queue.renamed` | name |');
    expect(md).toMatch(/\| 🗑️ \*\*DESTROY\*\* \| `aws_sqs_queue.retired` \| .+ \|/);
  });

  it('calls out IAM policy changes statement by statement, and encryption changes with before/after', () => {
    expect(summary.markdown).toContain('**✏️ update `aws_iam_role_policy.processor`**');
    expect(summary.markdown).toContain('+ ReadEverything: Allow "s3:GetObject" on "*"');
    expect(summary.markdown).toContain('- HeadObjects: Allow "s3:GetObject" on "arn:aws:s3:::ingest-uploads/*"');
    expect(summary.markdown).toContain('~ WriteItems: Allow "dynamodb:PutItem"');
    expect(summary.markdown).toContain('| sqs_managed_sse_enabled | true | false |');
  });

  it('never prints a sensitive value', () => {
    expect(JSON.stringify(updatePlan)).toContain('SecureString');
    expect(summary.markdown).not.toContain('old-secret-value');
    expect(summary.markdown).not.toContain('new-secret-value');
    expect(summary.markdown).toContain('`value`: (sensitive) → (sensitive)');
  });

  it('says so when there is nothing to do', () => {
    const none = summarizePlan(
      { resource_changes: [{ address: 'aws_sqs_queue.q', type: 'aws_sqs_queue', change: { actions: ['no-op'] } }] },
      'x',
    );
    expect(none.hasChanges).toBe(false);
    expect(none.markdown).toContain('**No changes.**');
  });

  it('maps terraform action lists', () => {
    expect([['create'], ['delete', 'create'], ['create', 'delete'], ['delete'], ['update'], ['no-op'], ['read']].map(actionOf)).toEqual([
      'create',
      'replace',
      'replace',
      'destroy',
      'update',
      'no-op',
      'read',
    ]);
  });

  it('masks nested sensitive values', () => {
    expect(mask({ a: 1, b: { c: 'x', d: ['y', 'z'] } }, { b: { c: true, d: [false, true] } })).toEqual({
      a: 1,
      b: { c: '(sensitive)', d: ['y', '(sensitive)'] },
    });
  });

  it('diffs policies by statement and ignores non-policy strings', () => {
    expect(policyDiff('not json', 'still not')).toBeUndefined();
    expect(policyDiff('{"Statement":[{"Sid":"A","Effect":"Allow","Action":"x:Y","Resource":"*"}]}', '{"Statement":[]}')).toEqual([
      '- A: Allow "x:Y" on "*"',
    ]);
  });
});
