/**
 * The data the HTML page carries: the report reduced to what a person reads
 * (action lists and long evidence are trimmed; the JSON report keeps them),
 * ordered worst first, with findings and suggestions pointing at identities
 * by index so the page builds its filter indexes in one pass. It comes in
 * two blocks: what the overview and table need, parsed at load, and the
 * evidence and suggestions, parsed when an identity page is first opened
 * (most of the bytes, none of the time to interactive).
 */
import { isOpen, severityRank, SEVERITIES, type Severity } from '../../model/finding.js';
import { groupBy } from '../../util/group-by.js';
import type { AuditReport, IdentityAudit, ReportFinding, Suggestion } from '../json-schema.js';
import { evidenceOf } from '../json-report.js';

/**
 * Findings the page carries with their evidence, at most: identities are
 * taken worst first while their findings fit (the worst always does). The
 * other identities are listed as summary rows (counts, severities and rules
 * for the filters, no findings, evidence, services or suggestions), and the
 * page says so and points at the JSON report. Every finding with its page
 * evidence costs ~3.5 KB of page: a 50,000-principal audit with ~27
 * findings each would be gigabytes otherwise (its page is 78 MB with the
 * budget, interactive in Chromium in ~2 s: bench/report-scale.ts).
 */
export const HTML_DETAIL_FINDINGS = 25_000;

/** Items kept of any list inside evidence detail; the rest is counted. */
export const EVIDENCE_LIST_LIMIT = 10;
/** Characters kept of an evidence summary. */
export const EVIDENCE_SUMMARY_LIMIT = 300;

/** What the identity table, filters and overview read of every identity. */
export interface PageRow {
  arn: string;
  name: string;
  kind: string;
  provider: string;
  account: string;
  alias?: string;
  env: string;
  agent: boolean;
  status: string;
  lastUsed?: { at: string; source: string };
  granted: number;
  used: number;
  unused: number;
  unknown: number;
  /** Worst severity among open findings, '' when none are open. */
  worst: Severity | '';
  open: number;
  suppressed: number;
}

/** An identity beyond the page's detail budget: its row, and what its findings' filters need. */
export interface PageSummaryRow extends PageRow {
  summaryOnly: true;
  /** Rule ids of its findings (the rule filter). */
  rules: string[];
  /** Severities of its open findings (the severity filter). */
  openSeverities: Severity[];
}

/** An identity with everything its page shows. */
export interface PageIdentity extends PageRow {
  envHow?: string;
  agentReasons: string[];
  tags: [string, string][];
  credentials: IdentityAudit['credentials'];
  policies: IdentityAudit['policies'];
  unrestricted: number;
  /** Per access level: granted, used, and unused in the listed services. */
  levels: { level: string; granted: number; used: number; unused: number }[];
  services: { service: string; status: string; granted: number; used: number; unused: number; unknown: number; lastUsed?: string }[];
  servicesOmitted?: IdentityAudit['servicesOmitted'];
  /** Granted vs used by the environment of the resources granted on (already bounded in the JSON report). */
  environments: NonNullable<IdentityAudit['grantedByEnvironment']>;
  errors: string[];
}

export interface PageFinding {
  identity: number;
  ruleId: string;
  severity: Severity;
  title: string;
  credentialId?: string;
  granular?: string;
  fingerprint: string;
  suppression?: ReportFinding['suppression'];
}

export interface PageSuggestion extends Omit<Suggestion, 'identityArn'> {
  identity: number;
}

export interface PageData {
  scanId: number;
  identities: (PageIdentity | PageSummaryRow)[];
  /** Findings of the identities with full detail. */
  findings: PageFinding[];
  rules: { id: string; title: string }[];
  /** Present when the report was too large for every identity's detail (HTML_DETAIL_FINDINGS). */
  limited?: PageLimit;
}

export interface PageLimit {
  identities: number;
  findings: number;
  /** Identities with full detail: the first this many of `identities` (worst first). */
  detailIdentities: number;
  detailFindings: number;
  /** File name of the JSON report beside the page, when one was written with it. */
  jsonReport?: string;
}

/** Read on the first identity page: `evidence[n]` belongs to `findings[n]`. */
export interface PageDetailData {
  evidence: ReportFinding['evidence'][];
  suggestions: PageSuggestion[];
}

/** Open findings weigh by severity; more open findings, then more unused grants, break ties. */
function compareIdentities(a: PageRow, b: PageRow): number {
  const rank = (i: PageRow) => (i.worst ? severityRank(i.worst) : 0);
  return rank(b) - rank(a) || b.open - a.open || b.unused - a.unused || a.arn.localeCompare(b.arn);
}

function accessLevels(i: IdentityAudit): PageIdentity['levels'] {
  const used = new Map<string, number>();
  const unused = new Map<string, number>();
  for (const s of i.services) {
    for (const a of s.usedActions) if (a.status === 'used' && a.accessLevel) used.set(a.accessLevel, (used.get(a.accessLevel) ?? 0) + 1);
    for (const [level, n] of Object.entries(s.unusedByAccessLevel)) unused.set(level, (unused.get(level) ?? 0) + n);
  }
  return Object.entries(i.granted.byAccessLevel)
    .filter(([, n]) => n > 0)
    .map(([level, granted]) => ({ level, granted, used: used.get(level) ?? 0, unused: unused.get(level) ?? 0 }));
}

/** Long lists in evidence detail keep their first items and say how many more the JSON report has. */
export function trimDetail(detail: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!detail) return undefined;
  return Object.fromEntries(
    Object.entries(detail).map(([k, v]) =>
      Array.isArray(v) && v.length > EVIDENCE_LIST_LIMIT
        ? [k, [...v.slice(0, EVIDENCE_LIST_LIMIT), `… ${v.length - EVIDENCE_LIST_LIMIT} more in the JSON report`]]
        : [k, v],
    ),
  );
}

function pageRow(i: IdentityAudit, findings: ReportFinding[]): PageRow {
  const open = findings.filter(isOpen);
  const worst = SEVERITIES.find((s) => open.some((f) => f.severity === s)) ?? '';
  return {
    arn: i.arn,
    name: i.name,
    kind: i.kind,
    provider: i.provider,
    account: i.accountId,
    alias: i.accountAlias,
    env: i.environment?.environment ?? 'unknown',
    agent: i.agent?.agent ?? false,
    status: i.status,
    lastUsed: i.lastUsed && { at: i.lastUsed.at, source: i.lastUsed.source },
    granted: i.granted.actions,
    used: i.used.actions,
    unused: i.unused.actions,
    unknown: i.unknown.actions,
    worst,
    open: open.length,
    suppressed: findings.length - open.length,
  };
}

function summaryRow(row: PageRow, findings: ReportFinding[]): PageSummaryRow {
  const open = findings.filter(isOpen);
  return {
    ...row,
    summaryOnly: true,
    rules: [...new Set(findings.map((f) => f.ruleId))].sort(),
    openSeverities: SEVERITIES.filter((s) => open.some((f) => f.severity === s)),
  };
}

function pageIdentity(i: IdentityAudit, row: PageRow): PageIdentity {
  return {
    ...row,
    envHow: i.environment?.how,
    agentReasons: i.agent?.reasons ?? [],
    tags: Object.entries(i.tags),
    credentials: i.credentials,
    policies: i.policies,
    unrestricted: i.granted.unrestricted,
    levels: accessLevels(i),
    services: i.services.map((s) => ({
      service: s.service,
      status: s.status,
      granted: s.granted,
      used: s.used,
      unused: s.unused,
      unknown: s.unknown,
      lastUsed: s.lastUsed,
    })),
    servicesOmitted: i.servicesOmitted,
    environments: i.grantedByEnvironment ?? [],
    errors: i.errors,
  };
}

type Evidence = ReportFinding['evidence'][number];

/** An evidence item as the page shows it: summary and lists bounded. */
export function pageEvidence(e: Evidence): Evidence {
  const summary = e.summary.length > EVIDENCE_SUMMARY_LIMIT ? `${e.summary.slice(0, EVIDENCE_SUMMARY_LIMIT)}… (full text in the JSON report)` : e.summary;
  return { ...e, summary, detail: trimDetail(e.detail) };
}

const ORPHAN: Omit<IdentityAudit, 'arn' | 'accountId'> = {
  provider: 'aws', kind: 'unknown', name: '', tags: {}, status: 'unknown', usageSources: [], credentials: [], policies: [],
  granted: { actions: 0, unrestricted: 0, services: 0, byAccessLevel: {}, unknownActions: [], partialDenies: 0 },
  used: { actions: 0, services: 0 }, unused: { actions: 0, services: 0 }, unknown: { actions: 0, services: 0 },
  usedRatio: null, unusedRatio: null, deniedCalls: [], services: [], errors: ['not in this scan\'s identities'],
};

/**
 * The page's data. Identities worst first; those whose findings fit in
 * `detailFindings` (worst first, the worst always) carry everything, the
 * rest are summary rows; findings, evidence and suggestions only of the
 * former. `limited` says how many of each when any identity was cut.
 */
export function pageData(report: AuditReport, detailFindings = HTML_DETAIL_FINDINGS): { data: PageData; detail: PageDetailData } {
  const findingsByArn = groupBy(report.findings, (f) => f.identityArn);
  const ranked = report.identities
    .map((audit) => ({ audit, row: pageRow(audit, findingsByArn.get(audit.arn) ?? []) }))
    .sort((a, b) => compareIdentities(a.row, b.row));
  // A finding or suggestion about an identity the report does not list still shows, under a placeholder (after the others).
  const listed = new Set(report.identities.map((i) => i.arn));
  const orphanArns = new Map<string, string>();
  for (const { identityArn, accountId } of [...report.findings, ...(report.suggestions ?? [])]) {
    if (!listed.has(identityArn) && !orphanArns.has(identityArn)) orphanArns.set(identityArn, accountId);
  }
  const orphans = [...orphanArns].map(([arn, accountId]) => {
    const audit: IdentityAudit = { ...ORPHAN, arn, accountId, name: arn };
    return { audit, row: pageRow(audit, findingsByArn.get(arn) ?? []) };
  });
  const all = [...ranked, ...orphans];
  let budget = detailFindings;
  let cut = all.length;
  for (let n = 0; n < all.length; n++) {
    const count = findingsByArn.get(all[n]!.audit.arn)?.length ?? 0;
    if (n > 0 && count > budget) {
      cut = n;
      break;
    }
    budget -= count;
  }
  const identities = all.map(({ audit, row }, n) => (n < cut ? pageIdentity(audit, row) : summaryRow(row, findingsByArn.get(audit.arn) ?? [])));
  const indexOf = new Map(identities.map((i, n) => [i.arn, n]));
  const detailed = (arn: string) => (indexOf.get(arn) as number) < cut;
  const shown = report.findings.filter((f) => detailed(f.identityArn));
  const data: PageData = {
    scanId: report.scan.id,
    identities,
    findings: shown.map((f) => ({
      identity: indexOf.get(f.identityArn) as number,
      ruleId: f.ruleId,
      severity: f.severity,
      title: f.title,
      credentialId: f.credentialId,
      granular: f.granular,
      fingerprint: f.fingerprint,
      suppression: f.suppression,
    })),
    rules: report.rules.map((r) => ({ id: r.ruleId, title: r.title })),
    ...(cut < all.length && {
      limited: { identities: all.length, findings: report.findings.length, detailIdentities: cut, detailFindings: shown.length },
    }),
  };
  const detail: PageDetailData = {
    // Built per finding and not kept (src/rules/lazy-evidence.ts): only the trimmed page copy stays.
    evidence: shown.map((f) => evidenceOf(f).map(pageEvidence)),
    suggestions: (report.suggestions ?? [])
      .filter((s) => detailed(s.identityArn))
      .map(({ identityArn, ...s }) => ({ ...s, identity: indexOf.get(identityArn) as number, evidence: s.evidence.map(pageEvidence) })),
  };
  return { data, detail };
}
