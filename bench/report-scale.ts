/**
 * `npx tsx bench/report-scale.ts`: every report format written for the
 * analyse-scale workload (bench/analyse-grants.ts's synthesis: 100 accounts,
 * 5,000 distinct policies, a tenth of the principals with 90 days of usage)
 * at 5,000, 10,000, 25,000 and 50,000 principals (SCALE_SIZES picks sizes).
 * Each size's scan is written to SQLite by one process (set-up) and audited
 * by another, which then validates the report as `keywarden audit` does and
 * writes each format in turn to a temp directory: JSON, SARIF, Markdown,
 * HTML (dated file + latest, as the CLI writes them) and the terminal
 * summary. Per format: wall and CPU time, the peak RSS while it was written
 * (sampled as pieces are written) and how far that rose above the RSS
 * before it, and the file size. The audit itself (analyse-scale's figure)
 * is printed beside, so the whole `keywarden audit` can be read off.
 * REPORT_WRITERS=one-string writes JSON and SARIF as before streaming (one
 * JSON.stringify of the schema-parsed report, which builds and keeps every
 * finding's evidence), for comparison; HTML is today's page either way (the
 * figures of the page before its detail budget are in the README).
 * Target (the scale issue): the whole audit of 50,000 principals < 20 s and
 * < 2 GiB peak RSS. Report writing's own share is judged here as: every
 * format written, none failing, and writing adding < 512 MB over the
 * finished report's RSS.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildAuditReport } from '../src/analyse/audit.js';
import { windowEndingAt } from '../src/analyse/window.js';
import { loadAwsActionCatalog } from '../src/catalog/aws-actions.js';
import { renderReport, REPORT_EXTENSION } from '../src/cli/report-files.js';
import { reportSchema, type AuditReport } from '../src/report/json-schema.js';
import { validatedReport } from '../src/report/json-report.js';
import { buildHtmlReport } from '../src/report/html/page.js';
import { toMarkdown } from '../src/report/markdown.js';
import { toSarif } from '../src/report/sarif.js';
import { renderTerminal } from '../src/report/terminal.js';
import { writeDatedReport, type ReportContent } from '../src/report/write.js';
import { ALL_RULES } from '../src/rules/index.js';
import { openStore } from '../src/store/index.js';
import { reportSuggestions } from '../src/suggest/report-suggestions.js';
import { main as analyseScaleMain } from './analyse-scale.js';
import { workloadAccount, workloadConfig } from './analyse-grants.js';
import { reportFigure } from './figures.js';
import { measureInChildren } from './scale-children.js';
import { runIfMain } from './run-main.js';

const SIZES = (process.env.SCALE_SIZES ?? '5000,10000,25000,50000').split(',').map(Number);
const ACCOUNTS = 100;
const HEAP_MB = Number(process.env.SCALE_HEAP_MB ?? 12_000);
const ONE_STRING = process.env.REPORT_WRITERS === 'one-string';
const WRITE_RSS_TARGET_MB = 512;
/** bench/html-report.ts's target for a 10,000-identity page. */
const HTML_INTERACTIVE_TARGET_S = 3;
const AS_OF = new Date('2026-11-15T12:00:00Z');
const FORMATS = ['json', 'sarif', 'markdown', 'html', 'terminal'] as const;
type BenchFormat = (typeof FORMATS)[number];

interface FormatFigures {
  format: BenchFormat;
  seconds: number;
  cpuSeconds: number;
  /** Highest RSS seen while writing, MB. */
  peakRssMb: number;
  /** Of which above the RSS just before writing, MB. */
  addedRssMb: number;
  bytes: number;
  error?: string;
}

interface SizeFigures {
  principals: number;
  findings: number;
  identities: number;
  auditSeconds: number;
  auditCpuSeconds: number;
  auditPeakRssMb: number;
  validateSeconds: number;
  validateCpuSeconds: number;
  formats: FormatFigures[];
  peakRssMb: number;
  browser?: BrowserFigures;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** RSS sampled every few hundred pieces written: the write is synchronous, so no timer could. */
class RssSampler {
  peak = process.memoryUsage.rss();
  private n = 0;
  sample(): void {
    if (++this.n % 256 === 0) this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function writeFormat(format: BenchFormat, report: AuditReport, dir: string): FormatFigures {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage.rss();
  const sampler = new RssSampler();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let bytes = 0;
  let error: string | undefined;
  try {
    if (format === 'terminal') {
      bytes = Buffer.byteLength(renderTerminal(report));
    } else if (ONE_STRING) {
      // The writers before streaming: each format one string, written twice (dated + latest).
      const text =
        format === 'json' ? JSON.stringify(reportSchema.parse(report), null, 2) + '\n'
          : format === 'sarif' ? JSON.stringify(toSarif(reportSchema.parse(report), ALL_RULES), null, 2) + '\n'
            : format === 'markdown' ? toMarkdown(report)
              : buildHtmlReport(report);
      sampler.peak = Math.max(sampler.peak, process.memoryUsage.rss());
      writeDatedReport(dir, report.window.to, report.scan.id, format === 'markdown' ? 'md' : format, text);
    } else {
      // As the CLI writes them (dated + latest), sampling RSS as the pieces go by.
      const content = renderReport(format, report, undefined, ['json', format]);
      const sampled: ReportContent =
        typeof content === 'string'
          ? content
          : (out) =>
              content((text) => {
                sampler.sample();
                out(text);
              });
      writeDatedReport(dir, report.window.to, report.scan.id, REPORT_EXTENSION[format], sampled);
    }
  } catch (e) {
    error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  sampler.peak = Math.max(sampler.peak, process.memoryUsage.rss());
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSince(cpu);
  if (format !== 'terminal') {
    const ext = format === 'markdown' ? 'md' : format;
    for (const f of readdirSync(dir)) if (f.startsWith('keywarden-') && f.endsWith(`.${ext}`)) bytes = statSync(path.join(dir, f)).size;
  }
  // The HTML page stays for the browser; the rest go (a 50k JSON report is gigabytes).
  for (const f of readdirSync(dir)) if (f !== 'latest.html') rmSync(path.join(dir, f), { force: true });
  return { format, seconds, cpuSeconds, peakRssMb: mb(sampler.peak), addedRssMb: mb(sampler.peak - before), bytes, ...(error && { error }) };
}

async function measure(principals: number, file: string): Promise<SizeFigures> {
  const accountIds = Array.from({ length: ACCOUNTS }, (_, i) => workloadAccount(i));
  const catalog = await loadAwsActionCatalog();
  const config = workloadConfig(accountIds);
  const store = openStore(file);
  const scanId = store.latestScan('aws')!.id;
  const suggest = reportSuggestions(store, config).build;
  let cpu = process.cpuUsage();
  let started = performance.now();
  const raw = buildAuditReport(store, catalog, { scanId, window: windowEndingAt(AS_OF, 90), config, rules: ALL_RULES, toolVersion: 'bench', suggest, now: AS_OF });
  const auditSeconds = (performance.now() - started) / 1000;
  const auditCpuSeconds = cpuSince(cpu);
  const auditPeakRssMb = mb(process.resourceUsage().maxRSS * 1024);
  store.close();
  cpu = process.cpuUsage();
  started = performance.now();
  // As `keywarden audit` does (src/cli/commands.ts buildReport); the one-string writers parse in their own step.
  const report = ONE_STRING ? raw : validatedReport(raw);
  const validateSeconds = (performance.now() - started) / 1000;
  const validateCpuSeconds = cpuSince(cpu);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keywarden-bench-report-out-'));
  const formats: FormatFigures[] = [];
  let browser: BrowserFigures | undefined;
  try {
    for (const format of FORMATS) formats.push(writeFormat(format, report, dir));
    const html = path.join(dir, 'latest.html');
    if (existsSync(html) && existsSync(CHROMIUM)) browser = await openInChromium(html);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    principals,
    findings: report.findings.length,
    identities: report.identities.length,
    auditSeconds,
    auditCpuSeconds,
    auditPeakRssMb,
    validateSeconds,
    validateCpuSeconds,
    formats,
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
    browser,
  };
}

const CHROMIUM = '/usr/bin/chromium';

interface BrowserFigures {
  /** Navigation start to the page's keywarden-ready mark (data parsed, indexes built, first rows shown). */
  interactiveSeconds: number;
  /** The load event: the evidence block after the script parsed too. */
  loadedSeconds: number;
  /** Opening the worst identity's page (parses the evidence block). */
  firstDetailMs: number;
  /** Opening the last identity's page (a summary row when the page is limited). */
  lastDetailMs: number;
  limited: boolean;
  errors: number;
}

/** The written page opened in Debian's Chromium, as bench/html-report.ts does. */
async function openInChromium(file: string): Promise<BrowserFigures> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    let errors = 0;
    page.on('pageerror', () => errors++);
    await page.goto(pathToFileURL(file).href, { waitUntil: 'commit', timeout: 120_000 });
    await page.waitForSelector('html[data-ready="true"]', { timeout: 120_000 });
    await page.waitForLoadState('load', { timeout: 120_000 });
    const interactive = await page.evaluate<number>(`performance.getEntriesByName('keywarden-ready')[0].startTime`);
    const loaded = await page.evaluate<number>(`performance.getEntriesByType('navigation')[0].loadEventEnd`);
    const open = (which: string) =>
      page.evaluate<number>(`(() => {
        const n = ${which};
        const t = performance.now();
        location.hash = '#identity-' + n;
        window.dispatchEvent(new HashChangeEvent('hashchange'));
        return performance.now() - t;
      })()`);
    const firstDetailMs = await open('0');
    const lastDetailMs = await open(`JSON.parse(document.getElementById('kw-data').textContent).identities.length - 1`);
    const limited = await page.evaluate<boolean>(`!!document.getElementById('limit-notice')`);
    return { interactiveSeconds: interactive / 1000, loadedSeconds: loaded / 1000, firstDetailMs, lastDetailMs, limited, errors };
  } finally {
    await browser.close();
  }
}

function printSize(r: SizeFigures): void {
  console.log(
    `  ${String(r.principals).padStart(10)} | ${String(r.findings).padStart(8)} | ${r.auditSeconds.toFixed(1)} / ${r.auditCpuSeconds.toFixed(1)} / ${r.auditPeakRssMb} | ${r.validateSeconds.toFixed(1)} (${r.validateCpuSeconds.toFixed(1)})`,
  );
  for (const f of r.formats) {
    console.log(
      `      ${f.format.padEnd(8)} ${f.error ? `FAILED after ${f.seconds.toFixed(1)} s: ${f.error}` : `${f.seconds.toFixed(2)} s / ${f.cpuSeconds.toFixed(2)} s / ${f.peakRssMb} MB (+${f.addedRssMb}) / ${(f.bytes / 1e6).toFixed(1)} MB`}`,
    );
  }
  const total = r.formats.reduce((n, f) => n + f.seconds, 0);
  console.log(`      all formats ${total.toFixed(1)} s; process peak RSS ${r.peakRssMb} MB`);
  // What `keywarden audit` with the default formats (json,html) and its terminal summary costs, and the share that is report writing.
  const cpu = (name: BenchFormat) => r.formats.find((f) => f.format === name)?.cpuSeconds ?? 0;
  const writing = r.validateCpuSeconds + cpu('json') + cpu('html') + cpu('terminal');
  console.log(
    `      keywarden audit (json,html): CPU ${(r.auditCpuSeconds + writing).toFixed(1)} s, of which validating and writing the reports ${writing.toFixed(1)} s ` +
      `(${((100 * writing) / (r.auditCpuSeconds + writing)).toFixed(0)}%); with sarif too +${cpu('sarif').toFixed(1)} s`,
  );
  const b = r.browser;
  if (b) {
    console.log(
      `      HTML in Chromium: interactive ${b.interactiveSeconds.toFixed(2)} s, load event ${b.loadedSeconds.toFixed(2)} s; worst identity's page ${b.firstDetailMs.toFixed(0)} ms, ` +
        `last identity's ${b.lastDetailMs.toFixed(0)} ms; ${b.limited ? 'limited (summary rows beyond the detail budget)' : 'every identity in full'}${b.errors ? `; ${b.errors} page error(s)` : ''}`,
    );
  }
}

function runAll(): boolean {
  const writers = ONE_STRING ? 'one-string writers (before streaming)' : 'streamed writers';
  console.log(`  ${writers}; heap capped at ${HEAP_MB} MB`);
  console.log('  principals | findings | audit wall s / CPU s / peak RSS MB | validate s (CPU) | format: wall s / CPU s / peak RSS MB while writing (+ over RSS before) / size MB');
  // Each size printed as soon as it is measured: a 50k run takes many minutes.
  const { rows, failedAt } = measureInChildren<SizeFigures>(
    {
      script: fileURLToPath(import.meta.url),
      sizes: SIZES,
      prepareEnv: (size) => ({ REPORT_SCALE_PREPARE: String(size) }),
      measureEnv: (size) => ({ REPORT_SCALE_ONE: String(size) }),
      measureArgs: [`--max-old-space-size=${HEAP_MB}`, '--expose-gc'],
      onFigures: printSize,
    },
    HEAP_MB,
  );
  let ok = failedAt === undefined;
  for (const r of rows) {
    const failed = r.formats.filter((f) => f.error);
    const added = Math.max(...r.formats.map((f) => f.addedRssMb));
    const rowOk = !failed.length && added < WRITE_RSS_TARGET_MB && !r.browser?.errors && (r.browser?.interactiveSeconds ?? 0) < HTML_INTERACTIVE_TARGET_S;
    ok &&= rowOk;
    const byFormat = r.formats.map((f) => `${f.format} ${f.error ? 'FAILED' : `${f.seconds.toFixed(1)} s`}`).join(', ');
    reportFigure({
      measure: `report writing (${ONE_STRING ? 'one-string' : 'streamed'}), ${r.principals.toLocaleString('en-US')} principals / ${r.findings.toLocaleString('en-US')} findings`,
      result: `${byFormat}${r.browser ? `; HTML interactive in Chromium ${r.browser.interactiveSeconds.toFixed(1)} s` : ''}; validate ${r.validateSeconds.toFixed(1)} s; writing adds at most ${added} MB RSS (audit alone ${r.auditSeconds.toFixed(0)} s, ${r.auditPeakRssMb} MB)`,
      target: `every format, < ${WRITE_RSS_TARGET_MB} MB added, HTML interactive < ${HTML_INTERACTIVE_TARGET_S} s`,
      ok: rowOk,
    });
  }
  if (failedAt) reportFigure({ measure: `report writing, ${failedAt} principals`, result: 'audit or writing did not finish', target: 'every format', ok: false });
  return ok;
}

export async function main(): Promise<{ ok: boolean }> {
  if (process.env.REPORT_SCALE_PREPARE) {
    // analyse-scale's set-up child writes the same scan.
    process.env.SCALE_PREPARE = process.env.REPORT_SCALE_PREPARE;
    return analyseScaleMain();
  }
  if (process.env.REPORT_SCALE_ONE) {
    console.log(JSON.stringify(await measure(Number(process.env.REPORT_SCALE_ONE), process.env.SCALE_DB!)));
    return { ok: true };
  }
  return { ok: runAll() };
}

runIfMain(import.meta.url, main);
