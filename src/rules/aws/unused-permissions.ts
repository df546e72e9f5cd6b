/**
 * Granted but unused permissions, one finding per identity, from the
 * granted-vs-used audit.
 *
 * An identity fails when unused granted actions / granted actions (the
 * audit's unusedRatio) reaches thresholds.unusedPermissionRatio. It gets ONE
 * finding (`UnusedShare`) whose title gives the overall share ("uses 7 of
 * 22,091 granted actions …; 22,044 unused in 60 days across 412 services")
 * and whose evidence lists the services with unused actions, most dangerous
 * first (unused Permissions management, then Write, then the rest; more
 * unused first within each), at most MAX_SERVICES of them plus a summary of
 * the rest, then the statements granting the listed services' unused
 * Write/Permissions management actions.
 * "Unused" is only what a source observes: Access Advisor for the services
 * it lists ("service-level": it saw no access to the service at all) and the
 * actions it tracks, CloudTrail for management events over a fully covered
 * window ("action-level"). Services no source observes are listed in the
 * evidence as unknown, never as unused.
 *
 * Outcome: fail at or above the threshold; pass only when the identity stays
 * below it even if every unknown action were unused; otherwise (unknown
 * could tip it) not-applicable with the numbers, since unknown is not safe.
 *
 * Severity (severity.ts scale): low; medium when the unused actions include
 * Write or Permissions management and the identity's environment is
 * production or unknown.
 */
import { unusedNamesOf, type ServiceFacts } from '../../analyse/granted-vs-used.js';
import type { AccessLevel } from '../../model/domain.js';
import type { AwsActionCatalog } from '../../catalog/aws-actions.js';
import type { Evidence, Severity } from '../../model/finding.js';
import { firstOnly, lazyEvidence } from '../lazy-evidence.js';
import { perIdentity, type FindingDraft, type IdentityFacts, type Rule, type RuleContext } from '../rule.js';
import { isProductionRisk } from '../severity.js';
import { environmentEvidence, statementsEvidence, WRITE_LEVELS } from './credential-facts.js';

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
/** A share that may be tiny (0.03%) without rounding it to 0%. */
const finePct = (x: number) => {
  const p = x * 100;
  if (p === 0) return '0%';
  if (p < 0.01) return '<0.01%';
  return p < 1 ? `${Math.round(p * 100) / 100}%` : `${Math.round(p * 10) / 10}%`;
};
const count = (n: number) => n.toLocaleString('en-US');
/** Unused actions named in a service's evidence summary. */
const LISTED = 25;
/** Services with their own evidence item; the rest are summarised in one. */
export const MAX_SERVICES = 20;
/** Statements shown for the listed services' unused Write/Permissions management actions. */
const STATEMENTS = 5;

export const unusedPermissions: Rule = {
  id: 'aws.unused-permissions',
  title: 'Granted permissions not used in the window',
  severity: 'medium',
  description:
    'Compares what each identity is granted with what it used in the window and fails when the unused share of granted actions reaches thresholds.unusedPermissionRatio, with one finding per identity (UnusedShare) that lists the services with unused actions, unused Permissions management and Write first. Unused is claimed only where Access Advisor or full-window CloudTrail observes the service or action; everything else is reported as unknown.',
  risk:
    'Permissions an identity never uses are pure exposure: if its credentials leak or an agent is steered by injected instructions, everything granted is available to the attacker, not just what the job needs. Unused write and permissions-management grants in production are the difference between a leaked read-only token and an outage.',
  remediation:
    'Replace the broad policies with a least-privilege policy built from observed use (IAM Access Analyzer policy generation, or the actions listed as used), or remove the unused services and actions listed in the evidence, starting with the first ones (unused Permissions management and Write). Remove grants in steps and watch for AccessDenied errors; keep the old policy version to roll back. If the grant is for rare but real work (disaster recovery), suppress UnusedShare for the identity with that reason.',
  references: [
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed-action-last-accessed.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#remove-credentials',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-policy-generation.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege',
  ],
  evaluate: perIdentity((facts, ctx) => {
    const { audit } = facts;
    const threshold = ctx.config.thresholds.unusedPermissionRatio;
    const granted = audit.granted.actions;
    if (granted === 0 || audit.unusedRatio === null) return { notApplicable: 'grants no catalog action' };
    const unusedRatio = audit.unusedRatio;
    const worstCase = (audit.unused.actions + audit.unknown.actions) / granted;
    const numbers = numbersOf(audit);

    if (unusedRatio < threshold) {
      if (worstCase < threshold) return [];
      return {
        notApplicable: `${numbers}: ${pct(unusedRatio)} unused is below the threshold of ${pct(threshold)}, but no source observes ${audit.unknown.actions} actions, enough to reach it`,
      };
    }

    const services = unusedServicesOf(facts, ctx.catalog);
    if (services.length === 0) return [];
    return [shareFinding(services, facts, ctx)];
  }),
};

function numbersOf(audit: IdentityFacts['audit']): string {
  return `${audit.unused.actions} unused, ${audit.used.actions} used, ${audit.unknown.actions} unknown of ${audit.granted.actions} granted actions`;
}

/** The identity's services with unused actions, in its audit's order (each read once per shared line). */
function unusedServicesOf(facts: IdentityFacts, catalog: AwsActionCatalog): UnusedService[] {
  return facts.audit.services.filter((s) => s.unused > 0).map((s) => unusedService(s, catalog));
}

/** One service's unused actions, read against the catalog. */
interface UnusedService {
  service: ServiceFacts;
  serviceLevel: boolean;
  byLevel: Partial<Record<AccessLevel, number>>;
  /** How many of its unused actions are Write or Permissions management. */
  unusedWrites: number;
  /** 0: unused Permissions management, 1: unused Write, 2: neither. */
  danger: number;
  /** The service name's place in localeCompare order among the catalog's (the last tie-break of byDanger). */
  rank: number;
}

/**
 * What this rule reads of a service line, and what it derives from it,
 * kept on the line: identities holding the same bits of a service share
 * one line (granted-vs-used.ts), so this is worked out once per line.
 */
function unusedService(service: ServiceFacts, catalog: AwsActionCatalog): UnusedService {
  let found = unusedServices.get(service);
  if (!found) {
    const rank = serviceRanks(catalog).get(service.service) ?? -1;
    const byLevel = service.unusedByAccessLevel as Partial<Record<AccessLevel, number>>;
    const unusedWrites = WRITE_LEVELS.reduce((n, l) => n + (byLevel[l] ?? 0), 0);
    // Access Advisor listing the service with no access in the window speaks for the whole service.
    const serviceLevel = service.status === 'unused' && service.observedBy.includes('access-advisor');
    const danger = byLevel['Permissions management'] ? 0 : byLevel.Write ? 1 : 2;
    unusedServices.set(service, (found = { service, serviceLevel, byLevel, unusedWrites, danger, rank }));
  }
  return found;
}
const unusedServices = new WeakMap<ServiceFacts, UnusedService>();

/** The named unused Write/Permissions management actions of a service (names list those first); once per names list. */
function writeIndicesOf(names: readonly string[], catalog: AwsActionCatalog): number[] {
  let out = writeIndices.get(names);
  if (!out) {
    out = [];
    for (const key of names) {
      const i = catalog.indexOf(key);
      if (i === undefined || !WRITE_LEVELS.includes(catalog.accessLevelAt(i))) break;
      out.push(i);
    }
    writeIndices.set(names, out);
  }
  return out;
}
// Names lists are shared by the identities sharing a service line (unusedNamesOf).
const writeIndices = new WeakMap<readonly string[], number[]>();

/** Each catalog service's place in localeCompare order of their names (names comparing equal share one), once per catalog. */
function serviceRanks(catalog: AwsActionCatalog): Map<string, number> {
  let ranks = ranksByCatalog.get(catalog);
  if (!ranks) {
    const sorted = catalog.services().map((s) => s.service).sort((a, b) => a.localeCompare(b));
    const found = new Map<string, number>();
    sorted.forEach((name, i) => found.set(name, i > 0 && sorted[i - 1]!.localeCompare(name) === 0 ? found.get(sorted[i - 1]!)! : i));
    ranksByCatalog.set(catalog, (ranks = found));
  }
  return ranks;
}
const ranksByCatalog = new WeakMap<AwsActionCatalog, Map<string, number>>();

/** Most dangerous first, then more unused, then by service name (localeCompare order; every line is a catalog service). */
const byDanger = (a: UnusedService, b: UnusedService) => a.danger - b.danger || b.service.unused - a.service.unused || a.rank - b.rank;

function shareFinding(all: UnusedService[], facts: IdentityFacts, ctx: RuleContext): FindingDraft {
  const { audit } = facts;
  const { window } = ctx;
  const granted = audit.granted.actions;
  const production = isProductionRisk(facts.environment.environment);
  const unusedWrites = all.reduce((n, s) => n + s.unusedWrites, 0);
  const severity: Severity = unusedWrites > 0 && production ? 'medium' : 'low';

  const serviceLevel = all.filter((s) => s.serviceLevel).length;
  const actionLevel = all.length - serviceLevel;
  const levels = [
    ...(actionLevel ? [`action-level for ${count(actionLevel)}`] : []),
    ...(serviceLevel ? [`service-level for ${count(serviceLevel)}`] : []),
  ].join(', ');
  const title =
    `uses ${count(audit.used.actions)} of ${count(granted)} granted actions (${finePct(audit.used.actions / granted)}); ` +
    `${count(audit.unused.actions)} unused in ${window.days} days across ${count(all.length)} service${all.length === 1 ? '' : 's'} (${levels})` +
    (audit.unknown.actions ? `; ${count(audit.unknown.actions)} unknown` : '');
  // The evidence (every listed service named, the statements behind them) is built when read (lazy-evidence.ts),
  // from the facts again: the finding holds no list of its services (~80 per identity) meanwhile.
  return lazyEvidence({ severity, title, granular: 'UnusedShare' }, (limit) => shareEvidenceOf(facts, ctx, firstOnly(limit)));
}

function shareEvidenceOf(facts: IdentityFacts, ctx: RuleContext, firstOnly: boolean): Evidence[] {
  const all = unusedServicesOf(facts, ctx.catalog);
  const unusedWrites = all.reduce((n, s) => n + s.unusedWrites, 0);
  return shareEvidence(all, unusedWrites, facts, ctx, numbersOf(facts.audit), firstOnly);
}

function shareEvidence(all: UnusedService[], unusedWrites: number, facts: IdentityFacts, ctx: RuleContext, numbers: string, firstOnly = false): Evidence[] {
  const { audit } = facts;
  const { window, catalog } = ctx;
  const threshold = ctx.config.thresholds.unusedPermissionRatio;
  const granted = audit.granted.actions;

  const summary: Evidence = {
    kind: 'usage',
    summary: `${numbers} in the window ${window.from} to ${window.to}: ${pct(audit.unusedRatio ?? 0)} unused (threshold ${pct(threshold)})`,
    detail: {
      granted,
      used: audit.used.actions,
      unused: audit.unused.actions,
      unknown: audit.unknown.actions,
      unusedRatio: audit.unusedRatio,
      threshold,
      services: { used: audit.used.services, unused: audit.unused.services, unknown: audit.unknown.services },
      usageSources: audit.usageSources,
    },
  };

  // Asked for its first line only (SARIF): naming the services' actions and statements is the work.
  if (firstOnly) return [summary];
  const ordered = [...all].sort(byDanger);
  // Only the listed services are named: naming every unused action of an administrator is wasted work.
  const listed = ordered.slice(0, MAX_SERVICES).map((s) => ({ ...s, names: unusedNamesOf(s.service, facts.usage.unused, catalog) }));
  const rest = ordered.slice(MAX_SERVICES);

  const restEvidence: Evidence[] = rest.length
    ? [
        {
          kind: 'note',
          summary: `… and ${count(rest.length)} more service${rest.length === 1 ? '' : 's'} with ${count(rest.reduce((n, s) => n + s.service.unused, 0))} unused actions`,
          detail: { services: rest.map(restEntry) },
        },
      ]
    : [];

  const unknownServices = audit.services.filter((s) => s.status === 'unknown' && s.unused === 0);
  const unknownEvidence: Evidence[] = unknownServices.length
    ? [
        {
          kind: 'coverage',
          summary: `${unknownServices.length} granted service(s) no source observes, so their use is unknown (not counted as unused): ${unknownServices.slice(0, 15).map((s) => s.service).join(', ')}${unknownServices.length > 15 ? ', …' : ''}`,
          detail: { services: unknownServices.map(unknownEntry) },
        },
      ]
    : [];

  return [
    summary,
    ...listed.map((s) => listedServiceEvidence(s, ctx)),
    ...restEvidence,
    ...statementsEvidence(facts.grant, catalog, listed.flatMap((s) => writeIndicesOf(s.names, catalog)), 'unused Write/Permissions management', STATEMENTS),
    ...(unusedWrites > 0 ? [environmentEvidence(facts)] : []),
    ...unknownEvidence,
  ];
}

/** A service summed up in the rest of the list; once per line (see unusedService). */
function restEntry(s: UnusedService): Record<string, unknown> {
  let entry = restEntries.get(s);
  if (!entry) {
    entry = { service: s.service.service, dataLevel: s.serviceLevel ? 'service-level' : 'action-level', granted: s.service.granted, unused: s.service.unused, unusedByAccessLevel: s.byLevel };
    restEntries.set(s, entry);
  }
  return entry;
}
const restEntries = new WeakMap<UnusedService, Record<string, unknown>>();

function unknownEntry(s: ServiceFacts): Record<string, unknown> {
  let entry = unknownEntries.get(s);
  if (!entry) unknownEntries.set(s, (entry = { service: s.service, granted: s.granted }));
  return entry;
}
const unknownEntries = new WeakMap<ServiceFacts, Record<string, unknown>>();

/**
 * One listed service. Made for each finding written and dropped after: kept
 * per service line, the lines of every written finding stayed for the life
 * of the report (~20 MB per 5,000 principals) and saved no measurable time.
 */
function listedServiceEvidence(s: UnusedService & { names: string[] }, ctx: RuleContext): Evidence {
  const { service, serviceLevel, byLevel, names } = s;
  const { window } = ctx;
  const level = serviceLevel ? 'service-level' : 'action-level';
  const how = serviceLevel
    ? `service-level: Access Advisor saw no access to ${service.service} in the window, so none of its ${service.granted} granted actions was used`
    : `action-level: ${observers(service)} saw no call of ${service.unused} granted action(s)`;
  const name = service.name ? ` (${service.name})` : '';
  const levels = Object.entries(byLevel)
    .map(([l, n]) => `${n} ${l}`)
    .join(', ');
  const named = names.slice(0, LISTED);
  return {
    kind: 'usage',
    summary:
      `${service.service}${name}: ${service.unused} of ${service.granted} granted actions unused (${level}${levels ? `; ${levels}` : ''}). ` +
      `${how}; used ${service.used}, unknown ${service.unknown}${service.lastUsed ? `, service last used ${service.lastUsed.slice(0, 10)}` : ''}. ` +
      `Unused: ${named.join(', ')}${service.unused > LISTED ? `, … (${service.unused} in all)` : ''}`,
    detail: {
      service: service.service,
      dataLevel: level,
      observedBy: service.observedBy,
      status: service.status,
      granted: service.granted,
      used: service.used,
      unused: service.unused,
      unknown: service.unknown,
      unusedByAccessLevel: byLevel,
      unusedActions: names,
      unusedActionsTotal: service.unused,
      usedActions: service.usedActions.map((a) => a.action),
      lastUsed: service.lastUsed,
      window: { from: window.from, to: window.to },
    },
  };
}

function observers(service: ServiceFacts): string {
  const names: string[] = [];
  if (service.observedBy.includes('cloudtrail')) names.push('CloudTrail (management events)');
  if (service.observedBy.includes('access-advisor')) names.push('Access Advisor (tracked actions)');
  return names.join(' and ') || 'a usage source';
}
