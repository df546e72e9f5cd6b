/** The HTML report as text: CSP hashes, self-containment, escaping, data block, charts and the index page. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrendPoint } from '../../../src/analyse/trends.js';
import { lineChart } from '../../../src/report/html/charts.js';
import { escapeHtml, scriptJson, scriptJsonContent } from '../../../src/report/html/escape.js';
import { buildReportIndex, listReports } from '../../../src/report/html/index-page.js';
import { buildHtmlReport } from '../../../src/report/html/page.js';
import { pageData, pageEvidence, type PageIdentity, type PageSummaryRow } from '../../../src/report/html/view-model.js';
import { isOpen } from '../../../src/model/finding.js';
import type { AuditReport } from '../../../src/report/json-schema.js';
import { HOSTILE, HOSTILE_ARN, hostileReport, sampleReport, scaledReport } from '../report-fixtures.js';

let sample: AuditReport;
let hostile: AuditReport;
let tmp: string;
beforeAll(async () => {
  sample = await sampleReport();
  hostile = hostileReport(sample);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-html-'));
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function inlineBlocks(html: string) {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!.replace(/&#39;/g, "'");
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
  const scripts = [...html.matchAll(/<script(?: [^>]*)?>([\s\S]*?)<\/script>/g)].map((m) => ({ tag: m[0].slice(0, m[0].indexOf('>') + 1), body: m[1]! }));
  return { csp, styles, scripts };
}
const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

describe('HTML report page', () => {
  it('has a CSP whose hashes match its one inline style and one inline script, and nothing else may load', () => {
    const html = buildHtmlReport(sample);
    const { csp, styles, scripts } = inlineBlocks(html);
    expect(styles).toHaveLength(1);
    const executable = scripts.filter((s) => s.tag === '<script>');
    expect(executable).toHaveLength(1);
    expect(scripts.filter((s) => s.tag !== '<script>').map((s) => s.tag)).toEqual([
      '<script type="application/json" id="kw-data">',
      '<script type="application/json" id="kw-detail">',
    ]);
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual([sha256(executable[0]!.body)]);
    expect(directives['style-src']).toEqual([sha256(styles[0]!)]);
    expect(directives['img-src']).toEqual(['data:']);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(directives['form-action']).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe');
  });

  it('references nothing outside itself', () => {
    const html = buildHtmlReport(sample);
    expect(html).not.toMatch(/<link|<iframe|<object|<embed|<img|\ssrc=|@import|url\(/i);
    // Links go to places in the page or to sibling report files only.
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    for (const href of hrefs) expect(href).toMatch(/^(#[a-z0-9-]+|index\.html)$/);
  });

  it('escapes hostile cloud text: no tag, attribute or script survives into the markup', () => {
    const html = buildHtmlReport(hostile);
    const { scripts } = inlineBlocks(html);
    expect(scripts).toHaveLength(3);
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html.match(/<\/script/g)).toHaveLength(3);
    expect(html).not.toMatch(/<img|<svg onload|<b>html/i);
    // The overview names the hostile identity and the failed source, as text.
    expect(html).toContain(escapeHtml(hostile.identities.find((i) => i.arn === HOSTILE_ARN)!.name));
    expect(html).toContain(escapeHtml(`AccessDenied ${HOSTILE.img}`));
    expect(html.indexOf('Coverage incomplete')).toBeLessThan(html.indexOf('id="overview"'));
  });

  it('carries the data so JSON.parse gives back every hostile string unchanged', () => {
    const html = buildHtmlReport(hostile);
    const block = (id: string) => inlineBlocks(html).scripts.find((s) => s.tag.includes(`id="${id}"`))!.body;
    for (const id of ['kw-data', 'kw-detail']) expect(block(id)).not.toMatch(/[<>&\u2028\u2029]/);
    const expected = JSON.parse(JSON.stringify(pageData(hostile)));
    expect(JSON.parse(block('kw-data'))).toEqual(expected.data);
    expect(JSON.parse(block('kw-detail'))).toEqual(expected.detail);
    const { data, detail } = pageData(hostile);
    expect(detail.suggestions[0]!.rollback[0]!.commands[0]).toContain(HOSTILE.closeScript);
    expect(detail.evidence).toHaveLength(data.findings.length);
    expect((data.identities.find((i) => i.arn === HOSTILE_ARN) as PageIdentity).tags).toContainEqual(['note', HOSTILE.lineSeparators]);
  });

  it('carries each identity\'s granted vs used by resource environment for its page', () => {
    const { data } = pageData(sample);
    const withEnvironments = sample.identities.filter((i) => i.grantedByEnvironment?.length);
    expect(withEnvironments.length).toBeGreaterThan(5);
    for (const i of withEnvironments) expect((data.identities.find((p) => p.arn === i.arn) as PageIdentity).environments).toEqual(i.grantedByEnvironment);
    const agent = data.identities.find((i) => i.name === 'staging-agent') as PageIdentity;
    expect(agent.environments.map((e) => [e.environment, e.granted, e.everyResource])).toEqual([['production', 1, 0], ['staging', 1630, 1630]]);
  });

  it('bounds long evidence for the page and says where the rest is', () => {
    const long = { kind: 'usage', summary: 'x'.repeat(5000), detail: { actions: Array.from({ length: 300 }, (_, i) => `s3:Action${i}`), count: 300 } };
    const shown = pageEvidence(long);
    expect(shown.summary.length).toBeLessThan(400);
    expect(shown.summary).toContain('full text in the JSON report');
    expect(shown.detail!.actions).toHaveLength(11);
    expect((shown.detail!.actions as string[])[10]).toBe('… 290 more in the JSON report');
    expect(shown.detail!.count).toBe(300);
  });

  it('scriptJson round-trips any value and never emits characters that end the block', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, text) => {
        for (const v of [value, text, { text, nested: [text, value] }]) {
          const out = scriptJson(v);
          expect(out).not.toMatch(/[<>&\u2028\u2029]/);
          expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(v)));
        }
      }),
    );
  });

  it('escapeHtml leaves no markup characters in any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(escapeHtml(s).replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toMatch(/[<>"'&]/);
      }),
    );
  });

  it('trend charts: honest with one scan, a line per series with several', () => {
    expect(lineChart('Findings', ['#1 2026-11-15'], [{ name: 'High', cls: 's-high', values: [7] }])).toContain('1 scan so far');
    const chart = lineChart('Findings', ['#1', '#2', '#3'], [{ name: 'High', cls: 's-high', values: [3, 9, 4] }]);
    const points = /<polyline class="line s-high" points="([^"]+)"/.exec(chart)![1]!.split(' ');
    expect(points).toHaveLength(3);
    const ys = points.map((p) => Number(p.split(',')[1]));
    expect(ys[1]).toBeLessThan(ys[0]!); // 9 is drawn above 3
    expect(ys[2]).toBeGreaterThan(ys[1]!);
    expect(chart).toContain('<td>9</td>');
  });

  it('shows trends over the scans it is given', () => {
    const point = (scanId: number, high: number): TrendPoint => ({
      scanId, collectedAt: `2026-0${scanId}-01T00:00:00Z`, windowTo: `2026-0${scanId}-01`, findingsBySeverity: { critical: 1, high },
      grantedActions: 100, usedActions: 10 * scanId, agentIdentities: scanId, identities: 10,
    });
    const html = buildHtmlReport(sample, { trends: [point(1, 5), point(2, 8)] });
    expect(html).toContain('Trends over 2 stored scans');
    expect(html).toContain('id="chart-granted-vs-used-ratio"');
    expect(html).toContain('<td>20%</td>');
  });

  it('index page lists dated reports newest first with their headline figures, and no script', () => {
    const dir = path.join(tmp, 'index');
    mkdirSync(dir);
    const older = { ...sample, scan: { ...sample.scan, id: 1 }, window: { ...sample.window, to: '2026-10-15' } };
    for (const r of [older, hostile]) writeFileSync(path.join(dir, `keywarden-${r.window.to}-scan${r.scan.id}.html`), buildHtmlReport(r));
    writeFileSync(path.join(dir, `keywarden-${hostile.window.to}-scan${hostile.scan.id}.json`), '{}');
    writeFileSync(path.join(dir, 'keywarden-notes.html'), '<p>not a report</p>');
    const listed = listReports(dir);
    expect(listed.map((r) => r.file)).toEqual([`keywarden-${hostile.window.to}-scan${hostile.scan.id}.html`, 'keywarden-2026-10-15-scan1.html']);
    expect(listed[0]!.headline).toMatchObject({ scanId: hostile.scan.id, coverageComplete: false, identities: hostile.summary.identities });
    expect(listed[0]!.siblings).toEqual([`keywarden-${hostile.window.to}-scan${hostile.scan.id}.json`]);
    const index = buildReportIndex(listed);
    expect(index).not.toContain('<script');
    expect(inlineBlocks(index).csp).toContain("script-src 'none'");
    expect(index).toContain('incomplete');
  });
});

describe('HTML report beyond its detail budget', () => {
  const JSON_NAME = 'keywarden-2026-11-15-scan1.json';
  let large: AuditReport;
  beforeAll(() => {
    large = scaledReport(sample, 2000);
  });

  it('carries every identity, full detail for the worst within the findings budget, summary rows for the rest', () => {
    const { data, detail } = pageData(large, 500);
    const limited = data.limited!;
    expect(limited).toMatchObject({ identities: 2000, findings: large.findings.length });
    expect(data.identities).toHaveLength(2000);
    expect(limited.detailFindings).toBeLessThanOrEqual(500);
    expect(limited.detailIdentities).toBeGreaterThan(10);
    const full = data.identities.slice(0, limited.detailIdentities);
    const rows = data.identities.slice(limited.detailIdentities) as PageSummaryRow[];
    expect(full.every((i) => !('summaryOnly' in i))).toBe(true);
    expect(rows.every((i) => i.summaryOnly)).toBe(true);
    // Worst first: no summary row is worse than the last identity in full.
    const rank = (i: { worst: string }) => ['', 'info', 'low', 'medium', 'high', 'critical'].indexOf(i.worst);
    expect(Math.max(...rows.map(rank))).toBeLessThanOrEqual(rank(full[full.length - 1]!));
    // Findings, evidence (and suggestions) only of those in full; every finding of theirs.
    expect(data.findings).toHaveLength(limited.detailFindings);
    expect(detail.evidence).toHaveLength(limited.detailFindings);
    expect(data.findings.every((f) => f.identity < limited.detailIdentities)).toBe(true);
    const fullArns = new Set(full.map((i) => i.arn));
    expect(large.findings.filter((f) => fullArns.has(f.identityArn))).toHaveLength(limited.detailFindings);
    // A summary row carries what the filters need: its rules and open severities, from every finding of its identity.
    for (const row of rows.slice(0, 50)) {
      const own = large.findings.filter((f) => f.identityArn === row.arn);
      expect(row.rules).toEqual([...new Set(own.map((f) => f.ruleId))].sort());
      expect(row.open).toBe(own.filter(isOpen).length);
      expect(new Set(row.openSeverities)).toEqual(new Set(own.filter(isOpen).map((f) => f.severity)));
    }
  });

  it('says so at the top and above the identity list, naming the JSON report; counts and charts still cover everything', () => {
    const limitedHtml = buildHtmlReport(large, { detailFindings: 500, jsonReport: JSON_NAME });
    const whole = buildHtmlReport(large);
    expect(whole).not.toContain('<p class="alert limit-notice"');
    const notices = [...limitedHtml.matchAll(/<p class="alert limit-notice" id="([^"]+)"[^>]*>([\s\S]*?)<\/p>/g)];
    expect(notices.map((m) => m[1])).toEqual(['limit-notice', 'limit-notice-list']);
    const { limited } = pageData(large, 500).data;
    expect(notices[0]![2]).toContain(`full detail for the ${limited!.detailIdentities} worst identities only`);
    expect(notices[0]![2]).toContain(`<code>${JSON_NAME}</code>`);
    expect(notices[0]![2]).toContain(`${2000 - limited!.detailIdentities} identities are listed with their counts`);
    const section = (html: string, id: string) => new RegExp(`<section aria-labelledby="${id}">[\\s\\S]*?</section>`).exec(html)![0];
    for (const id of ['h-env', 'h-worst']) expect(section(limitedHtml, id)).toBe(section(whole, id));
    expect(/<ul class="cards"[\s\S]*?<\/ul>/.exec(limitedHtml)![0]).toBe(/<ul class="cards"[\s\S]*?<\/ul>/.exec(whole)![0]);
    expect(buildHtmlReport(large, { detailFindings: 500 })).toContain('the JSON report (<code>--format json</code>)');
  });

  it('streams its data blocks as exactly scriptJson would write them', () => {
    for (const report of [hostile, large]) {
      const { data, detail } = pageData(report, 500);
      for (const value of [data, detail]) {
        const parts: string[] = [];
        scriptJsonContent(value)((s) => parts.push(s));
        expect(parts.join('') === scriptJson(value)).toBe(true);
      }
    }
  });
});
