/**
 * The HTML report: one self-contained file. The overview is rendered here
 * (readable without script and in print); the identity table and the
 * identity pages are rendered by assets/report.js from the JSON data block.
 */
import type { TrendPoint } from '../../analyse/trends.js';
import { isOpen, SEVERITIES } from '../../model/finding.js';
import type { AuditReport } from '../json-schema.js';
import { asset } from './assets.js';
import { lineChart, stackedBars, type Series } from './charts.js';
import { writeHtmlDocument } from './document.js';
import { escapeHtml } from './escape.js';
import { SUMMARY_META, type ReportHeadline } from './index-page.js';
import { pageData, type PageData, type PageLimit, type PageRow } from './view-model.js';
import { scriptJsonContent } from './escape.js';
import type { StreamedContent } from '../write.js';

export interface HtmlReportOptions {
  /** Per-scan figures, oldest first, ending with this report's scan. Without them the report shows its own scan only. */
  trends?: TrendPoint[];
  /** Worst identities listed in the overview. */
  worstListed?: number;
  /** Findings the page carries with evidence (view-model.ts HTML_DETAIL_FINDINGS); identities beyond are summary rows. */
  detailFindings?: number;
  /** File name of the JSON report written with this page, named where the page is limited. */
  jsonReport?: string;
}

const SEVERITY_LABEL: Record<string, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', info: 'Info' };

function percent(n: number): string {
  return `${(Math.round(n * 10) / 10).toString()}%`;
}

function table(caption: string, head: string[], rows: string[][], cls = ''): string {
  const th = head.map((h) => `<th scope="col">${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('');
  return `<table class="${cls}"><caption>${escapeHtml(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function severityBadge(severity: string): string {
  return severity ? `<span class="sev sev-${escapeHtml(severity)}">${escapeHtml(SEVERITY_LABEL[severity] ?? severity)}</span>` : '<span class="sev sev-none">none open</span>';
}

function coverageSection(report: AuditReport): string {
  const failedFirst = [...report.coverage.entries].sort((a, b) => Number(a.status === 'ok') - Number(b.status === 'ok'));
  const rows = failedFirst.map((e) => [
    escapeHtml(e.scope),
    escapeHtml(e.source),
    `<span class="cov cov-${escapeHtml(e.status)}">${escapeHtml(e.status)}</span>`,
    escapeHtml(e.reason ?? ''),
  ]);
  const accounts = report.accounts.map((a) => [
    escapeHtml(a.accountId),
    escapeHtml(a.provider),
    escapeHtml(a.alias ?? ''),
    String(a.identities),
    `${a.cloudTrailDays} / ${report.window.days}`,
  ]);
  return (
    '<section aria-labelledby="h-coverage"><h3 id="h-coverage">Coverage: what was read</h3>' +
    table('Accounts and projects read', ['Account', 'Provider', 'Alias', 'Identities', 'CloudTrail days'], accounts) +
    table('Sources, failures first', ['Scope', 'Source', 'Status', 'Reason'], rows, 'coverage') +
    '</section>'
  );
}

/** A failed source is the first thing on the page, never below the fold. */
function coverageAlert(report: AuditReport): string {
  const failed = report.coverage.entries.filter((e) => e.status !== 'ok');
  if (!failed.length) return '<p class="ok-banner" id="coverage-status">Coverage complete: every source was read.</p>';
  const items = failed
    .map((e) => `<li><strong>${escapeHtml(e.status.toUpperCase())}</strong> ${escapeHtml(e.scope)} [${escapeHtml(e.source)}]${e.reason ? `: ${escapeHtml(e.reason)}` : ''}</li>`)
    .join('');
  const what = report.coverage.complete ? 'partly read' : 'could not be read';
  return `<section class="alert" role="alert" id="coverage-status"><h2>Coverage incomplete: ${failed.length} source(s) ${what}</h2><p>Identities these sources speak for are not known to be clean.</p><ul>${items}</ul></section>`;
}

function severityCards(report: AuditReport): string {
  const cards = SEVERITIES.map((s) => {
    const all = report.findings.filter((f) => f.severity === s);
    const open = all.filter(isOpen).length;
    const suppressed = all.length - open;
    return `<li class="card sev-card-${s}"><span class="card-n">${open}</span> <span class="card-l">${SEVERITY_LABEL[s]}</span>${suppressed ? `<span class="card-sub">+${suppressed} suppressed</span>` : ''}</li>`;
  }).join('');
  const s = report.summary;
  const usedShare = s.grantedActions ? percent((100 * s.usedActions) / s.grantedActions) : 'n/a';
  return (
    `<ul class="cards" aria-label="Open findings by severity">${cards}</ul>` +
    `<p class="totals">${s.identities} identities (${s.agentIdentities} used by agents or automation) · ${s.grantedActions} granted actions: ` +
    `${s.usedActions} used (${usedShare}), ${s.unusedActions} unused, ${s.unknownActions} unknown (no source observes them)</p>`
  );
}

/** Counted over every finding of the report, also those of identities the page lists as summary rows only. */
function byEnvironment(report: AuditReport, data: PageData): string {
  const envs = [...new Set(data.identities.map((i) => i.env))].sort();
  const envOf = new Map(data.identities.map((i) => [i.arn, i.env]));
  const openBy = new Map<string, Map<string, number>>(envs.map((env) => [env, new Map()]));
  for (const f of report.findings) {
    if (!isOpen(f)) continue;
    const counts = openBy.get(envOf.get(f.identityArn) as string)!;
    counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  }
  const rows = envs.map((env) => {
    const ids = data.identities.filter((i) => i.env === env);
    const agents = ids.filter((i) => i.agent).length;
    return [escapeHtml(env), String(ids.length), String(agents), ...SEVERITIES.map((s) => String(openBy.get(env)!.get(s) ?? 0))];
  });
  const bars = stackedBars(
    'Granted actions by environment: used, unused, unknown',
    'Environment',
    envs.map((env) => {
      const ids = data.identities.filter((i) => i.env === env);
      const sum = (k: 'used' | 'unused' | 'unknown') => ids.reduce((n, i) => n + i[k], 0);
      return {
        label: env,
        parts: [
          { name: 'used', cls: 's-used', value: sum('used') },
          { name: 'unused', cls: 's-unused', value: sum('unused') },
          { name: 'unknown', cls: 's-unknown', value: sum('unknown') },
        ],
      };
    }),
  );
  return (
    '<section aria-labelledby="h-env"><h3 id="h-env">By environment</h3>' +
    table('Identities and open findings by environment', ['Environment', 'Identities', 'Agents', ...SEVERITIES.map((s) => SEVERITY_LABEL[s] as string)], rows) +
    bars +
    '</section>'
  );
}

function worstCredentials(data: PageData, limit: number): string {
  const worst = data.identities.map((i, n) => ({ i, n })).filter(({ i }) => i.open > 0).slice(0, limit);
  if (!worst.length) return '<section aria-labelledby="h-worst"><h3 id="h-worst">Worst credentials</h3><p>No open findings.</p></section>';
  const rows = worst.map(({ i, n }: { i: PageRow; n: number }) => [
    `<a href="#identity-${n}">${escapeHtml(i.name)}</a>${i.agent ? ' <span class="tag-agent">agent</span>' : ''}`,
    escapeHtml(i.alias ? `${i.account} (${i.alias})` : i.account),
    escapeHtml(i.env),
    severityBadge(i.worst),
    String(i.open),
    `${i.used} / ${i.granted}`,
  ]);
  return `<section aria-labelledby="h-worst"><h3 id="h-worst">Worst credentials first</h3>${table(`The ${worst.length} identities with the worst open findings`, ['Identity', 'Account', 'Environment', 'Worst open', 'Open findings', 'Used / granted actions'], rows, 'worst')}</section>`;
}

function trends(points: TrendPoint[]): string {
  const labels = points.map((p) => `#${p.scanId} ${p.windowTo}`);
  const severities: Series[] = SEVERITIES.map((s) => ({ name: SEVERITY_LABEL[s] as string, cls: `s-${s}`, values: points.map((p) => p.findingsBySeverity[s] ?? 0) }));
  const ratio: Series[] = [{ name: 'used / granted actions', cls: 's-used', values: points.map((p) => (p.grantedActions ? (100 * p.usedActions) / p.grantedActions : 0)) }];
  const agents: Series[] = [
    { name: 'agent identities', cls: 's-agent', values: points.map((p) => p.agentIdentities) },
    { name: 'all identities', cls: 's-unknown', values: points.map((p) => p.identities) },
  ];
  return (
    `<section aria-labelledby="h-trends"><h3 id="h-trends">Trends over ${points.length} stored scan${points.length === 1 ? '' : 's'}</h3><div class="charts">` +
    lineChart('Findings by severity', labels, severities) +
    lineChart('Granted vs used ratio', labels, ratio, percent) +
    lineChart('Agent credentials', labels, agents) +
    '</div></section>'
  );
}

function overview(report: AuditReport, data: PageData, options: HtmlReportOptions): string {
  const points = options.trends?.length ? options.trends : [];
  return (
    '<section id="overview" aria-labelledby="h-overview"><h2 id="h-overview">Overview</h2>' +
    severityCards(report) +
    worstCredentials(data, options.worstListed ?? 10) +
    byEnvironment(report, data) +
    (points.length ? trends(points) : '') +
    coverageSection(report) +
    '</section>'
  );
}

const IDENTITY_FILTERS: [id: string, label: string][] = [
  ['f-provider', 'Provider'],
  ['f-account', 'Account / project'],
  ['f-env', 'Environment'],
  ['f-agent', 'Agent'],
  ['f-severity', 'Open severity'],
  ['f-rule', 'Rule'],
];

/** Said at the top of the page and of the identity list: what this page leaves to the JSON report at scale. */
function limitNotice(limit: PageLimit, jsonReport: string | undefined, id: string): string {
  const json = jsonReport ? `the JSON report <code>${escapeHtml(jsonReport)}</code>` : 'the JSON report (<code>--format json</code>)';
  return (
    `<p class="alert limit-notice" id="${id}" role="note"><strong>Large report: full detail for the ${limit.detailIdentities} worst identities only.</strong> ` +
    `This audit has ${limit.identities} identities and ${limit.findings} findings. To stay usable in a browser, this page carries the findings, evidence, ` +
    `services and suggestions of the ${limit.detailIdentities} identities with the worst open findings (${limit.detailFindings} findings). ` +
    `The other ${limit.identities - limit.detailIdentities} identities are listed with their counts, worst open severity and rules, and can be filtered and sorted; ` +
    `their findings and evidence are in ${json}. Counts and charts on this page cover every identity and finding.</p>`
  );
}

/** `notice`: said above the list when it holds summary rows. */
function identitySection(notice: string): string {
  const selects = IDENTITY_FILTERS.map(([id, label]) => `<label for="${id}">${label}</label><select id="${id}"><option value="">all</option></select>`).join('');
  return (
    '<section id="identities" aria-labelledby="h-identities"><h2 id="h-identities">Identities</h2>' +
    `<div class="filters" role="search" aria-label="Filter identities">${selects}<label for="f-text">Name or ARN</label><input id="f-text" type="search" autocomplete="off"><button type="button" id="f-clear">Clear filters</button></div>` +
    notice +
    '<p id="result-count" aria-live="polite"></p>' +
    '<noscript><p>The identity table and identity pages need JavaScript; the JSON report has the same data.</p></noscript>' +
    '<table id="identity-table" class="identities"><caption>Identities, worst first (select a column heading to sort)</caption><thead><tr>' +
    [['name', 'Identity'], ['account', 'Account'], ['env', 'Environment'], ['kind', 'Kind'], ['worst', 'Worst open'], ['open', 'Open findings'], ['ratio', 'Used / granted'], ['lastUsed', 'Last used']]
      .map(([key, label]) => `<th scope="col" data-sort="${key}"><button type="button">${label}</button></th>`)
      .join('') +
    '</tr></thead><tbody></tbody></table>' +
    '<nav class="pager" aria-label="Table pages"><button type="button" id="p-prev">Previous</button> <span id="p-info"></span> <button type="button" id="p-next">Next</button></nav>' +
    '</section>'
  );
}

/** The whole report as one HTML string (tests, small reports; the CLI writes htmlReportContent). */
export function buildHtmlReport(report: AuditReport, options: HtmlReportOptions = {}): string {
  const parts: string[] = [];
  htmlReportContent(report, options)((s) => parts.push(s));
  return parts.join('');
}

/** The HTML report written piece by piece: its data blocks one identity, finding and evidence list at a time. */
export function htmlReportContent(report: AuditReport, options: HtmlReportOptions = {}): StreamedContent {
  return (out) => writeHtmlReport(report, options, out);
}

function writeHtmlReport(report: AuditReport, options: HtmlReportOptions, out: (text: string) => void): void {
  const { data, detail } = pageData(report, options.detailFindings);
  if (data.limited && options.jsonReport) data.limited.jsonReport = options.jsonReport;
  const notice = (id: string) => (data.limited ? limitNotice(data.limited, options.jsonReport, id) : '');
  const title = `keywarden report: scan ${report.scan.id}, ${report.window.from} to ${report.window.to}`;
  const header =
    `<header><h1>keywarden: machine credentials audit</h1><p class="meta">Scan ${report.scan.id} of ${escapeHtml(report.scan.source)}, collected ${escapeHtml(report.scan.collectedAt)} · ` +
    `window ${escapeHtml(report.window.from)} to ${escapeHtml(report.window.to)} (${report.window.days} days) · generated ${escapeHtml(report.generatedAt)} by keywarden ${escapeHtml(report.tool.version)}</p>` +
    '<nav class="top" aria-label="Report"><a href="#overview">Overview</a> <a href="#identities">Identities</a> <a href="index.html">All reports</a></nav></header>';
  const body =
    header +
    coverageAlert(report) +
    notice('limit-notice') +
    '<main>' +
    overview(report, data, options) +
    identitySection(notice('limit-notice-list')) +
    '<section id="identity-detail" aria-live="polite" hidden></section>' +
    '</main>';
  writeHtmlDocument(
    {
      title,
      css: asset('report.css'),
      body,
      script: asset('report.js'),
      data: { 'kw-data': scriptJsonContent(data) },
      lateData: { 'kw-detail': scriptJsonContent(detail) },
      meta: { [SUMMARY_META]: JSON.stringify(headline(report)) },
    },
    out,
  );
}

export function headline(report: AuditReport): ReportHeadline {
  const open = report.findings.filter(isOpen);
  return {
    scanId: report.scan.id,
    windowTo: report.window.to,
    generatedAt: report.generatedAt,
    identities: report.summary.identities,
    agentIdentities: report.summary.agentIdentities,
    openBySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, open.filter((f) => f.severity === s).length])),
    coverageComplete: report.coverage.complete,
  };
}
