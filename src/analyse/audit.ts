/**
 * The audit: facts of one stored scan over a window, the rules run over
 * them, and the report that carries both. Rendering is report/'s job.
 */
import type { AwsActionCatalog } from '../catalog/aws-actions.js';
import type { KeywardenConfig } from '../config/index.js';
import { SEVERITIES } from '../model/finding.js';
import { REPORT_SCHEMA_VERSION, REPORT_SERVICES_PER_IDENTITY, type AuditReport, type IdentityAudit, type ServiceUsage } from '../report/json-schema.js';
import { runRules, type RuleTally } from '../rules/engine.js';
import type { Rule } from '../rules/rule.js';
import type { Store } from '../store/index.js';
import { withUnusedNames, type ServiceFacts } from './granted-vs-used.js';
import { awsEnvironmentGrants, gcpEnvironmentGrants } from './environment-grants.js';
import { scanFacts, type ScanFacts } from './scan-facts.js';
import { reachEdgesOf } from './reach/report-edges.js';
import { isOpen, type Finding } from '../model/finding.js';
import type { Suggestion } from '../report/json-schema.js';
import { applySuppressions } from '../suppress/apply.js';
import type { SuppressionEntry } from '../suppress/suppressions-file.js';
import type { AuditWindow } from './window.js';
import { NO_TIMER, type PhaseTimer } from '../util/phase-clock.js';
import { copyWith } from '../util/copy-with.js';

export interface AuditOptions {
  scanId: number;
  window: AuditWindow;
  config: KeywardenConfig;
  rules: readonly Rule[];
  toolVersion: string;
  now?: Date;
  /** Revocation and replacement suggestions for the report (src/suggest/report-suggestions.ts). */
  suggest?: (facts: ScanFacts, findings: Finding[]) => Suggestion[];
  /** Suppressions-file entries; expiry is judged against the window's last day. */
  suppressions?: readonly SuppressionEntry[];
  /** Times each phase (reading, grants, usage, every rule, the graph, suggestions, the report model) for benchmarks. */
  timer?: PhaseTimer;
}

export function buildAuditReport(store: Store, catalog: AwsActionCatalog, options: AuditOptions): AuditReport {
  const timer = options.timer ?? NO_TIMER;
  const facts = scanFacts(store, catalog, options.config, options);
  const run = runRules(options.rules, facts.context, timer);
  // Applied where findings are made, so every report (audit, report, ci) carries them.
  const findings = timer.measure('suppressions', () => applySuppressions(run.findings, options.suppressions ?? [], options.window.to));
  // A suppressed finding is an accepted risk: nothing is planned for it.
  const suggestions = options.suggest && timer.measure('suggestions', () => options.suggest!(facts, findings.filter(isOpen)));
  return timer.measure('report model', () => reportOf(facts, run.tallies, findings, suggestions, catalog, options));
}

function reportOf(
  facts: ScanFacts,
  tallies: RuleTally[],
  findings: Finding[],
  suggestions: Suggestion[] | undefined,
  catalog: AwsActionCatalog,
  options: AuditOptions,
): AuditReport {
  const { window } = options;
  const ruleById = new Map(options.rules.map((r) => [r.id, r]));

  // AWS services name their unused actions only when reported; GCP audits carry them already.
  // copyWith rather than spreads: the same keys in the same order, several times cheaper per identity.
  const identities = [
    ...facts.context.identities.map((f) =>
      copyWith(f.audit, reportedServices(f.audit.services, (s) => withUnusedNames(s, f.usage.unused, catalog)), {
        environment: f.environment,
        agent: f.agent,
        grantedByEnvironment: awsEnvironmentGrants(f, facts.context),
      }),
    ),
    ...(facts.context.gcp?.identities ?? []).map((f) =>
      copyWith(f.audit, reportedServices<ServiceUsage>(f.audit.services, (s) => s), {
        environment: f.environment,
        agent: f.agent,
        grantedByEnvironment: gcpEnvironmentGrants(f.audit, f.environment),
      }),
    ),
  ];
  // Counted in one pass each, in place: a filtered copy of a million findings per severity, or a spread per identity, costs seconds at scale.
  const findingsBySeverity: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const f of findings) {
    const n = findingsBySeverity[f.severity];
    if (n !== undefined) findingsBySeverity[f.severity] = n + 1;
  }
  const summary = { findingsBySeverity, agentIdentities: 0, identities: 0, grantedActions: 0, usedActions: 0, unusedActions: 0, unknownActions: 0 };
  for (const i of identities) {
    summary.identities++;
    if (i.agent.agent) summary.agentIdentities++;
    summary.grantedActions += i.granted.actions;
    summary.usedActions += i.used.actions;
    summary.unusedActions += i.unused.actions;
    summary.unknownActions += i.unknown.actions;
  }

  // One pass, not a scan of every identity per account (quadratic: 100 accounts x 50,000 identities).
  const perAccount = new Map<string, number>();
  for (const i of identities) perAccount.set(i.accountId, (perAccount.get(i.accountId) ?? 0) + 1);
  const reachEdges = reachEdgesOf(findings);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'keywarden', version: options.toolVersion },
    generatedAt: (options.now ?? new Date()).toISOString(),
    scan: { id: facts.scan.id, source: facts.scan.source, collectedAt: facts.scan.collectedAt },
    window: { from: window.from, to: window.to, days: window.days },
    accounts: facts.accounts.map((a) => ({
      provider: a.provider,
      accountId: a.accountId,
      alias: a.alias,
      identities: perAccount.get(a.accountId) ?? 0,
      cloudTrailDays: facts.cloudTrailDays.get(a.accountId) ?? 0,
    })),
    // 'partial' (e.g. CloudTrail history still shorter than the window) is shown, but only a gap is incomplete.
    coverage: { complete: facts.coverage.every((c) => c.status !== 'gap'), entries: facts.coverage },
    cloudTrail: { unmappedEvents: facts.unmappedEvents },
    rules: tallies.map((t) => ({ ...t, title: ruleById.get(t.ruleId)?.title ?? t.ruleId, severity: ruleById.get(t.ruleId)?.severity ?? 'info' })),
    findings,
    ...(reachEdges.length ? { reach: { edges: reachEdges } } : {}),
    summary,
    identities,
    ...(suggestions && { suggestions }),
  };
}

/** Unused actions that could change permissions or data weigh first when choosing what to list. */
function danger(s: ServiceFacts): number {
  const levels = s.unusedByAccessLevel;
  return (levels['Permissions management'] ?? 0) * 1_000_000 + (levels.Write ?? 0) * 1_000 + s.unused;
}

/** localeCompare's order (the same collator), without resolving one per comparison. */
const byName = new Intl.Collator().compare;

const hasUse = (s: ServiceFacts) => s.used > 0 || s.status === 'used';

/**
 * The services a report lists for one identity: every one with use, then the
 * most dangerous unused ones; the rest are summed so totals stay exact while
 * an administrator's 400-odd services do not flood the report.
 */
function reportedServices<S extends ServiceFacts>(services: S[], named: (s: S) => ServiceUsage): Pick<IdentityAudit, 'services' | 'servicesOmitted'> {
  const unused = services.filter((s) => !hasUse(s));
  if (unused.length <= REPORT_SERVICES_PER_IDENTITY) return { services: services.map(named) };
  const listed = new Set(mostDangerous(unused, REPORT_SERVICES_PER_IDENTITY));
  const omitted = { services: 0, granted: 0, used: 0, unused: 0, unknown: 0 };
  for (const s of unused) {
    if (listed.has(s)) continue;
    omitted.services++;
    omitted.granted += s.granted;
    omitted.used += s.used;
    omitted.unused += s.unused;
    omitted.unknown += s.unknown;
  }
  return { services: services.filter((s) => hasUse(s) || listed.has(s)).map(named), servicesOmitted: omitted };
}

/**
 * The first `keep` of `services` by danger, most first, ties by name (then by
 * place): what a stable sort of them all would list first, found by keeping
 * the best few in order, as an administrator holds hundreds and only a few
 * are listed.
 */
function mostDangerous<S extends ServiceFacts>(services: readonly S[], keep: number): S[] {
  const best: S[] = [];
  const dangers: number[] = [];
  for (const s of services) {
    const d = danger(s);
    // Insertion from the end: a later service goes after those equal to it, as in a stable sort.
    let at = best.length;
    while (at > 0 && ranksBefore(d, s, dangers[at - 1]!, best[at - 1]!)) at--;
    if (at >= keep) continue;
    best.splice(at, 0, s);
    dangers.splice(at, 0, d);
    if (best.length > keep) {
      best.pop();
      dangers.pop();
    }
  }
  return best;
}

const ranksBefore = (d: number, s: ServiceFacts, otherDanger: number, other: ServiceFacts) =>
  d > otherDanger || (d === otherDanger && byName(s.service, other.service) < 0);
