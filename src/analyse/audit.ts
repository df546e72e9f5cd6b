/**
 * Builds the granted-vs-used report for one stored scan over a window:
 * effective grants from the scan's policies, usage from the accumulated
 * history (so the window can reach past any one export), coverage from the
 * scan and from which CloudTrail days were ingested.
 */
import type { AwsActionCatalog } from '../catalog/aws-actions.js';
import { ActionSet } from '../catalog/action-set.js';
import { recordedByManagementTrail } from '../catalog/cloudtrail-observability.js';
import type { CoverageEntry, StoredPolicy } from '../model/domain.js';
import { REPORT_SCHEMA_VERSION, type AuditReport, type IdentityAudit } from '../report/json-schema.js';
import type { Store } from '../store/index.js';
import { EffectiveGrantCalculator, type EffectiveGrant } from './aws/effective-grant.js';
import { auditIdentity, type GrantedAction, type GrantView, type UsageRow } from './granted-vs-used.js';
import { groupBy } from '../util/group-by.js';
import { windowDays, type AuditWindow } from './window.js';

export interface AuditOptions {
  scanId: number;
  window: AuditWindow;
  toolVersion: string;
  now?: Date;
}

/** Catalog indices of actions a management-events trail records, computed once per catalog. */
const managementActionsByCatalog = new WeakMap<AwsActionCatalog, ActionSet>();
function managementActions(catalog: AwsActionCatalog): ActionSet {
  let set = managementActionsByCatalog.get(catalog);
  if (!set) {
    set = catalog.none();
    for (let i = 0; i < catalog.size; i++) if (recordedByManagementTrail(catalog.keyAt(i))) set.add(i);
    managementActionsByCatalog.set(catalog, set);
  }
  return set;
}

/** Adapts an EffectiveGrant to the per-service view granted-vs-used needs. */
export function grantViewOf(grant: EffectiveGrant, catalog: AwsActionCatalog): GrantView {
  const management = managementActions(catalog);
  return {
    byService() {
      const out = new Map<string, GrantedAction[]>();
      grant.actions.forEach((i) => {
        const a = catalog.actionAt(i);
        let list = out.get(a.service);
        if (!list) out.set(a.service, (list = []));
        list.push({
          key: a.key,
          service: a.service,
          accessLevel: a.accessLevel,
          unrestricted: grant.unrestricted.has(i),
          managementEvent: management.has(i),
        });
      });
      return out;
    },
    unknownActions: grant.unknownActions
      .filter((u) => !u.fullyDenied && !u.outsideBoundary)
      .map((u) => ({ action: u.action, policy: u.grantedBy.policyName })),
    partialDenies: grant.partiallyDenied.size,
    errors: grant.errors.map((e) => e.message),
  };
}

export function buildAuditReport(store: Store, catalog: AwsActionCatalog, options: AuditOptions): AuditReport {
  const { window } = options;
  const contents = store.scanContents(options.scanId);
  const dayWindow = { from: window.from, to: window.to };

  const policies = new Map<string, StoredPolicy>();
  for (const [hash, document] of contents.policies) policies.set(hash, { hash, document });
  const grants = new EffectiveGrantCalculator(catalog).computeAll(
    contents.attachments,
    policies,
    contents.identities.map((i) => i.arn),
  );

  // Which window days CloudTrail was ingested for, per account, from all history.
  const allDays = windowDays(window);
  const ctDays = new Map<string, Set<string>>();
  for (const d of store.cloudTrailDays(dayWindow)) {
    let set = ctDays.get(d.accountId);
    if (!set) ctDays.set(d.accountId, (set = new Set()));
    set.add(d.day);
  }

  const usageByIdentity: Map<string, UsageRow[]> = groupBy(store.usageFor(dayWindow), (u) => u.identityArn);

  const accessAdvisor = new Map(contents.accessAdvisor.map((r) => [r.identityArn, r]));
  const aliases = new Map(contents.accounts.map((a) => [a.accountId, a.alias]));
  const credentialsByIdentity = groupBy(contents.credentials, (c) => c.identityArn);
  const attachmentsByIdentity = groupBy(contents.attachments, (a) => a.identityArn);
  const serviceTitle = (prefix: string) => catalog.service(prefix)?.title;

  const coverage: CoverageEntry[] = [...contents.coverage];
  const identities: IdentityAudit[] = [];
  for (const identity of contents.identities) {
    const grant = grants.get(identity.arn);
    if (!grant) throw new Error(`no grant computed for ${identity.arn}`);
    const seenDays = ctDays.get(identity.accountId);
    const audit = auditIdentity({
      identity,
      accountAlias: aliases.get(identity.accountId),
      credentials: credentialsByIdentity.get(identity.arn) ?? [],
      attachments: attachmentsByIdentity.get(identity.arn) ?? [],
      grant: grantViewOf(grant, catalog),
      usage: usageByIdentity.get(identity.arn) ?? [],
      accessAdvisor: accessAdvisor.get(identity.arn),
      cloudTrailSeen: (seenDays?.size ?? 0) > 0,
      cloudTrailCoversWindow: seenDays !== undefined && allDays.every((d) => seenDays.has(d)),
      serviceName: serviceTitle,
      window,
    });
    for (const message of audit.errors)
      coverage.push({ scope: identity.arn, source: 'policy', status: 'gap', reason: message });
    identities.push(audit);
  }

  for (const account of contents.accounts) {
    const seen = ctDays.get(account.accountId)?.size ?? 0;
    if (seen > 0 && seen < window.days) {
      coverage.push({
        scope: `aws:${account.accountId}`,
        source: 'cloudtrail',
        status: 'partial',
        reason: `CloudTrail covers ${seen} of the ${window.days} window days; actions it did not see are 'unknown', not 'unused'`,
        detail: { daysSeen: seen, windowDays: window.days },
      });
    }
  }

  const summary = identities.reduce(
    (s, i) => ({
      identities: s.identities + 1,
      grantedActions: s.grantedActions + i.granted.actions,
      usedActions: s.usedActions + i.used.actions,
      unusedActions: s.unusedActions + i.unused.actions,
      unknownActions: s.unknownActions + i.unknown.actions,
    }),
    { identities: 0, grantedActions: 0, usedActions: 0, unusedActions: 0, unknownActions: 0 },
  );

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'keywarden', version: options.toolVersion },
    generatedAt: (options.now ?? new Date()).toISOString(),
    scan: { id: contents.scan.id, source: contents.scan.source, collectedAt: contents.scan.collectedAt },
    window: { from: window.from, to: window.to, days: window.days },
    accounts: contents.accounts.map((a) => ({
      provider: a.provider,
      accountId: a.accountId,
      alias: a.alias,
      identities: contents.identities.filter((i) => i.accountId === a.accountId).length,
      cloudTrailDays: ctDays.get(a.accountId)?.size ?? 0,
    })),
    // 'partial' (e.g. CloudTrail history still shorter than the window) is shown, but only a gap is incomplete.
    coverage: { complete: coverage.every((c) => c.status !== 'gap'), entries: coverage },
    cloudTrail: { unmappedEvents: store.unmappedEvents() },
    summary,
    identities,
  };
}
