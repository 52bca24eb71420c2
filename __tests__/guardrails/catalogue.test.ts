import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogueMarkdown, RULES } from '../../guardrails';

describe('rule catalogue', () => {
  it('is in docs/guardrails.md exactly as the rules define it', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'guardrails.md'), 'utf8');
    const section = /<!-- guardrails:catalogue:start -->\n([\s\S]*?)\n<!-- guardrails:catalogue:end -->/.exec(doc)?.[1];
    expect(section).toBe(catalogueMarkdown());
  });

  it('gives every rule a unique id, a severity, a fix and an https link', () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) {
      expect(r).toMatchObject({
        id: expect.stringMatching(/^(REL|SEC|OPS)\d{3}$/),
        severity: expect.stringMatching(/^(error|warning)$/),
        fix: expect.any(String),
        link: expect.stringMatching(/^https:\/\//),
      });
    }
  });
});
