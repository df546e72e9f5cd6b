/**
 * The terminal summary: coverage first (a failed source is never below the
 * fold), then one line per identity, least-used grants first.
 */
import { terminalText } from '../util/terminal-text.js';
import type { AuditReport, IdentityAudit } from './json-schema.js';


function pad(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n - 1) + '…' : s.padEnd(n);
}

function lastUsedText(i: IdentityAudit): string {
  if (!i.lastUsed) return i.status === 'unknown' ? 'unknown' : 'never seen';
  return `${i.lastUsed.at.slice(0, 10)} (${terminalText(i.lastUsed.source)})`;
}

function usageText(i: IdentityAudit): string {
  const g = i.granted.actions;
  const parts = [`${i.used.actions}/${g} used`];
  if (i.unused.actions) parts.push(`${i.unused.actions} unused`);
  if (i.unknown.actions) parts.push(`${i.unknown.actions} unknown`);
  return parts.join(', ');
}

export interface TerminalOptions {
  /** Show only identities attributed to agents (and their findings); coverage is always shown in full. */
  agentsOnly?: boolean;
}

export function renderTerminal(full: AuditReport, options: TerminalOptions = {}): string {
  const report = options.agentsOnly ? agentsOnly(full) : full;
  const out: string[] = [];
  const { window } = report;
  out.push(`keywarden audit — scan ${report.scan.id} (${terminalText(report.scan.source)}), window ${window.from} .. ${window.to} (${window.days} days)`);
  const gaps = report.coverage.entries.filter((e) => e.status !== 'ok');
  if (gaps.length) {
    out.push('', `COVERAGE INCOMPLETE: ${gaps.length} source(s) could not be fully read:`);
    for (const g of gaps) out.push(`  ${g.status.toUpperCase()} ${terminalText(g.scope)} [${terminalText(g.source)}] ${terminalText(g.reason ?? '')}`);
  } else out.push('coverage: complete');

  out.push('');
  const accounts = report.accounts.map(
    (a) =>
      `${a.provider === 'gcp' ? 'GCP project ' : ''}${terminalText(a.accountId)}${a.alias ? ` (${terminalText(a.alias)})` : ''}: ${a.identities} identities` +
      (a.provider === 'gcp' ? '' : `, CloudTrail ${a.cloudTrailDays}/${window.days} days`),
  );
  out.push('accounts:');
  for (const a of accounts) out.push(`  ${a}`);

  if (options.agentsOnly) out.push('', `showing the ${report.identities.length} agent identities of ${full.identities.length} (--agents-only)`);
  // Pushed one by one: a spread of a large audit's lines overflows the call stack.
  for (const line of renderFindings(report)) out.push(line);

  out.push('', `${pad('IDENTITY', 44)} ${pad('ACCOUNT', 14)} ${pad('ENV', 11)} ${pad('KIND', 6)} ${pad('GRANTED vs USED (actions)', 38)} LAST USED`);
  const sorted = [...report.identities].sort(
    (a, b) => (b.unusedRatio ?? -1) - (a.unusedRatio ?? -1) || b.granted.actions - a.granted.actions || a.arn.localeCompare(b.arn),
  );
  for (const i of sorted.slice(0, TERMINAL_IDENTITIES)) {
    const name = `${i.agent?.agent ? '[agent] ' : ''}${terminalText(i.name)}`;
    out.push(`${pad(name, 44)} ${pad(terminalText(i.accountId), 14)} ${pad(i.environment?.environment ?? '', 11)} ${pad(i.kind, 6)} ${pad(usageText(i), 38)} ${lastUsedText(i)}`);
  }
  if (sorted.length > TERMINAL_IDENTITIES) out.push(`… ${sorted.length - TERMINAL_IDENTITIES} more identities (fewer unused grants) in the JSON and HTML reports`);
  const s = report.summary;
  const bySeverity = Object.entries(s.findingsBySeverity).filter(([, n]) => n > 0).map(([sev, n]) => `${n} ${sev}`);
  out.push(
    '',
    `${report.findings.length} finding(s)${bySeverity.length ? `: ${bySeverity.join(', ')}` : ''}${suppressedCount(report)}; ${s.agentIdentities} agent identities.`,
    `${s.identities} identities; ${s.grantedActions} granted actions: ${s.usedActions} used, ${s.unusedActions} unused, ${s.unknownActions} unknown (no source observes them).`,
  );
  if (report.suggestions) out.push(suggestionsLine(report.suggestions));
  const unmapped = report.cloudTrail.unmappedEvents.reduce((n, e) => n + e.count, 0);
  if (unmapped) out.push(`${unmapped} CloudTrail events mapped to no IAM action (listed in the JSON report).`);
  return out.join('\n') + '\n';
}

/** `7 suggestion(s): 5 new, 2 open; 1 done since the previous scan. Review with keywarden plan.` */
function suggestionsLine(suggestions: NonNullable<AuditReport['suggestions']>): string {
  const count = (status: string) => suggestions.filter((s) => s.status === status).length;
  const active = suggestions.length - count('done');
  const parts = [`${count('new')} new`, `${count('open')} open`].join(', ');
  const done = count('done') ? `; ${count('done')} done since the previous scan` : '';
  return `${active} suggestion(s)${active ? `: ${parts}` : ''}${done}.${active ? ' Review them with `keywarden plan`.' : ''}`;
}

const MAX_LINES_PER_IDENTITY = 8;

/**
 * Identities listed in each terminal section (findings, granted vs used): a
 * summary stays readable at 50,000 principals; the rest are counted and the
 * JSON and HTML reports list them all.
 */
export const TERMINAL_IDENTITIES = 200;

/**
 * Findings worst first, grouped by identity (placed by its worst finding);
 * within an identity, findings of one rule and severity share a line, so a
 * per-action rule does not bury the others.
 */
function renderFindings(report: AuditReport): string[] {
  if (!report.findings.length) return ['', 'findings: none'];
  const identities = new Map(report.identities.map((i) => [i.arn, i]));
  const groups = new Map<string, AuditReport['findings']>();
  for (const f of report.findings) {
    const list = groups.get(f.identityArn) ?? [];
    list.push(f);
    groups.set(f.identityArn, list);
  }
  const out = ['', 'FINDINGS (worst first):'];
  let listed = 0;
  for (const [arn, findings] of groups) {
    if (++listed > TERMINAL_IDENTITIES) {
      out.push(`  … ${groups.size - TERMINAL_IDENTITIES} more identities with findings in the JSON and HTML reports`);
      break;
    }
    const identity = identities.get(arn);
    const tag = identity?.agent?.agent ? ' [agent]' : '';
    out.push(`  ${terminalText(arn)}${tag}${identity?.environment ? ` (${identity.environment.environment})` : ''}`);
    const lines = new Map<string, AuditReport['findings']>();
    for (const f of findings) {
      const key = `${f.severity}|${f.ruleId}|${suppressionNote(f)}`;
      const same = lines.get(key);
      if (same) same.push(f);
      else lines.set(key, [f]);
    }
    const rendered = [...lines.values()].map((same) => {
      const [first] = same as [AuditReport['findings'][number]];
      const text = same.length === 1 ? terminalText(first.title) : `${same.length} findings, e.g. ${terminalText(first.title)}`;
      return `    ${first.severity.toUpperCase().padEnd(8)} ${first.ruleId}  ${text}${suppressionNote(first)}`;
    });
    for (const line of rendered.slice(0, MAX_LINES_PER_IDENTITY)) out.push(line);
    if (rendered.length > MAX_LINES_PER_IDENTITY) out.push(`    … ${rendered.length - MAX_LINES_PER_IDENTITY} more lines in the JSON report`);
  }
  return out;
}

function suppressedCount(report: AuditReport): string {
  const suppressed = report.findings.filter((f) => f.suppression && !f.suppression.expired).length;
  const reopened = report.findings.filter((f) => f.suppression?.expired).length;
  return (suppressed ? ` (${suppressed} suppressed)` : '') + (reopened ? ` (${reopened} open again: suppression expired)` : '');
}

/** Suppressed findings stay listed, marked; a lapsed suppression says the finding is open again. */
export function suppressionNote(f: AuditReport['findings'][number]): string {
  const s = f.suppression;
  if (!s) return '';
  if (s.expired) return `  [OPEN AGAIN: suppression ${terminalText(s.source)} expired ${s.expires ?? ''}]`;
  return `  [suppressed by ${terminalText(s.owner)}${s.expires ? ` until ${s.expires}` : ''}: ${terminalText(s.reason)}]`;
}

function agentsOnly(report: AuditReport): AuditReport {
  const identities = report.identities.filter((i) => i.agent?.agent);
  const arns = new Set(identities.map((i) => i.arn));
  return { ...report, identities, findings: report.findings.filter((f) => arns.has(f.identityArn)) };
}
