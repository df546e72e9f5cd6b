import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_RULES } from '../../src/rules/index.js';
import { ruleDocsMarkdown } from '../../src/report/rule-docs.js';
import { reportJsonSchema } from '../../src/report/json-schema.js';
import { projectRoot } from '../helpers/fixtures.js';

describe('generated docs are current (run `npm run docs` after changing rules or the report schema)', () => {
  it('docs/rules.md matches the rule objects', () => {
    expect(readFileSync(path.join(projectRoot, 'docs/rules.md'), 'utf8')).toBe(ruleDocsMarkdown(ALL_RULES));
  });
  it('docs/report.schema.json matches the report schema', () => {
    expect(JSON.parse(readFileSync(path.join(projectRoot, 'docs/report.schema.json'), 'utf8'))).toEqual(reportJsonSchema());
  });
  it('every rule has an explicit unique id and complete docs', () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of ALL_RULES) {
      expect(r.id).toMatch(/^(aws|gcp)\.[a-z0-9-]+$/);
      for (const field of [r.title, r.description, r.risk, r.remediation]) expect(field.length).toBeGreaterThan(10);
      expect(r.references.length).toBeGreaterThan(0);
      for (const ref of r.references) expect(ref).toMatch(/^https:\/\//);
    }
  });
});
