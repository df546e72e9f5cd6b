/**
 * Opens keywarden HTML files in the Debian Chromium (never a downloaded
 * browser) and records what a report must never do: console errors,
 * requests for anything but the file itself, CSP violations, dialogs.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { projectRoot } from '../../helpers/fixtures.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(projectRoot, 'test-artifacts');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** Every request other than the file itself (each was aborted). */
  requests: string[];
  errors: string[];
  dialogs: string[];
  cspViolations(): Promise<string[]>;
}

export async function openReport(browser: Browser, file: string, hash = ''): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const errors: string[] = [];
  const dialogs: string[] = [];
  await context.route('**/*', (route) => {
    const requested = route.request().url();
    if (requested.split('#')[0] === url) return route.continue();
    requests.push(requested);
    return route.abort();
  });
  // file: and data: loads are not routed: record them from the request events as well.
  page.on('request', (r) => {
    const requested = r.url();
    if (requested.split('#')[0] !== url && !requests.includes(requested)) requests.push(requested);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  // Browser-side code as strings: this project compiles without DOM types.
  await context.addInitScript({
    content: `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
  });
  await page.goto(url + hash);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 20_000 });
  return { page, context, requests, errors, dialogs, cspViolations: () => page.evaluate<string[]>('window.__csp') };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}
