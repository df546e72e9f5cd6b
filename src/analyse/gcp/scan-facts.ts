/**
 * The facts of one stored GCP scan: per service account its effective grant
 * (bindings with inheritance, deny subtracted), keys, last authentication,
 * granted vs used, environment and agent attribution. Shares environment
 * rules, agent attribution and the accumulated usage table with AWS.
 */
import { GcpRoleCatalog } from '../../catalog/gcp-roles.js';
import type { KeywardenConfig } from '../../config/index.js';
import type { AccountInfo, CoverageEntry, Credential, Identity } from '../../model/domain.js';
import type { GcpKeyDetail, GcpRoleRecommendation, GcpSnapshotPart } from '../../model/gcp.js';
import type { IdentityAudit } from '../../report/json-schema.js';
import type { ScanRecord, Store } from '../../store/index.js';
import { groupBy } from '../../util/group-by.js';
import { attributeAgent, type AgentAttribution } from '../agents.js';
import type { EnvironmentResolution } from '../environment.js';
import type { AuditWindow } from '../window.js';
import { buildGcpReach, type GcpReach } from '../reach/build-gcp.js';
import { computeGcpGrants, type GcpEffectiveGrant } from './effective-grant.js';
import { resolveProjectEnvironment } from './environment.js';
import { GcpHierarchy } from './hierarchy.js';
import { gcpIdentityAudit } from './identity-audit.js';
import { gcpUsage, type GcpUsage } from './usage.js';

export interface GcpKeyFacts {
  credential: Credential;
  detail?: GcpKeyDetail;
  /** Latest authentication seen (Activity Analyzer or audit logs), if any. */
  lastAuthenticated?: string;
  /** Audit-log calls made with this key in the window. */
  calls: number;
}

export type GcpAuthenticationSource = 'activity-analyzer' | 'audit-logs';

export interface GcpIdentityFacts {
  identity: Identity;
  project?: AccountInfo;
  disabled: boolean;
  environment: EnvironmentResolution;
  agent: AgentAttribution;
  grant: GcpEffectiveGrant;
  keys: GcpKeyFacts[];
  lastAuthenticated?: { at: string; source: GcpAuthenticationSource };
  /** Whether Activity Analyzer was read for the project's service accounts / keys (else silence is unknown). */
  authenticationObserved: { serviceAccount: boolean; keys: boolean };
  usage: GcpUsage;
  /** ACTIVE IAM role recommendations about this service account's bindings. */
  recommendations: GcpRoleRecommendation[];
  audit: IdentityAudit;
}

export interface GcpRuleContext {
  identities: GcpIdentityFacts[];
  projectEnvironment(projectId: string): EnvironmentResolution;
  /** The service account's grant in the earliest other GCP scan inside the window (privilege creep). */
  referenceGrant(email: string): { scan: ScanRecord; grant: GcpEffectiveGrant } | undefined;
  hierarchy: GcpHierarchy;
  /** The scan's role catalog: predefined roles and the scan's custom roles. */
  roles: GcpRoleCatalog;
  /** Who can become whom (impersonation, actAs, keys, policy rewrites); built on first use. */
  readonly reach: GcpReach;
}

export interface GcpScanFacts {
  context: GcpRuleContext;
  coverage: CoverageEntry[];
}

/** Grants of every service account in one scan, from its stored part and role definitions. */
function grantsOfScan(store: Store, scanId: number, identities: readonly Identity[], part: GcpSnapshotPart) {
  const roles = new GcpRoleCatalog(store.gcpRoles(scanId));
  const hierarchy = new GcpHierarchy(part.resources);
  const grants = computeGcpGrants(
    identities.map((i) => i.arn),
    {
      bindings: part.bindings,
      denyRules: part.denyRules,
      hierarchy,
      roles,
      projectOfServiceAccount: new Map(identities.map((i) => [i.arn, i.accountId])),
    },
  );
  return { grants, hierarchy, roles };
}

const maxIso = (values: (string | undefined)[]): string | undefined =>
  values.filter((v): v is string => v !== undefined).sort().at(-1);

export function gcpScanFacts(store: Store, config: KeywardenConfig, options: { scanId: number; window: AuditWindow }): GcpScanFacts {
  const { window } = options;
  const contents = store.scanContents(options.scanId);
  const part = store.gcpPart(options.scanId);
  const { grants, hierarchy, roles } = grantsOfScan(store, options.scanId, contents.identities, part);
  const projects = new Map(contents.accounts.map((a) => [a.accountId, a]));
  const environments = new Map(contents.accounts.map((a) => [a.accountId, resolveProjectEnvironment(a, hierarchy, config)]));
  const usageByIdentity = groupBy(store.usageFor({ from: window.from, to: window.to }), (u) => u.identityArn);
  const userAgents = groupBy(store.userAgents(), (u) => u.identityArn);
  const credentialsByIdentity = groupBy(contents.credentials, (c) => c.identityArn);
  const keyDetails = new Map(part.keys.map((k) => [k.keyId, k]));
  const insightsBySa = groupBy(part.insights, (i) => i.serviceAccount);
  const recommendationsBySa = groupBy(part.recommendations, (r) => r.serviceAccount);
  const auth = new Map(part.lastAuthentications.map((a) => [`${a.subject}\u0000${a.id}`, a]));
  const disabled = new Set(part.serviceAccounts.filter((s) => s.disabled).map((s) => s.email));
  const unobserved = (projectId: string, source: string) =>
    contents.coverage.some((c) => c.scope === `gcp:${projectId}` && c.source === source && c.status === 'gap');

  const coverage: CoverageEntry[] = [...contents.coverage];
  const identities: GcpIdentityFacts[] = [];
  for (const identity of contents.identities) {
    const grant = grants.get(identity.arn)!;
    for (const u of grant.unknownRoles) {
      coverage.push({ scope: identity.arn, source: 'gcp-roles', status: 'gap', reason: `role ${u.role} (bound on ${u.resource}) is not in the role catalog: its permissions are unknown` });
    }
    const logUsage = usageByIdentity.get(identity.arn) ?? [];
    const keys = (credentialsByIdentity.get(identity.arn) ?? []).map((credential): GcpKeyFacts => {
      const withKey = logUsage.filter((u) => u.credentialId === credential.id);
      return {
        credential,
        detail: keyDetails.get(credential.id),
        lastAuthenticated: maxIso([auth.get(`key\u0000${credential.id}`)?.lastAuthenticated, ...withKey.map((u) => u.lastSeen)]),
        calls: withKey.reduce((n, u) => n + u.count, 0),
      };
    });
    const fromActivity = auth.get(`service-account\u0000${identity.arn}`)?.lastAuthenticated;
    const fromLogs = maxIso(logUsage.map((u) => u.lastSeen));
    const last = maxIso([fromActivity, fromLogs]);
    const usage = gcpUsage(grant, insightsBySa.get(identity.arn) ?? [], logUsage);
    const facts: Omit<GcpIdentityFacts, 'audit'> = {
      identity,
      project: projects.get(identity.accountId),
      disabled: disabled.has(identity.arn),
      environment: environments.get(identity.accountId) ?? { environment: 'unknown', how: 'project not in this scan' },
      agent: attributeAgent(identity, userAgents.get(identity.arn) ?? [], config),
      grant,
      keys,
      lastAuthenticated: last === undefined ? undefined : { at: last, source: last === fromActivity ? 'activity-analyzer' : 'audit-logs' },
      authenticationObserved: {
        serviceAccount: !unobserved(identity.accountId, 'activity-analyzer:service-accounts'),
        keys: !unobserved(identity.accountId, 'activity-analyzer:keys'),
      },
      usage,
      recommendations: recommendationsBySa.get(identity.arn) ?? [],
    };
    identities.push({ ...facts, audit: gcpIdentityAudit(facts, window) });
  }

  const referenceCache = new Map<number, Map<string, GcpEffectiveGrant>>();
  let reach: GcpReach | undefined;
  return {
    coverage,
    context: {
      identities,
      hierarchy,
      roles,
      get reach() {
        return (reach ??= buildGcpReach(
          identities.map((f) => ({ email: f.identity.arn, projectId: f.identity.accountId, grant: f.grant })),
          hierarchy,
        ));
      },
      projectEnvironment: (projectId) => environments.get(projectId) ?? { environment: 'unknown', how: `project ${projectId} is not in the scan` },
      referenceGrant: (email) => {
        const entry = store
          .identityHistory(email)
          .find((h) => h.scan.id !== contents.scan.id && h.scan.collectedAt.slice(0, 10) >= window.from && h.scan.collectedAt <= contents.scan.collectedAt);
        if (!entry) return undefined;
        let grantsThen = referenceCache.get(entry.scan.id);
        if (!grantsThen) {
          const then = store.scanContents(entry.scan.id);
          grantsThen = grantsOfScan(store, entry.scan.id, then.identities, store.gcpPart(entry.scan.id)).grants;
          referenceCache.set(entry.scan.id, grantsThen);
        }
        const grant = grantsThen.get(email);
        return grant && { scan: entry.scan, grant };
      },
    },
  };
}
