/**
 * `--format`: which report files `audit` and `report` write, each as a dated
 * file plus `latest.<ext>`; HTML also refreshes the directory's index.html.
 */
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { TrendPoint } from '../analyse/trends.js';
import { htmlReportContent } from '../report/html/page.js';
import { buildReportIndex, listReports } from '../report/html/index-page.js';
import type { AuditReport } from '../report/json-schema.js';
import { toMarkdown } from '../report/markdown.js';
import { jsonReportContent } from '../report/json-report.js';
import { sarifContent } from '../report/sarif.js';
import { datedReportName, writeDatedReport, writeReportFile, type ReportContent } from '../report/write.js';
import { ALL_RULES } from '../rules/index.js';

export const REPORT_FORMATS = ['json', 'html', 'sarif', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const DEFAULT_FORMATS: readonly ReportFormat[] = ['json', 'html'];

export const REPORT_EXTENSION: Record<ReportFormat, string> = { json: 'json', html: 'html', sarif: 'sarif', markdown: 'md' };

/** Commander parser for `--format json,html,…`. */
export function parseFormats(value: string): ReportFormat[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(REPORT_FORMATS as readonly string[]).includes(n));
  if (unknown.length || !names.length) throw new InvalidArgumentError(`expected a comma-separated list of ${REPORT_FORMATS.join(', ')}`);
  return [...new Set(names as ReportFormat[])];
}

/** Each format's content; JSON and SARIF are written piece by piece, each finding's evidence built for its write only. */
export function renderReport(format: ReportFormat, report: AuditReport, trends: TrendPoint[] | undefined, formats: readonly ReportFormat[] = [format]): ReportContent {
  switch (format) {
    case 'json':
      return jsonReportContent(report);
    case 'html':
      // A page too large for every identity's detail names the JSON report written beside it.
      return htmlReportContent(report, { trends, jsonReport: formats.includes('json') ? datedReportName(report.window.to, report.scan.id, 'json') : undefined });
    case 'sarif':
      return sarifContent(report, ALL_RULES);
    case 'markdown':
      return toMarkdown(report);
  }
}

/** Writes each format (dated + latest) and, with HTML, index.html; returns the paths written. */
export function writeReports(outDir: string, report: AuditReport, formats: readonly ReportFormat[], trends?: TrendPoint[]): string[] {
  const files = formats.flatMap((f) => writeDatedReport(outDir, report.window.to, report.scan.id, REPORT_EXTENSION[f], renderReport(f, report, trends, formats)));
  if (formats.includes('html')) {
    const index = path.join(outDir, 'index.html');
    writeReportFile(index, buildReportIndex(listReports(outDir)));
    files.push(index);
  }
  return files;
}
