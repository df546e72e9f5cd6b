/**
 * A Markdown summary for a CI log or a pull-request comment: coverage first,
 * counts, the worst open findings. Link-free and bounded (under 60 KB).
 * Everything that came from a cloud account is put in code spans, where
 * Markdown makes no links, HTML or emphasis out of it.
 */
import { isOpen, SEVERITIES } from '../model/finding.js';
import type { AuditReport } from './json-schema.js';
import { terminalText } from '../util/terminal-text.js';

/** GitHub caps a comment at 65,536 characters; stay under it with room for a wrapper. */
export const MARKDOWN_MAX_BYTES = 60_000;
const MAX_TEXT = 160;
const COVERAGE_LISTED = 40;

/**
 * `text` as an inline code span that is safe in a table cell: one line,
 * bounded, a backtick fence longer than any run inside, pipes escaped;
 * controls and invisible or bidi characters shown as escapes (terminalText),
 * as a CI log or a review must not be rewritten by a name.
 */
export function codeSpan(text: string): string {
  let s = terminalText(text);
  if (s.length > MAX_TEXT) s = `${s.slice(0, MAX_TEXT - 1)}…`;
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || s.trim() === '' ? ' ' : '';
  return `${fence}${pad}${s.replace(/\|/g, '\\|')}${pad}${fence}`;
}

/**
 * Cloud-supplied text as Markdown prose: one line, controls escaped, every
 * character with a Markdown meaning backslash-escaped, and what GitHub would
 * turn into a link by itself (`https://…`, `www.…`, `name@host`) broken up
 * the same way.
 */
export function markdownText(text: string): string {
  return terminalText(text)
    .replace(/([\\`*_[\]<>#|!@])/g, '\\$1')
    .replace(/:(?=\/\/)/g, '\\:')
    .replace(/(www)\./gi, '$1\\.');
}

function label(severity: string): string {
  return severity.toUpperCase();
}

function coverage(report: AuditReport): string[] {
  const failed = report.coverage.entries.filter((e) => e.status !== 'ok');
  if (!failed.length) return ['Coverage: complete, every source was read.'];
  return [
    `**Coverage incomplete: ${failed.length} source(s) not fully read.** Identities they speak for are not known to be clean.`,
    '',
    ...failed.slice(0, COVERAGE_LISTED).map((e) => `- ${label(e.status)} ${codeSpan(e.scope)} ${codeSpan(e.source)}${e.reason ? `: ${codeSpan(e.reason)}` : ''}`),
    ...(failed.length > COVERAGE_LISTED ? [`- … ${failed.length - COVERAGE_LISTED} more in the JSON report`] : []),
  ];
}

function counts(report: AuditReport): string[] {
  const rows = SEVERITIES.map((s) => {
    const all = report.findings.filter((f) => f.severity === s);
    const open = all.filter(isOpen).length;
    return `| ${label(s)} | ${open} | ${all.length - open} |`;
  });
  const s = report.summary;
  const share = s.grantedActions ? `${((100 * s.usedActions) / s.grantedActions).toFixed(1)}%` : 'n/a';
  return [
    '| Severity | Open | Suppressed |',
    '| --- | ---: | ---: |',
    ...rows,
    '',
    `${s.identities} identities, ${s.agentIdentities} used by agents or automation. ` +
      `${s.grantedActions} granted actions: ${s.usedActions} used (${share}), ${s.unusedActions} unused, ${s.unknownActions} unknown.`,
  ];
}

function findingsTable(report: AuditReport, limit: number): string[] {
  const open = report.findings.filter(isOpen);
  const names = new Map(report.identities.map((i) => [i.arn, i.name]));
  const listed = open.slice(0, limit);
  if (!listed.length) return ['No open findings.'];
  return [
    '| Severity | Rule | Identity | Finding |',
    '| --- | --- | --- | --- |',
    ...listed.map((f) => `| ${label(f.severity)} | ${codeSpan(f.ruleId)} | ${codeSpan(names.get(f.identityArn) ?? f.identityArn)} ${codeSpan(f.identityArn)} | ${codeSpan(f.title)} |`),
    ...(open.length > listed.length ? ['', `${open.length - listed.length} more open findings are in the JSON and HTML reports.`] : []),
  ];
}

function render(report: AuditReport, limit: number): string {
  const w = report.window;
  return [
    `## keywarden: scan ${report.scan.id}, ${w.from} to ${w.to} (${w.days} days)`,
    '',
    ...coverage(report),
    '',
    ...counts(report),
    '',
    `### Worst open findings`,
    '',
    ...findingsTable(report, limit),
    '',
  ].join('\n');
}

/** The summary, listing up to `maxFindings` open findings, fewer if needed to stay under MARKDOWN_MAX_BYTES. */
export function toMarkdown(report: AuditReport, maxFindings = 30): string {
  let limit = maxFindings;
  let text = render(report, limit);
  while (Buffer.byteLength(text, 'utf8') > MARKDOWN_MAX_BYTES && limit > 0) {
    limit = Math.floor(limit / 2);
    text = render(report, limit);
  }
  return text;
}
