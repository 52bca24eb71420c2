/**
 * Resource- and attribute-level diff of two synthesized cdktf outputs: the review that needs
 * no credentials and no state. Asset hashes and archive paths are reported as "code changed".
 */

import { isObject, type JsonObject as Json } from '../src/core/json';

export interface AttributeDiff {
  path: string;
  before: unknown;
  after: unknown;
}

export interface ResourceDiff {
  address: string;
  kind: 'added' | 'removed' | 'changed';
  attributes: AttributeDiff[];
  codeChanged: boolean;
}

export interface StackDiff {
  stack: string;
  kind: 'added' | 'removed' | 'changed' | 'same';
  resources: ResourceDiff[];
  /** Outputs, backend, providers: everything outside `resource`. */
  settings: AttributeDiff[];
}

const ASSET_ATTR = /^(source_code_hash|filename|source_hash|etag|source)$/;
const ASSET_VALUE = /assets\/[^/]+\/[0-9A-F]{32}\/|^[0-9A-F]{32}$/;

/** Flattens JSON to `path → leaf`; strings holding JSON documents (policies) are opened too. */
export function flatten(value: unknown, path = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof value === 'string' && /^\s*[{[]/.test(value)) {
    try {
      return flatten(JSON.parse(value), `${path}⟨json⟩`, out);
    } catch {
      // a string that only looks like JSON
    }
  }
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(path, []);
    value.forEach((v, i) => {
      flatten(v, `${path}[${i}]`, out);
    });
  } else if (isObject(value)) {
    const keys = Object.keys(value).filter((k) => k !== '//');
    if (keys.length === 0) out.set(path, {});
    keys.forEach((k) => {
      flatten(value[k], path ? `${path}.${k}` : k, out);
    });
  } else {
    out.set(path, value);
  }
  return out;
}

export function diffValues(before: unknown, after: unknown): AttributeDiff[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((p) => JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p)))
    .map((p) => ({ path: p, before: a.get(p), after: b.get(p) }));
}

function resources(stack: Json | undefined): Map<string, Json> {
  const map = new Map<string, Json>();
  for (const [type, group] of Object.entries((stack?.resource as Record<string, Record<string, Json>>) ?? {})) {
    for (const [name, body] of Object.entries(group)) map.set(`${type}.${name}`, body);
  }
  return map;
}

export function diffStack(name: string, before: Json | undefined, after: Json | undefined): StackDiff {
  const kind = !before ? 'added' : !after ? 'removed' : 'changed';
  const b = resources(before);
  const a = resources(after);
  const out: ResourceDiff[] = [];
  for (const address of [...new Set([...b.keys(), ...a.keys()])].sort()) {
    const old = b.get(address);
    const now = a.get(address);
    if (!old) out.push({ address, kind: 'added', attributes: diffValues(undefined, now), codeChanged: false });
    else if (!now) out.push({ address, kind: 'removed', attributes: [], codeChanged: false });
    else {
      const all = diffValues(old, now);
      const code = all.filter((d) => ASSET_ATTR.test(d.path) && (ASSET_VALUE.test(String(d.before)) || ASSET_VALUE.test(String(d.after))));
      const attributes = all.filter((d) => !code.includes(d));
      if (attributes.length || code.length) out.push({ address, kind: 'changed', attributes, codeChanged: code.length > 0 });
    }
  }
  const strip = (s: Json | undefined) =>
    s ? Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'resource' && k !== '//')) : undefined;
  const settings = diffValues(strip(before), strip(after));
  return { stack: name, kind: out.length === 0 && settings.length === 0 && kind === 'changed' ? 'same' : kind, resources: out, settings };
}

const show = (v: unknown): string => (v === undefined ? '∅' : JSON.stringify(v)).replace(/\|/g, '\\|').slice(0, 160);

export function renderDiff(diffs: StackDiff[], title: string): string {
  const changed = diffs.filter((d) => d.kind !== 'same');
  const md = [`## Synthesized diff: ${title}`, ''];
  if (changed.length === 0) return `${md.join('\n')}No differences in any stack.\n`;
  for (const d of changed) {
    const counts = (k: ResourceDiff['kind']) => d.resources.filter((r) => r.kind === k).length;
    md.push(
      `### ${d.stack} (${d.kind === 'changed' ? `${counts('added')} added, ${counts('changed')} changed, ${counts('removed')} removed` : `stack ${d.kind}`})`,
      '',
    );
    for (const r of d.resources) {
      const icon = r.kind === 'added' ? '➕' : r.kind === 'removed' ? '🗑️' : '✏️';
      md.push(`- ${icon} \`${r.address}\` ${r.kind}${r.codeChanged ? ' — **code changed** (asset hash)' : ''}`);
      if (r.kind === 'changed') for (const a of r.attributes) md.push(`  - \`${a.path}\`: ${show(a.before)} → ${show(a.after)}`);
    }
    for (const s of d.settings) md.push(`- ⚙️ \`${s.path}\`: ${show(s.before)} → ${show(s.after)}`);
    md.push('');
  }
  return `${md.join('\n')}`;
}
