import { parsePolicyStatements, type PolicyStatementJson as Statement } from '../constructs/policy-document';
import { isObject, type JsonObject } from '../src/core/json';

/**
 * Renders `terraform show -json` of a plan as a markdown review: counts, replacements and
 * destroys first, security-relevant changes with before/after, then everything by type.
 */

export interface ResourceChange {
  address: string;
  type: string;
  change: {
    actions: string[];
    before?: unknown;
    after?: unknown;
    after_unknown?: unknown;
    before_sensitive?: unknown;
    after_sensitive?: unknown;
    replace_paths?: Array<Array<string | number>>;
  };
  action_reason?: string;
}

export interface PlanDocument {
  resource_changes?: ResourceChange[];
  output_changes?: Record<string, { actions: string[] }>;
}

export type Action = 'create' | 'update' | 'replace' | 'destroy' | 'read' | 'no-op';

export function actionOf(actions: string[]): Action {
  const a = actions.join(',');
  if (a === 'delete,create' || a === 'create,delete') return 'replace';
  if (a === 'delete') return 'destroy';
  if (a === 'create' || a === 'update' || a === 'read') return a;
  return 'no-op';
}

const ICON: Record<Action, string> = { create: '➕', update: '✏️', replace: '🔁', destroy: '🗑️', read: '📖', 'no-op': '·' };

/** Attribute names whose change a security reviewer must see. */
const SECURITY_ATTR =
  /(^|_)(policy|policies|assume_role_policy|inline_policy|kms|encrypt|encryption|sse|sse_algorithm|public|acl|principal|source_arn|source_account|allowed_account_ids|tracing_config|point_in_time_recovery|deletion_protection|force_destroy|redrive_allow_policy|object_ownership|versioning|role|permissions_boundary|managed_policy_arns)(_|$)/;
const SECURITY_TYPE =
  /^aws_(iam_|kms_|s3_bucket_(policy|public_access_block|server_side_encryption|ownership|versioning|acl)|sqs_queue_policy|sns_topic_policy|lambda_permission)/;

const MASK = '(sensitive)';
const UNKNOWN = '(known after apply)';

type Json = JsonObject;

/** Replaces every value marked sensitive (by terraform's `*_sensitive` shadow trees) with a mask. */
export function mask(value: unknown, sensitive: unknown): unknown {
  if (sensitive === true) return MASK;
  if (Array.isArray(value)) return value.map((v, i) => mask(v, Array.isArray(sensitive) ? sensitive[i] : undefined));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, isObject(sensitive) ? sensitive[k] : undefined)]));
  return value;
}

function withUnknown(value: unknown, unknown: unknown): unknown {
  if (unknown === true) return UNKNOWN;
  if (isObject(unknown)) {
    const base = isObject(value) ? value : {};
    const keys = new Set([...Object.keys(base), ...Object.keys(unknown)]);
    return Object.fromEntries([...keys].map((k) => [k, withUnknown(base[k], unknown[k])]));
  }
  return value;
}

export interface AttributeChange {
  attribute: string;
  before: unknown;
  after: unknown;
  security: boolean;
}

/** Top-level attributes whose value changes, masked, with unknown-after-apply shown as such. */
export function attributeChanges(rc: ResourceChange): AttributeChange[] {
  // Compare the real values (a changed secret is still a change), show the masked ones.
  const rawBefore = (rc.change.before ?? {}) as Json;
  const rawAfter = (withUnknown(rc.change.after, rc.change.after_unknown) ?? {}) as Json;
  const before = (mask(rc.change.before, rc.change.before_sensitive) ?? {}) as Json;
  const after = (withUnknown(mask(rc.change.after, rc.change.after_sensitive), rc.change.after_unknown) ?? {}) as Json;
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const securityType = SECURITY_TYPE.test(rc.type);
  const empty = (v: unknown) =>
    v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
  return (
    keys
      .filter((k) => k !== 'tags_all' && JSON.stringify(rawBefore[k] ?? null) !== JSON.stringify(rawAfter[k] ?? null))
      // "" → null, or "" → (known after apply), is the provider's bookkeeping, not a change anyone made.
      .filter((k) => !(empty(rawBefore[k]) && (empty(rawAfter[k]) || after[k] === UNKNOWN)))
      .map((k) => ({ attribute: k, before: before[k] ?? null, after: after[k] ?? null, security: securityType || SECURITY_ATTR.test(k) }))
  );
}

/** For policy documents: statements added, removed and changed, by Sid (or position). */
export function policyDiff(before: unknown, after: unknown): string[] | undefined {
  const b = parsePolicyStatements(before);
  const a = parsePolicyStatements(after);
  if (!b && !a) return undefined;
  const key = (s: Statement, i: number) => s.Sid ?? `#${i}`;
  const bm = new Map((b ?? []).map((s, i) => [key(s, i), s]));
  const am = new Map((a ?? []).map((s, i) => [key(s, i), s]));
  const brief = (s: Statement) =>
    `${s.Effect} ${JSON.stringify(s.Action)} on ${JSON.stringify(s.Resource)}${s.Condition ? ` if ${JSON.stringify(s.Condition)}` : ''}`;
  const lines: string[] = [];
  for (const [k, s] of am) if (!bm.has(k)) lines.push(`+ ${k}: ${brief(s)}`);
  for (const [k, s] of bm) if (!am.has(k)) lines.push(`- ${k}: ${brief(s)}`);
  for (const [k, s] of am) {
    const old = bm.get(k);
    if (old && JSON.stringify(old) !== JSON.stringify(s)) lines.push(`~ ${k}: ${brief(old)} → ${brief(s)}`);
  }
  return lines;
}

const short = (v: unknown, max = 120): string => {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  const one = (text ?? 'null').replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};

export interface PlanSummary {
  counts: Record<Action, number>;
  markdown: string;
  /** True when anything would change (resources or outputs). */
  hasChanges: boolean;
}

export function summarizePlan(plan: PlanDocument, title: string): PlanSummary {
  const changes = (plan.resource_changes ?? []).map((rc) => ({ rc, action: actionOf(rc.change.actions) }));
  const counts: Record<Action, number> = { create: 0, update: 0, replace: 0, destroy: 0, read: 0, 'no-op': 0 };
  changes.forEach((c) => {
    counts[c.action]++;
  });
  const outputChanges = Object.entries(plan.output_changes ?? {}).filter(([, o]) => !o.actions.includes('no-op'));
  const hasChanges = counts.create + counts.update + counts.replace + counts.destroy > 0 || outputChanges.length > 0;
  const md: string[] = [`## Plan: ${title}`, ''];
  md.push(
    hasChanges
      ? `**${counts.create} to add, ${counts.update} to change, ${counts.replace} to replace, ${counts.destroy} to destroy**` +
          (counts['no-op'] ? ` (${counts['no-op']} unchanged)` : '')
      : '**No changes.** Infrastructure matches the configuration.',
  );

  const loud = changes.filter((c) => c.action === 'replace' || c.action === 'destroy');
  if (loud.length) {
    md.push('', '### ⚠️ Replacements and destroys', '', '| action | address | why |', '| --- | --- | --- |');
    for (const { rc, action } of loud) {
      const why =
        action === 'replace'
          ? (rc.change.replace_paths ?? []).map((p) => p.join('.')).join(', ') || rc.action_reason || 'forced by the provider'
          : (rc.action_reason ?? 'removed from the configuration');
      md.push(`| ${ICON[action]} **${action.toUpperCase()}** | \`${rc.address}\` | ${short(why)} |`);
    }
  }

  const security = changes
    .filter((c) => c.action !== 'no-op' && c.action !== 'read')
    .map((c) => ({ ...c, attrs: attributeChanges(c.rc).filter((a) => a.security) }))
    // Creates are listed by name below; destroys are already listed above, loud.
    .filter((c) => c.attrs.length > 0 && c.action !== 'create' && c.action !== 'destroy');
  const created = changes.filter((c) => c.action === 'create' && SECURITY_TYPE.test(c.rc.type));
  if (security.length || created.length) {
    md.push('', '### 🔐 Security-relevant changes', '');
    for (const { rc, action, attrs } of security) {
      md.push(`**${ICON[action]} ${action} \`${rc.address}\`**`, '', '| attribute | before | after |', '| --- | --- | --- |');
      for (const a of attrs) {
        const diff = policyDiff(a.before, a.after);
        if (diff) md.push(`| ${a.attribute} | policy statements | ${diff.map((l) => short(l, 200)).join('<br>') || 'reformatted only'} |`);
        else md.push(`| ${a.attribute} | ${short(a.before)} | ${short(a.after)} |`);
      }
      md.push('');
    }
    if (created.length) md.push(`New IAM/KMS/policy resources: ${created.map((c) => `\`${c.rc.address}\``).join(', ')}`);
  }

  const types = [...new Set(changes.filter((c) => c.action !== 'no-op').map((c) => c.rc.type))].sort();
  if (types.length) {
    md.push(
      '',
      '### Changes by resource type',
      '',
      '| type | ➕ create | ✏️ update | 🔁 replace | 🗑️ destroy |',
      '| --- | ---: | ---: | ---: | ---: |',
    );
    for (const t of types) {
      const of = (a: Action) => changes.filter((c) => c.rc.type === t && c.action === a).length || '';
      md.push(`| \`${t}\` | ${of('create')} | ${of('update')} | ${of('replace')} | ${of('destroy')} |`);
    }
    md.push('', '<details><summary>Every change</summary>', '');
    for (const { rc, action } of changes.filter((c) => c.action !== 'no-op')) {
      md.push(`- ${ICON[action]} ${action} \`${rc.address}\``);
      if (action === 'update' || action === 'replace') {
        for (const a of attributeChanges(rc)) md.push(`  - \`${a.attribute}\`: ${short(a.before, 80)} → ${short(a.after, 80)}`);
      }
    }
    md.push('', '</details>');
  }
  if (outputChanges.length) md.push('', `Outputs changing: ${outputChanges.map(([k]) => `\`${k}\``).join(', ')}`);
  return { counts, markdown: `${md.join('\n')}\n`, hasChanges };
}
