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

/** Items kept of any list inside evidence detail; the rest is counted. */
export const EVIDENCE_LIST_LIMIT = 10;
/** Characters kept of an evidence summary. */
export const EVIDENCE_SUMMARY_LIMIT = 300;

export interface PageIdentity {
  arn: string;
  name: string;
  kind: string;
  provider: string;
  account: string;
  alias?: string;
  env: string;
  envHow?: string;
  agent: boolean;
  agentReasons: string[];
  status: string;
  lastUsed?: { at: string; source: string };
  tags: [string, string][];
  credentials: IdentityAudit['credentials'];
  policies: IdentityAudit['policies'];
  granted: number;
  used: number;
  unused: number;
  unknown: number;
  unrestricted: number;
  /** Per access level: granted, used, and unused in the listed services. */
  levels: { level: string; granted: number; used: number; unused: number }[];
  services: { service: string; status: string; granted: number; used: number; unused: number; unknown: number; lastUsed?: string }[];
  servicesOmitted?: IdentityAudit['servicesOmitted'];
  /** Granted vs used by the environment of the resources granted on (already bounded in the JSON report). */
  environments: NonNullable<IdentityAudit['grantedByEnvironment']>;
  errors: string[];
  /** Worst severity among open findings, '' when none are open. */
  worst: Severity | '';
  open: number;
  suppressed: number;
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
  identities: PageIdentity[];
  findings: PageFinding[];
  rules: { id: string; title: string }[];
}

/** Read on the first identity page: `evidence[n]` belongs to `findings[n]`. */
export interface PageDetailData {
  evidence: ReportFinding['evidence'][];
  suggestions: PageSuggestion[];
}

/** Open findings weigh by severity; more open findings, then more unused grants, break ties. */
function compareIdentities(a: PageIdentity, b: PageIdentity): number {
  const rank = (i: PageIdentity) => (i.worst ? severityRank(i.worst) : 0);
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

function pageIdentity(i: IdentityAudit, findings: ReportFinding[]): PageIdentity {
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
    envHow: i.environment?.how,
    agent: i.agent?.agent ?? false,
    agentReasons: i.agent?.reasons ?? [],
    status: i.status,
    lastUsed: i.lastUsed && { at: i.lastUsed.at, source: i.lastUsed.source },
    tags: Object.entries(i.tags),
    credentials: i.credentials,
    policies: i.policies,
    granted: i.granted.actions,
    used: i.used.actions,
    unused: i.unused.actions,
    unknown: i.unknown.actions,
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
    worst,
    open: open.length,
    suppressed: findings.length - open.length,
  };
}

type Evidence = ReportFinding['evidence'][number];

/** An evidence item as the page shows it: summary and lists bounded. */
export function pageEvidence(e: Evidence): Evidence {
  const summary = e.summary.length > EVIDENCE_SUMMARY_LIMIT ? `${e.summary.slice(0, EVIDENCE_SUMMARY_LIMIT)}… (full text in the JSON report)` : e.summary;
  return { ...e, summary, detail: trimDetail(e.detail) };
}

export function pageData(report: AuditReport): { data: PageData; detail: PageDetailData } {
  const findingsByArn = groupBy(report.findings, (f) => f.identityArn);
  const identities = report.identities.map((i) => pageIdentity(i, findingsByArn.get(i.arn) ?? [])).sort(compareIdentities);
  const indexOf = new Map(identities.map((i, n) => [i.arn, n]));
  // A finding or suggestion about an identity the report does not list still shows, under a placeholder.
  const placeholder = (arn: string, accountId: string): number => {
    const orphan = pageIdentity(
      { arn, provider: 'aws', accountId, kind: 'unknown', name: arn, tags: {}, status: 'unknown', usageSources: [], credentials: [], policies: [],
        granted: { actions: 0, unrestricted: 0, services: 0, byAccessLevel: {}, unknownActions: [], partialDenies: 0 },
        used: { actions: 0, services: 0 }, unused: { actions: 0, services: 0 }, unknown: { actions: 0, services: 0 },
        usedRatio: null, unusedRatio: null, deniedCalls: [], services: [], errors: ['not in this scan\'s identities'] },
      findingsByArn.get(arn) ?? [],
    );
    identities.push(orphan);
    indexOf.set(arn, identities.length - 1);
    return identities.length - 1;
  };
  const identityIndex = (arn: string, accountId: string) => indexOf.get(arn) ?? placeholder(arn, accountId);
  const data: PageData = {
    scanId: report.scan.id,
    identities,
    findings: report.findings.map((f) => ({
      identity: identityIndex(f.identityArn, f.accountId),
      ruleId: f.ruleId,
      severity: f.severity,
      title: f.title,
      credentialId: f.credentialId,
      granular: f.granular,
      fingerprint: f.fingerprint,
      suppression: f.suppression,
    })),
    rules: report.rules.map((r) => ({ id: r.ruleId, title: r.title })),
  };
  const detail: PageDetailData = {
    // Built per finding and not kept (src/rules/lazy-evidence.ts): only the trimmed page copy stays.
    evidence: report.findings.map((f) => evidenceOf(f).map(pageEvidence)),
    suggestions: (report.suggestions ?? []).map(({ identityArn, ...s }) => ({
      ...s,
      identity: identityIndex(identityArn, s.accountId),
      evidence: s.evidence.map(pageEvidence),
    })),
  };
  return { data, detail };
}
