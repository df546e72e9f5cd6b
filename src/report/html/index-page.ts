/**
 * reports/index.html: every HTML report in the directory, newest first, with
 * its headline figures. The figures come from a small summary each report
 * carries in its <head>, so building the index reads a few KB per report,
 * not each report's data. The page has no script at all.
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';
import { SEVERITIES } from '../../model/finding.js';
import { asset } from './assets.js';
import { htmlDocument } from './document.js';
import { escapeHtml } from './escape.js';

export const SUMMARY_META = 'keywarden-summary';
const REPORT_FILE = /^keywarden-(\d{4}-\d{2}-\d{2})-scan(\d+)\.html$/;
const HEAD_BYTES = 8192;

/** What the index shows of one report; also what a report puts in its head. */
export interface ReportHeadline {
  scanId: number;
  windowTo: string;
  generatedAt: string;
  identities: number;
  agentIdentities: number;
  openBySeverity: Record<string, number>;
  coverageComplete: boolean;
}

export interface IndexedReport {
  file: string;
  day: string;
  scanId: number;
  headline?: ReportHeadline;
  /** Other formats written beside it (json, sarif, md). */
  siblings: string[];
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

function readHeadline(file: string): ReportHeadline | undefined {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const head = buffer.subarray(0, readSync(fd, buffer, 0, HEAD_BYTES, 0)).toString('utf8');
    const m = new RegExp(`<meta name="${SUMMARY_META}" content="([^"]*)">`).exec(head);
    if (!m) return undefined;
    return JSON.parse((m[1] as string).replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] as string)) as ReportHeadline;
  } catch {
    return undefined; // an unreadable or foreign file is listed without figures
  } finally {
    closeSync(fd);
  }
}

/** The dated HTML reports in `dir`, newest first (by window day, then scan id). */
export function listReports(dir: string): IndexedReport[] {
  const names = readdirSync(dir);
  const present = new Set(names);
  return names
    .flatMap((name) => {
      const m = REPORT_FILE.exec(name);
      if (!m) return [];
      const base = name.slice(0, -'.html'.length);
      return [{
        file: name,
        day: m[1] as string,
        scanId: Number(m[2]),
        headline: readHeadline(path.join(dir, name)),
        siblings: ['json', 'sarif', 'md'].filter((ext) => present.has(`${base}.${ext}`)).map((ext) => `${base}.${ext}`),
      }];
    })
    .sort((a, b) => b.day.localeCompare(a.day) || b.scanId - a.scanId);
}

function row(r: IndexedReport): string {
  const h = r.headline;
  const figures = h
    ? [
        ...SEVERITIES.map((s) => String(h.openBySeverity[s] ?? 0)),
        `${h.identities} (${h.agentIdentities} agents)`,
        h.coverageComplete ? 'complete' : '<strong class="cov-gap">incomplete</strong>',
      ]
    : [...SEVERITIES.map(() => ''), '', 'no summary'];
  // File names matched REPORT_FILE (digits, dashes, a fixed prefix): safe as relative links, escaped anyway.
  const others = r.siblings.map((f) => `<a href="${escapeHtml(f)}">${escapeHtml(f.slice(f.lastIndexOf('.') + 1))}</a>`).join(' ');
  return `<tr><th scope="row"><a href="${escapeHtml(r.file)}">${escapeHtml(r.day)}, scan ${r.scanId}</a></th>${figures.map((f) => `<td>${f}</td>`).join('')}<td>${others}</td></tr>`;
}

export function buildReportIndex(reports: IndexedReport[]): string {
  const head = ['Report', ...SEVERITIES.map((s) => `Open ${s}`), 'Identities', 'Coverage', 'Other formats'].map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = reports.length
    ? `<table><caption>${reports.length} report(s), newest first</caption><thead><tr>${head}</tr></thead><tbody>${reports.map(row).join('')}</tbody></table>`
    : '<p>No HTML reports yet.</p>';
  return htmlDocument({
    title: 'keywarden reports',
    css: asset('report.css'),
    body: `<header><h1>keywarden reports</h1><p class="meta"><a href="latest.html">Latest report</a></p></header><main>${body}</main>`,
  });
}
