/**
 * `keywarden ci` and `keywarden baseline write`: the pipeline gate. Audits
 * the same way `keywarden audit` does (an export directory, else what the
 * store holds), then judges the findings against a severity threshold,
 * suppressions and an optional baseline. Exit codes: see errors.ts.
 */
import path from 'node:path';
import { judge, type GateVerdict } from '../ci/gate.js';
import { baselineOf, DEFAULT_BASELINE_FILE, readBaseline, serializeBaseline } from '../ci/baseline-file.js';
import type { KeywardenConfig } from '../config/index.js';
import type { Severity } from '../model/finding.js';
import { type AuditReport, type ReportFinding as Finding } from '../report/json-schema.js';
import { terminalText } from '../util/terminal-text.js';
import { printable } from '../config/patterns.js';
import { writeReportFile, type ReportContent } from '../report/write.js';
import { sarifContent } from '../report/sarif.js';
import { firstEvidence, jsonReportContent, validatedReport } from '../report/json-report.js';
import { toMarkdown } from '../report/markdown.js';
import { ALL_RULES } from '../rules/index.js';
import type { Store } from '../store/index.js';
import { auditWindow, buildReport, importInto, suppressionsFor, withStore, type Io, type ReportOptions } from './commands.js';
import { checkPolicyFiles } from '../policycheck/check.js';
import { mergeReports } from '../report/merge.js';
import type { SuppressionEntry } from '../suppress/suppressions-file.js';
import { VERSION } from './version.js';
import { EXIT, UserError } from './errors.js';

/**
 * Report formats `ci` can write, one `--<format> <file>` option each. A new
 * renderer (SARIF, Markdown) is one more line here.
 */
export const CI_REPORT_FORMATS = {
  json: (report: AuditReport) => jsonReportContent(report),
  sarif: (report: AuditReport) => sarifContent(report, ALL_RULES),
  markdown: (report: AuditReport) => toMarkdown(report),
} satisfies Record<string, (report: AuditReport) => ReportContent>;

export type CiReportFormat = keyof typeof CI_REPORT_FORMATS;

export interface CiOptions extends ReportOptions, Partial<Record<CiReportFormat, string>> {
  from?: string;
  failOn: Severity;
  baseline?: string;
  /** IAM policy JSON, Terraform plan JSON and CloudFormation files to check before deploy. */
  policy?: string[];
  policyAccount?: string;
  policyPrincipals?: 'all' | 'agents';
}

/** A CI log line stays readable; the JSON report has the full evidence. */
const MAX_WHY_CHARS = 300;

/** Failing findings explained on stderr, at most this many (the JSON report has them all). */
const MAX_EXPLAINED = 100;

/**
 * What `ci` and `baseline write` judge: the account audit (an export
 * directory imported first, else the latest stored scan) and the policy
 * files, together. With policy files only and nothing stored, just those.
 */
async function auditReport(
  store: Store,
  config: KeywardenConfig,
  opts: Omit<CiOptions, 'failOn'>,
  suppressions: readonly SuppressionEntry[],
  io: Io,
): Promise<AuditReport> {
  const scanId = opts.from ? await importInto(store, opts.from, io) : store.latestScan('aws')?.id;
  const policyFiles = opts.policy ?? [];
  if (scanId === undefined && !policyFiles.length) {
    throw new UserError('nothing to audit: no scan stored yet; pass --from <export-dir> or --policy <files…> (or run `keywarden import <export-dir>` first)');
  }
  const audit = scanId === undefined ? undefined : await buildReport(store, config, scanId, opts, suppressions);
  if (!policyFiles.length) return audit!;
  const planned = await checkPolicyFiles({
    files: policyFiles,
    config,
    window: auditWindow(config, opts),
    toolVersion: VERSION,
    accountId: opts.policyAccount,
    principals: opts.policyPrincipals,
    suppressions,
  });
  return audit ? validatedReport(mergeReports(audit, planned)) : planned;
}

export function runCi(opts: CiOptions, io: Io): Promise<number> {
  return withStore(opts, async (store, config) => {
    // Read the baseline before auditing: a bad path is a usage error, not a finding.
    const baseline = opts.baseline ? readBaseline(opts.baseline) : undefined;
    const suppressions = suppressionsFor(opts, config);
    const report = await auditReport(store, config, opts, suppressions, io);
    writeRequestedReports(report, opts, io);
    const verdict = judge({
      findings: report.findings,
      failOn: opts.failOn,
      baseline,
      coverageComplete: report.coverage.complete,
      allowPartial: opts.allowPartial ?? false,
    });
    explainVerdict(report, verdict, opts, io);
    for (const entry of unusedSuppressions(report, suppressions)) {
      io.err(`suppression ${terminalText(entry.source)} (${terminalText(entry.rule)} ${terminalText(entry.identity)}) matched no finding: prune it\n`);
    }
    if (verdict.incomplete) return EXIT.incomplete;
    return verdict.failing.length ? EXIT.findings : EXIT.ok;
  });
}

export function runBaselineWrite(opts: Omit<CiOptions, 'failOn'> & { out?: string }, io: Io): Promise<number> {
  return withStore(opts, async (store, config) => {
    const report = await auditReport(store, config, opts, suppressionsFor(opts, config), io);
    const file = opts.out ?? DEFAULT_BASELINE_FILE;
    writeReportFile(file, serializeBaseline(baselineOf(report.findings, new Date(report.generatedAt))));
    io.out(`baseline: ${report.findings.length} finding(s) written to ${file}\n`);
    if (!report.coverage.complete) io.err('warning: coverage is incomplete: findings from unread sources are missing from this baseline\n');
    return EXIT.ok;
  });
}

/** Entries no finding carries (with first-match-wins, an entry shadowed by an earlier one counts as unused). */
function unusedSuppressions(report: AuditReport, entries: readonly SuppressionEntry[]): SuppressionEntry[] {
  const used = new Set(report.findings.map((f) => f.suppression?.source));
  return entries.filter((e) => !used.has(e.source));
}

function writeRequestedReports(report: AuditReport, opts: CiOptions, io: Io): void {
  for (const [format, render] of Object.entries(CI_REPORT_FORMATS)) {
    const file = opts[format as CiReportFormat];
    if (!file) continue;
    writeReportFile(file, render(report));
    io.out(`${format} report: ${path.relative(process.cwd(), file) || file}\n`);
  }
}

function findingLine(prefix: string, f: Finding): string {
  // Built for this line only: findings do not keep their evidence (src/rules/lazy-evidence.ts).
  const why = firstEvidence(f)?.summary;
  return (
    `${prefix} ${f.severity.toUpperCase()} ${f.ruleId} ${terminalText(f.identityArn)}${f.granular ? ` [${terminalText(f.granular)}]` : ''}: ${terminalText(f.title)}\n` +
    (why ? `    why: ${printable(why, MAX_WHY_CHARS)}\n` : '') +
    (f.suppression?.expired ? `    suppression ${terminalText(f.suppression.source)} expired ${f.suppression.expires ?? ''}: open again\n` : '') +
    `    fingerprint ${f.fingerprint}\n`
  );
}

function explainVerdict(report: AuditReport, v: GateVerdict, opts: CiOptions, io: Io): void {
  for (const f of v.failing.slice(0, MAX_EXPLAINED)) io.err(findingLine('FAIL', f));
  if (v.failing.length > MAX_EXPLAINED) io.err(`… and ${v.failing.length - MAX_EXPLAINED} more failing findings (see the JSON report)\n`);
  for (const e of v.staleBaseline) {
    io.err(`baseline entry no longer occurs (prune it): ${e.fingerprint} ${terminalText(e.ruleId)} ${terminalText(e.identityArn)}: ${terminalText(e.title)}\n`);
  }
  if (v.incomplete) {
    for (const gap of report.coverage.entries.filter((c) => c.status === 'gap')) {
      io.err(`coverage gap: ${terminalText(gap.scope)} [${terminalText(gap.source)}]: ${terminalText(gap.reason ?? 'could not be read')}\n`);
    }
    io.err('coverage is incomplete: exit code 2 (fails closed); pass --allow-partial to judge what was read\n');
  }
  io.out(
    `keywarden ci: ${v.failing.length} failing finding(s) at or above ${opts.failOn}` +
      `; ${v.suppressed.length} suppressed; ${v.baselined.length} in baseline` +
      (v.reopened.length ? `; ${v.reopened.length} open again (suppression expired)` : '') +
      (v.staleBaseline.length ? `; ${v.staleBaseline.length} stale baseline entr${v.staleBaseline.length === 1 ? 'y' : 'ies'}` : '') +
      `; ${report.findings.length} finding(s) in total\n`,
  );
}
