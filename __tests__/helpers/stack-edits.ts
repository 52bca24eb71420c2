import type { TerraformJson } from '../../local/iam/synthesized-stack';

type Statement = Record<string, unknown> & { Action?: string | string[]; Sid?: string };
type Doc = { Statement: Statement[] };

/** Rewrites the policy (a JSON string with `${…}` references) of each matching resource. */
function editPolicies(
  json: TerraformJson,
  type: string,
  matches: (id: string, body: Record<string, unknown>) => boolean,
  edit: (doc: Doc) => void,
): void {
  let found = 0;
  for (const [id, body] of Object.entries(json.resource[type] ?? {})) {
    if (!matches(id, body)) continue;
    const doc = JSON.parse(String(body.policy)) as Doc;
    edit(doc);
    body.policy = JSON.stringify(doc);
    found++;
  }
  if (found === 0) throw new Error(`no ${type} matched`);
}

/**
 * Removes exactly one action from a function's inline policy in the synthesized stack (from every
 * statement, or only statement `onlySid`; a statement left with none is dropped), as a slip in a
 * construct would: nothing else changes.
 */
export const withoutAction =
  (functionName: string, action: string, onlySid?: string) =>
  (json: TerraformJson): void =>
    editPolicies(
      json,
      'aws_iam_role_policy',
      (_, body) => String(body.name) === `${functionName}-policy`,
      (doc) => {
        const before = JSON.stringify(doc);
        doc.Statement = doc.Statement.flatMap((st) => {
          if (onlySid !== undefined && st.Sid !== onlySid) return [st];
          const actions = ([] as string[]).concat(st.Action ?? []).filter((a) => a !== action);
          return actions.length === 0 ? [] : [{ ...st, Action: actions.length === 1 ? actions[0] : actions }];
        });
        if (JSON.stringify(doc) === before) throw new Error(`${functionName}'s policy has no ${action}`);
      },
    );

/** Edits the statement `sid` of a resource policy (queue, topic, key…). */
export const editStatement =
  (type: string, sid: string, edit: (st: Statement) => Statement | null) =>
  (json: TerraformJson): void =>
    editPolicies(
      json,
      type,
      (_, body) => String(body.policy).includes(`"Sid":"${sid}"`),
      (doc) => {
        doc.Statement = doc.Statement.flatMap((st) => (st.Sid === sid ? [edit(st)].filter((x): x is Statement => x !== null) : [st]));
      },
    );
