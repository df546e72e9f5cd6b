/**
 * The HTML report in a real browser (Debian Chromium via playwright-core):
 * it opens cleanly and self-contained, filters and drill-down work, and
 * hostile names execute nothing. Screenshots go to test-artifacts/.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOpen } from '../../../src/model/finding.js';
import { buildHtmlReport } from '../../../src/report/html/page.js';
import { pageData } from '../../../src/report/html/view-model.js';
import { reportSchema, type AuditReport } from '../../../src/report/json-schema.js';
import { cli, HOSTILE, HOSTILE_ARN, hostileReport, sampleAuditArgs, scaledReport } from '../report-fixtures.js';
import { launchChromium, openReport, screenshot, type OpenedPage } from './browser-harness.js';

let tmp: string;
let reports: string;
let sample: AuditReport;
let hostile: AuditReport;
let browser: Browser;
let large: AuditReport;
const LIMITED_JSON = 'keywarden-2026-11-15-scan1.json';
const opened: OpenedPage[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-browser-'));
  reports = path.join(tmp, 'reports');
  // Two scans of the sample through the CLI: the real files, with a two-point trend.
  for (let scan = 0; scan < 2; scan++) {
    const run = await cli(...sampleAuditArgs(path.join(tmp, 'k.db'), reports));
    if (run.code !== 0) throw new Error(run.err);
  }
  sample = reportSchema.parse(JSON.parse(readFileSync(path.join(reports, 'latest.json'), 'utf8')));
  hostile = hostileReport(sample);
  writeFileSync(path.join(tmp, 'hostile.html'), buildHtmlReport(hostile));
  writeFileSync(path.join(tmp, 'large.html'), buildHtmlReport(scaledReport(sample, 2000)));
  large = scaledReport(sample, 2000);
  writeFileSync(path.join(tmp, 'limited.html'), buildHtmlReport(large, { detailFindings: 500, jsonReport: LIMITED_JSON }));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const o of opened) await o.context.close();
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function open(file: string, hash = ''): Promise<OpenedPage> {
  const o = await openReport(browser, file, hash);
  opened.push(o);
  return o;
}

async function expectClean(o: OpenedPage): Promise<void> {
  expect(o.errors).toEqual([]);
  expect(o.requests).toEqual([]);
  expect(o.dialogs).toEqual([]);
  expect(await o.cspViolations()).toEqual([]);
}

const rowNames = (o: OpenedPage) => o.page.locator('#identity-table tbody th a').allTextContents();

describe('HTML report in Chromium', () => {
  it('opens with no console errors and no requests; the overview shows counts, coverage and trends', async () => {
    const o = await open(path.join(reports, 'latest.html'));
    await expectClean(o);
    const critical = sample.findings.filter((f) => f.severity === 'critical' && isOpen(f)).length;
    expect(await o.page.locator('.sev-card-critical .card-n').textContent()).toBe(String(critical));
    expect(await o.page.locator('#coverage-status').textContent()).toContain('Coverage complete');
    expect(await o.page.locator('#h-trends').textContent()).toBe('Trends over 2 stored scans');
    expect(await o.page.locator('#overview figure.chart svg').count()).toBe(4);
    expect(await o.page.locator('#result-count').textContent()).toBe(`${sample.identities.length} identities`);
    await screenshot(o.page, 'overview.png');
  });

  it('is accessible markup: labelled filters, real table headers; prints without the controls', async () => {
    const o = await open(path.join(reports, 'latest.html'));
    const { page } = o;
    const unlabelled = await page.evaluate<string[]>(`[...document.querySelectorAll('.filters select, .filters input')]
      .filter((c) => !document.querySelector('label[for="' + c.id + '"]')).map((c) => c.id)`);
    expect(unlabelled).toEqual([]);
    expect(await page.locator('#identity-table thead th[scope="col"]').count()).toBe(8);
    expect(await page.locator('#identity-table tbody th[scope="row"]').count()).toBe(sample.identities.length);
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('.filters')).toBe(false);
    expect(await page.isVisible('#p-next')).toBe(false);
    expect(await page.isVisible('#overview')).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    expect(await page.isVisible('.filters')).toBe(true);
  });

  it('filters by environment, agent, severity, rule and text, and sorts from the keyboard', async () => {
    const o = await open(path.join(reports, 'latest.html'));
    const { page } = o;
    const staging = sample.identities.filter((i) => i.environment?.environment === 'staging');
    await page.selectOption('#f-env', 'staging');
    expect((await rowNames(o)).sort()).toEqual(staging.map((i) => i.name).sort());
    await page.selectOption('#f-agent', 'agent');
    expect((await rowNames(o)).sort()).toEqual(staging.filter((i) => i.agent?.agent).map((i) => i.name).sort());
    await page.click('#f-clear');
    expect(await rowNames(o)).toHaveLength(sample.identities.length);

    const arnsWith = (pred: (f: AuditReport['findings'][number]) => boolean) => new Set(sample.findings.filter(pred).map((f) => f.identityArn));
    const names = (arns: Set<string>) => sample.identities.filter((i) => arns.has(i.arn)).map((i) => i.name).sort();
    await page.selectOption('#f-rule', 'aws.stale-access-key');
    expect((await rowNames(o)).sort()).toEqual(names(arnsWith((f) => f.ruleId === 'aws.stale-access-key')));
    await page.selectOption('#f-rule', '');
    await page.selectOption('#f-severity', 'low');
    expect((await rowNames(o)).sort()).toEqual(names(arnsWith((f) => f.severity === 'low' && isOpen(f))));
    await page.selectOption('#f-severity', '');

    await page.focus('#f-text');
    await page.keyboard.type('QA-BOT');
    expect(await rowNames(o)).toEqual(['qa-bot']);
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.focus('#identity-table th[data-sort="name"] button');
    await page.keyboard.press('Enter');
    const sorted = await rowNames(o);
    expect(sorted).toEqual([...sorted].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(await page.getAttribute('#identity-table th[data-sort="name"]', 'aria-sort')).toBe('ascending');
    await expectClean(o);
  });

  it('drills into an identity: granted vs used, last use per credential, findings with evidence', async () => {
    const o = await open(path.join(reports, 'latest.html'));
    const { page } = o;
    const qa = sample.identities.find((i) => i.name === 'qa-bot')!;
    await page.fill('#f-text', 'qa-bot');
    await page.click('#identity-table tbody a');
    await page.waitForSelector('#detail-title');
    await page.waitForSelector('#overview', { state: 'hidden', timeout: 5_000 });
    expect(await page.isVisible('#overview')).toBe(false);
    expect(await page.locator('#detail-title').textContent()).toContain('qa-bot');
    expect(await page.locator('#identity-detail article.finding:not(.suggestion)').count()).toBe(sample.findings.filter((f) => f.identityArn === qa.arn).length);
    const serviceBars = page.locator('#identity-detail figure.bars').first().locator('rect');
    expect(await serviceBars.count()).toBeGreaterThan(0);
    // qa-bot holds everything on `*` in its staging account: all of it reaches staging, nothing production.
    const envRows = page.locator('#identity-detail table:has(caption:text("By resource environment")) tbody tr');
    expect(await envRows.allTextContents()).toEqual(qa.grantedByEnvironment!.map((e) => `${e.environment}${e.used}${e.unused}${e.unknown}`));
    expect(qa.grantedByEnvironment!.map((e) => e.environment)).toEqual(['staging']);
    expect(await page.locator('#identity-detail ul.env-notes').textContent()).toContain(
      `${qa.granted.actions} granted actions reach it, ${qa.grantedByEnvironment![0]!.used} of them used in the window; ${qa.granted.actions} through * (every resource of its own account 222222222222, staging)`,
    );
    const credRows = page.locator('#identity-detail table:has(caption:text("Credentials")) tbody tr');
    expect(await credRows.count()).toBe(qa.credentials.length);
    const lastUsed = qa.credentials.find((c) => c.lastUsedAt)!;
    expect(await credRows.filter({ hasText: lastUsed.id }).textContent()).toContain(lastUsed.lastUsedAt!.slice(0, 10));
    await page.locator('#identity-detail article.finding details summary').first().click();
    await screenshot(page, 'identity.png');
    await page.click('text=← All identities');
    // The list is shown again by the page's own handler: wait for it rather than race it.
    await page.waitForSelector('#identity-table', { state: 'visible', timeout: 5_000 });
    expect(await page.isVisible('#identity-table')).toBe(true);
    expect(await page.inputValue('#f-text')).toBe('qa-bot');
    await expectClean(o);
  });

  it('hostile names, tags, policy text, evidence and commands execute nothing and show as text', async () => {
    const o = await open(path.join(tmp, 'hostile.html'));
    const { page } = o;
    const victim = hostile.identities.find((i) => i.arn === HOSTILE_ARN)!;
    expect(await page.locator('#coverage-status').textContent()).toContain(`AccessDenied ${HOSTILE.img}`);
    await page.fill('#f-text', 'pwned');
    expect(await rowNames(o)).toEqual([victim.name]);
    await page.click('#identity-table tbody a');
    await page.waitForSelector('#detail-title');
    const detail = (await page.locator('#identity-detail').textContent())!;
    for (const text of [HOSTILE.jsUrl, HOSTILE.closeScript, HOSTILE.svg, HOSTILE_ARN]) expect(detail).toContain(text);
    expect(await page.locator('#identity-detail ul.env-notes').textContent()).toContain(
      `unknown (counted as production): 2 granted actions reach it (production risk), 1 of them used in the window. On arn:aws:s3:::${HOSTILE.svg}.`,
    );
    expect(await page.locator('#identity-detail ol.hops li').count()).toBe(2);
    expect(await page.locator('#identity-detail ol.hops').textContent()).toContain('assume-role');
    // Open every evidence detail so all of it is rendered and visible.
    for (const summary of await page.locator('#identity-detail details summary').all()) await summary.click();

    const command = hostile.suggestions![0]!.rollback[0]!.commands[0]!;
    expect(await page.locator('#identity-detail pre.cmd code').allTextContents()).toContain(command);
    await page.click('button:text("Copy rollback commands, stage 1")');
    await page.waitForSelector('.copy-status:text("copied")');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(command);

    const injected = await page.evaluate<{ pwned: string | null; elements: number; scripts: number; hrefs: string[] }>(`({
      pwned: window.__pwned ?? null,
      elements: document.querySelectorAll('img, iframe, object, embed, b, [onerror], [onload], [onclick]').length,
      scripts: document.scripts.length,
      hrefs: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')),
    })`);
    expect(injected.pwned).toBeNull();
    expect(injected.elements).toBe(0);
    expect(injected.scripts).toBe(3);
    for (const href of injected.hrefs) expect(href).toMatch(/^(#[a-z0-9-]+|index\.html)$/);
    await expectClean(o);
  });

  it('2,000 identities: one page of rows in the DOM, paging and filters over all of them', async () => {
    const o = await open(path.join(tmp, 'large.html'));
    const { page } = o;
    expect(await page.locator('#identity-table tbody tr').count()).toBe(100);
    expect(await page.locator('#p-info').textContent()).toBe('rows 1–100 of 2000');
    await page.click('#p-next');
    expect(await page.locator('#p-info').textContent()).toBe('rows 101–200 of 2000');
    await page.selectOption('#f-env', 'staging');
    expect(await page.locator('#result-count').textContent()).toBe('400 of 2000 identities match the filters');
    await page.selectOption('#f-account', '100000000002');
    // Accounts cycle every 25 and environments every 5: account 2 is staging in every case.
    expect(await page.locator('#result-count').textContent()).toBe('80 of 2000 identities match the filters');
    await expectClean(o);
  });

  it('beyond its detail budget: says so, filters every identity by rule and severity, and a summary identity\'s page points at the JSON report', async () => {
    const o = await open(path.join(tmp, 'limited.html'));
    const { page } = o;
    const { limited } = pageData(large, 500).data;
    expect(await page.locator('#limit-notice').textContent()).toContain(`full detail for the ${limited!.detailIdentities} worst identities only`);
    expect(await page.locator('#limit-notice').textContent()).toContain(LIMITED_JSON);
    expect(await page.locator('#limit-notice-list').isVisible()).toBe(true);
    expect(await page.locator('#result-count').textContent()).toBe('2000 identities');
    // Filters see every identity's findings, those shown as summary rows included.
    const rule = 'aws.unused-permissions';
    const withRule = new Set(large.findings.filter((f) => f.ruleId === rule).map((f) => f.identityArn)).size;
    expect(withRule).toBeGreaterThan(limited!.detailIdentities);
    await page.selectOption('#f-rule', rule);
    expect(await page.locator('#result-count').textContent()).toBe(`${withRule} of 2000 identities match the filters`);
    await page.selectOption('#f-rule', '');
    const critical = new Set(large.findings.filter((f) => f.severity === 'critical' && isOpen(f)).map((f) => f.identityArn)).size;
    await page.selectOption('#f-severity', 'critical');
    expect(await page.locator('#result-count').textContent()).toBe(`${critical} of 2000 identities match the filters`);
    // The worst identity has its findings and evidence; the last one is a summary row.
    await page.evaluate(`location.hash = '#identity-0'`);
    await page.waitForSelector('#detail-title');
    expect(await page.locator('#identity-detail article.finding').count()).toBeGreaterThan(0);
    await page.evaluate(`location.hash = '#identity-1999'`);
    await page.waitForSelector('#summary-only');
    expect(await page.locator('#summary-only').textContent()).toContain(`the JSON report ${LIMITED_JSON}`);
    expect(await page.locator('#identity-detail article.finding').count()).toBe(0);
    await screenshot(page, 'limited-summary-identity.png');
    await expectClean(o);
  });

  it('the report index opens cleanly and links each report', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    await page.goto(`file://${path.join(reports, 'index.html')}`);
    const links = await page.locator('tbody th a').allTextContents();
    expect(links).toEqual([`2026-11-15, scan 2`, `2026-11-15, scan 1`]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
