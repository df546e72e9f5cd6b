import { describe, expect, it } from 'vitest';
import { isOpen } from '../../src/model/finding.js';
import { codeSpan, MARKDOWN_MAX_BYTES, toMarkdown } from '../../src/report/markdown.js';
import { HOSTILE, sampleAndHostile } from './report-fixtures.js';

const reports = sampleAndHostile();

/** Markdown constructs that would make a link, raw HTML or break a table row, outside code spans. */
function outsideCodeSpans(md: string): string {
  return md.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '');
}

describe('Markdown summary', () => {
  it('gives counts that match the report and lists the worst open findings first', () => {
    const md = toMarkdown(reports.sample);
    // The example config suppresses one sample finding (examples/suppressions.example.yaml).
    const open = reports.sample.findings.filter(isOpen);
    const count = (list: typeof open, severity: string) => list.filter((f) => f.severity === severity).length;
    const suppressed = reports.sample.findings.filter((f) => !isOpen(f));
    expect(suppressed.length).toBeGreaterThan(0);
    for (const severity of ['critical', 'high'])
      expect(md).toContain(`| ${severity.toUpperCase()} | ${count(open, severity)} | ${count(suppressed, severity)} |`);
    expect(md).toContain('Coverage: complete');
    const firstRow = md.split('\n').find((l) => l.startsWith('| CRITICAL | `'))!;
    expect(firstRow).toContain(reports.sample.findings[0]!.ruleId);
    expect(md).toContain(`${open.length - 30} more open findings`);
  });

  it('puts hostile cloud text in code spans: no link, HTML or table break outside them', () => {
    const md = toMarkdown(reports.hostile);
    const prose = outsideCodeSpans(md);
    expect(prose).not.toMatch(/<[a-z/]|\]\(|https?:|www\.|javascript:/i);
    expect(md.indexOf('Coverage incomplete')).toBeLessThan(md.indexOf('| Severity |'));
    // Every table row keeps its four cells: escaped pipes inside code spans do not split it.
    for (const row of md.split('\n').filter((l) => l.startsWith('| CRITICAL | `')))
      expect(row.replace(/\\\|/g, '').split('|').length).toBe(6);
    expect(md).toContain(codeSpan(reports.hostile.findings[0]!.title));
  });

  it('code spans survive backticks and line breaks in the text', () => {
    expect(codeSpan('a `b` c')).toBe('``a `b` c``');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
    expect(codeSpan(`x\ny${HOSTILE.lineSeparators}`)).not.toMatch(/[\n\u2028\u2029]/);
  });

  it('stays under 60 KB however many findings there are', () => {
    const many = structuredClone(reports.hostile);
    many.findings = Array.from({ length: 5000 }, (_, i) => ({ ...reports.hostile.findings[0]!, fingerprint: `f${i}`, title: `${'x'.repeat(150)} ${i}` }));
    const md = toMarkdown(many, 5000);
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
    expect(md).toMatch(/\d+ more open findings/);
  });
});
