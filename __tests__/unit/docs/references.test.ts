import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { PROJECT_ROOT } from '../../../config/project-root';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

const headingsOf = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => l.replace(/^#+ /, ''));

/** Every tracked text file that can point at the docs (code, docs, workflows, configs). */
const files = execFileSync('git', ['ls-files'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
  .split('\n')
  .filter(
    (f) =>
      /\.(ts|js|md|ya?ml|jsonc?)$/.test(f) &&
      !f.startsWith('__tests__/fixtures/') &&
      !f.endsWith('package-lock.json') &&
      // This file spells the patterns it looks for, as examples.
      !f.endsWith('docs/references.test.ts') &&
      existsSync(join(PROJECT_ROOT, f)),
  );

interface Reference {
  from: string;
  target: string;
  anchor?: string;
  heading?: string;
}

/** `docs/x.md#anchor`, `docs/x.md, "Heading"`, `README, "Heading"`, and relative markdown links `](x.md#anchor)`. */
function referencesIn(file: string): Reference[] {
  const text = readFileSync(join(PROJECT_ROOT, file), 'utf8');
  const refs: Reference[] = [];
  for (const m of text.matchAll(/(?<![\w/.])(docs\/[\w-]+\.md)#([\w-]+)/g)) refs.push({ from: file, target: m[1]!, anchor: m[2] });
  for (const m of text.matchAll(/(?<![\w/.])(docs\/[\w-]+\.md|README), "([^"<][^"]*)"/g))
    refs.push({ from: file, target: m[1] === 'README' ? 'README.md' : m[1]!, heading: m[2] });
  if (file.endsWith('.md')) {
    for (const m of text.matchAll(/\]\(((?!https?:)[^)#\s]+\.md)(?:#([\w-]+))?\)/g)) {
      refs.push({ from: file, target: relative(PROJECT_ROOT, normalize(join(PROJECT_ROOT, dirname(file), m[1]!))), anchor: m[2] });
    }
  }
  return refs;
}

describe('references to the docs resolve', () => {
  const refs = files.flatMap(referencesIn);

  it('finds the references it checks (code, docs and workflows point at docs)', () => {
    expect(refs.length).toBeGreaterThan(40);
    expect(new Set(refs.map((r) => r.from.split('/')[0]))).toEqual(expect.objectContaining({ size: expect.any(Number) }));
  });

  it('every referenced file exists, and every anchor or quoted heading is a heading of it', () => {
    const broken = refs.filter((r) => {
      const file = join(PROJECT_ROOT, r.target);
      if (!existsSync(file)) return true;
      const headings = headingsOf(file);
      if (r.anchor) return !headings.map(slug).includes(r.anchor);
      if (r.heading) return !headings.some((h) => h === r.heading || h.startsWith(`${r.heading} (`));
      return false;
    });
    expect(broken.map((r) => `${r.from} → ${r.target}${r.anchor ? `#${r.anchor}` : r.heading ? `, "${r.heading}"` : ''}`)).toEqual([]);
  });
});
