/**
 * Turns one stored scan into the facts rules and reports read: per identity,
 * its effective grant, granted-vs-used audit, environment and agent
 * attribution. Pure over what the store returns; the store is only read.
 */
import type { AwsActionCatalog } from '../catalog/aws-actions.js';
import { ActionSet } from '../catalog/action-set.js';
import { recordedByManagementTrail } from '../catalog/cloudtrail-observability.js';
import type { KeywardenConfig } from '../config/index.js';
import type { AccountInfo, CoverageEntry, PolicyAttachment, StoredPolicy, UnmappedEvent } from '../model/domain.js';
import type { RuleContext, IdentityFacts, ReferenceGrant } from '../rules/rule.js';
import type { ScanRecord, Store, StoredLastUse } from '../store/index.js';
import { groupBy } from '../util/group-by.js';
import { attributeAgent } from './agents.js';
import { missedRegionsReason, regionsCloudTrailMissed, regionUsesOf, type RegionUse } from './cloudtrail-regions.js';
import { EffectiveGrantCalculator, type EffectiveGrant } from './aws/effective-grant.js';
import { resolveAccounts, resolveResourceEnvironment, type EnvironmentResolution } from './environment.js';
import { auditIdentityWithSets, SharedServiceFacts, type GrantView, type UsageRow } from './granted-vs-used.js';
import { windowDays, type AuditWindow } from './window.js';
import { buildAwsReach, type AwsReach } from './reach/index.js';
import { gcpScanFacts } from './gcp/scan-facts.js';
import { NO_TIMER, type PhaseTimer } from '../util/phase-clock.js';

export interface ScanFacts {
  scan: ScanRecord;
  accounts: AccountInfo[];
  /** Days of the window with CloudTrail data, per account id. */
  cloudTrailDays: Map<string, number>;
  coverage: CoverageEntry[];
  unmappedEvents: UnmappedEvent[];
  context: RuleContext;
}

/** Catalog indices of actions a management-events trail records, computed once per catalog. */
const managementActionsByCatalog = new WeakMap<AwsActionCatalog, ActionSet>();
export function managementActions(catalog: AwsActionCatalog): ActionSet {
  let set = managementActionsByCatalog.get(catalog);
  if (!set) {
    set = ActionSet.empty(catalog.size);
    for (let i = 0; i < catalog.size; i++) if (recordedByManagementTrail(catalog.keyAt(i))) set.add(i);
    managementActionsByCatalog.set(catalog, set);
  }
  return set;
}

/** Adapts an EffectiveGrant to the view granted-vs-used needs (sets and per-service counts, no per-action objects). */
export function grantViewOf(grant: EffectiveGrant): GrantView {
  return {
    actions: grant.actions,
    unrestricted: grant.unrestricted,
    services: grant.byService(),
    unknownActions: grant.unknownActions
      .filter((u) => !u.fullyDenied && !u.outsideBoundary)
      .map((u) => ({ action: u.action, policy: u.grantedBy.policyName })),
    partialDenies: grant.partiallyDenied.size,
    errors: grant.errors.map((e) => e.message),
  };
}

export function scanFacts(
  store: Store,
  catalog: AwsActionCatalog,
  config: KeywardenConfig,
  options: { scanId: number; window: AuditWindow; timer?: PhaseTimer },
): ScanFacts {
  const { window } = options;
  const timer = options.timer ?? NO_TIMER;
  if (store.getScan(options.scanId)?.provider === 'gcp') return gcpFacts(store, catalog, config, options);
  const contents = timer.measure('read scan', () => store.scanContents(options.scanId));
  const dayWindow = { from: window.from, to: window.to };

  const policies = new Map<string, StoredPolicy>();
  for (const [hash, document] of contents.policies) policies.set(hash, { hash, document });
  const calculator = new EffectiveGrantCalculator(catalog);
  const grants = timer.measure('grants', () =>
    calculator.computeAll(
      contents.attachments,
      policies,
      contents.identities.map((i) => i.arn),
    ),
  );

  // Which window days CloudTrail was ingested for, per account, from all history.
  // The as-of day is still being delivered when an audit runs, so coverage is judged on the days before it.
  const completedDays = windowDays(window).slice(0, -1);
  const ctDays = new Map<string, Set<string>>();
  const ctRegions = new Map<string, Set<string>>();
  for (const d of store.cloudTrailDays(dayWindow)) {
    let set = ctDays.get(d.accountId);
    if (!set) ctDays.set(d.accountId, (set = new Set()));
    set.add(d.day);
    let regions = ctRegions.get(d.accountId);
    if (!regions) ctRegions.set(d.accountId, (regions = new Set()));
    regions.add(d.region);
  }

  const { usageByIdentity, userAgents, resourceEvidence } = timer.measure('read usage', () => ({
    usageByIdentity: groupBy(store.usageFor(dayWindow), (u) => u.identityArn) as Map<string, UsageRow[]>,
    userAgents: groupBy(store.userAgents(), (u) => u.identityArn),
    resourceEvidence: store.resourceEvidence(dayWindow),
  }));
  const accessAdvisor = new Map(contents.accessAdvisor.map((r) => [r.identityArn, r]));
  const accounts = new Map(contents.accounts.map((a) => [a.accountId, a]));
  const accountEnvironments = resolveAccounts(contents.accounts, config);
  const credentialsByIdentity = groupBy(contents.credentials, (c) => c.identityArn);
  const attachmentsByIdentity = groupBy(contents.attachments, (a) => a.identityArn);

  // Every window day can be logged and still not every region: an account whose trail misses a region in use is not covered.
  const since = Date.parse(`${window.from}T00:00:00Z`);
  const regionUses = new Map<string, RegionUse[]>();
  for (const identity of contents.identities) {
    const uses = regionUsesOf({ identity, credentials: credentialsByIdentity.get(identity.arn) ?? [], accessAdvisor: accessAdvisor.get(identity.arn) }, since);
    if (!uses.length) continue;
    const inAccount = regionUses.get(identity.accountId);
    if (inAccount) inAccount.push(...uses);
    else regionUses.set(identity.accountId, uses);
  }
  const missedRegions = regionsCloudTrailMissed(regionUses, ctRegions);

  const coverage: CoverageEntry[] = [...contents.coverage];
  const identities: IdentityFacts[] = [];
  const shared = new SharedServiceFacts();
  timer.measure('granted vs used', () => {
    for (const identity of contents.identities) {
      const grant = grants.get(identity.arn);
      if (!grant) throw new Error(`no grant computed for ${identity.arn}`);
      const seenDays = ctDays.get(identity.accountId);
      const credentials = credentialsByIdentity.get(identity.arn) ?? [];
      const attachments = attachmentsByIdentity.get(identity.arn) ?? [];
      const { audit, used, unused } = auditIdentityWithSets({
        identity,
        accountAlias: accounts.get(identity.accountId)?.alias,
        credentials,
        attachments,
        grant: grantViewOf(grant),
        catalog,
        managementActions: managementActions(catalog),
        usage: usageByIdentity.get(identity.arn) ?? [],
        accessAdvisor: accessAdvisor.get(identity.arn),
        cloudTrailSeen: (seenDays?.size ?? 0) > 0,
        cloudTrailCoversWindow: seenDays !== undefined && !missedRegions.has(identity.accountId) && completedDays.every((d) => seenDays.has(d)),
        window,
        shared,
      });
      for (const message of audit.errors) coverage.push({ scope: identity.arn, source: 'policy', status: 'gap', reason: message });
      identities.push({
        identity,
        account: accounts.get(identity.accountId),
        environment: accountEnvironments.get(identity.accountId) ?? { environment: 'unknown', how: 'account not in this scan' },
        agent: attributeAgent(identity, userAgents.get(identity.arn) ?? [], config),
        audit,
        grant,
        usage: { used, unused, resources: resourceEvidence.get(identity.arn) ?? new Map() },
        attachments,
        credentials,
      });
    }
  });

  for (const account of contents.accounts) {
    const seen = ctDays.get(account.accountId)?.size ?? 0;
    if (seen > 0 && seen < completedDays.length) {
      coverage.push({
        scope: `aws:${account.accountId}`,
        source: 'cloudtrail',
        status: 'partial',
        reason: `CloudTrail covers ${seen} of the ${window.days} window days; actions it did not see are 'unknown', not 'unused'`,
        detail: { daysSeen: seen, windowDays: window.days },
      });
    }
  }

  for (const [accountId, missed] of missedRegions) {
    const read = ctRegions.get(accountId)!;
    coverage.push({
      scope: `aws:${accountId}`,
      source: 'cloudtrail',
      status: 'partial',
      reason: missedRegionsReason(accountId, read, missed),
      detail: { regionsRead: [...read].sort(), regionsMissed: missed },
    });
  }

  let reach: AwsReach | undefined;
  return {
    scan: contents.scan,
    accounts: contents.accounts,
    cloudTrailDays: new Map([...ctDays].map(([id, days]) => [id, days.size])),
    coverage,
    unmappedEvents: store.unmappedEvents(),
    context: {
      identities,
      catalog,
      config,
      window,
      resourceEnvironment: memoised((resource) => resolveResourceEnvironment(resource, accountEnvironments, config)),
      history: (arn) => store.identityHistory(arn),
      referenceGrant: referenceGrants(store, calculator, contents.scan, window),
      lastUse: lastUses(store),
      // Built on first use: audits that run no reach rule never pay for the graph.
      get reach() {
        return (reach ??= buildAwsReach(identities, catalog, { timer }));
      },
    },
  };
}

/**
 * One resolution (and one text saying how) per resource: the same resources
 * are placed for each account holding their statements, and production
 * reach keeps every placing for the audit.
 */
function memoised(resolve: (resource: string) => EnvironmentResolution): (resource: string) => EnvironmentResolution {
  const known = new Map<string, EnvironmentResolution>();
  return (resource) => {
    let found = known.get(resource);
    if (!found) known.set(resource, (found = resolve(resource)));
    return found;
  };
}

/** RuleContext.lastUse, read for every identity at once on the first call. */
function lastUses(store: Store): (arn: string) => StoredLastUse | undefined {
  let newest: Map<string, StoredLastUse> | undefined;
  return (arn) => (newest ??= store.newestLastUses()).get(arn);
}

/** A GCP scan: no AWS identities; service accounts go to the rules as `context.gcp`. */
function gcpFacts(store: Store, catalog: AwsActionCatalog, config: KeywardenConfig, options: { scanId: number; window: AuditWindow }): ScanFacts {
  const gcp = gcpScanFacts(store, config, options);
  const scan = store.getScan(options.scanId)!;
  return {
    scan,
    accounts: store.scanContents(options.scanId).accounts,
    cloudTrailDays: new Map(),
    coverage: gcp.coverage,
    unmappedEvents: [],
    context: {
      identities: [],
      catalog,
      config,
      window: options.window,
      resourceEnvironment: (resource) => resolveResourceEnvironment(resource, new Map(), config),
      history: (arn) => store.identityHistory(arn),
      referenceGrant: () => undefined,
      lastUse: lastUses(store),
      gcp: gcp.context,
    },
  };
}

/**
 * Per identity, the earliest other complete scan of it collected inside the
 * window, with its grant then. Each candidate scan's identities and
 * attachments are read once, when the first identity needs them.
 */
function referenceGrants(
  store: Store,
  calculator: EffectiveGrantCalculator,
  current: ScanRecord,
  window: AuditWindow,
): (arn: string) => ReferenceGrant | undefined {
  let candidates: { scan: ScanRecord; members?: Map<string, PolicyAttachment[]>; policies?: Map<string, StoredPolicy> }[] | undefined;
  return (arn) => {
    candidates ??= store
      .listScans()
      .filter((scan) => scan.id !== current.id && scan.collectedAt.slice(0, 10) >= window.from && scan.collectedAt <= current.collectedAt)
      .map((scan) => ({ scan }));
    for (const candidate of candidates) {
      candidate.members ??= store.scanAttachments(candidate.scan.id);
      const attachments = candidate.members.get(arn);
      if (!attachments) continue;
      candidate.policies ??= new Map(
        [...store.policyDocuments(new Set([...candidate.members.values()].flatMap((list) => list.map((a) => a.policyHash))))].map(([hash, document]) => [hash, { hash, document }]),
      );
      return { scan: candidate.scan, attachments, grant: calculator.compute(arn, attachments, candidate.policies) };
    }
    return undefined;
  };
}
