/**
 * Regions an account is used in that its ingested CloudTrail logs do not
 * cover. A trail logs one region unless it is multi-region, and files are
 * delivered per region (AWSLogs/<account>/CloudTrail/<region>/...), so logs
 * of every window day can still miss a region entirely. CloudTrail's silence
 * there is not evidence of non-use: revoking what "was not used" would break
 * a credential in daily use in the region the trail does not log.
 *
 * What shows a region in use is what IAM records of last use, whatever the
 * trail: RoleLastUsed, an access key's last-used region, and Access
 * Advisor's last-authenticated regions. They name only the newest use, so a
 * region used earlier in the window can still go unseen; this catches the
 * common case, a credential regularly used where the trail is not.
 */
import type { AccessAdvisorReport, Credential, Identity } from '../model/domain.js';

/** One recorded use of a region by an identity: where, when, and which record says so. */
export interface RegionUse {
  region: string;
  identityArn: string;
  at: string;
  /** e.g. `access key AKIA… (credential report)`, `RoleLastUsed`, `Access Advisor (s3)`. */
  via: string;
}

export interface IdentityRegionSources {
  identity: Identity;
  credentials: readonly Credential[];
  accessAdvisor?: AccessAdvisorReport;
}

/** The regions one identity is recorded to have used at or after `since` (epoch ms), with the record naming each. */
export function regionUsesOf(sources: IdentityRegionSources, since: number): RegionUse[] {
  const { identity } = sources;
  const uses: RegionUse[] = [];
  const add = (region: string | undefined, at: string | undefined, via: string) => {
    if (!region || !at) return;
    const ms = Date.parse(at);
    if (Number.isNaN(ms) || ms < since) return;
    uses.push({ region, identityArn: identity.arn, at, via });
  };
  if (identity.lastUsed) add(identity.lastUsed.region, identity.lastUsed.at, 'RoleLastUsed');
  for (const c of sources.credentials) add(c.lastUsedRegion, c.lastUsedAt, `${c.kind} ${c.id}`);
  for (const service of sources.accessAdvisor?.services ?? []) {
    add(service.lastAuthenticatedRegion, service.lastAuthenticated, `Access Advisor (${service.namespace})`);
    for (const t of service.trackedActions ?? []) add(t.region, t.lastAccessed, `Access Advisor (${t.action})`);
  }
  return uses;
}

/**
 * Per account whose logs were read for some region: the regions in use that
 * none of its logs come from, each with its newest recorded use, in region
 * order. Accounts with no CloudTrail at all are left out: their coverage is
 * already nothing.
 */
export function regionsCloudTrailMissed(
  usesByAccount: ReadonlyMap<string, readonly RegionUse[]>,
  regionsRead: ReadonlyMap<string, ReadonlySet<string>>,
): Map<string, RegionUse[]> {
  const missed = new Map<string, RegionUse[]>();
  for (const [accountId, uses] of usesByAccount) {
    const read = regionsRead.get(accountId);
    if (!read?.size) continue;
    const newest = new Map<string, RegionUse>();
    for (const use of uses) {
      if (read.has(use.region)) continue;
      const seen = newest.get(use.region);
      if (!seen || Date.parse(use.at) > Date.parse(seen.at)) newest.set(use.region, use);
    }
    if (newest.size) missed.set(accountId, [...newest.values()].sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0)));
  }
  return missed;
}

/** The coverage line for an account whose trail misses regions in use: what was read, what was missed, and what it means. */
export function missedRegionsReason(accountId: string, read: ReadonlySet<string>, missed: readonly RegionUse[]): string {
  const examples = missed.map((m) => `${m.region} (${m.identityArn}, ${m.via}, ${m.at.slice(0, 10)})`).join('; ');
  return (
    `CloudTrail logs of account ${accountId} were read for ${[...read].sort().join(', ')} only, but IAM records use in ${examples}: ` +
    `CloudTrail cannot show what is unused in a region it does not log, so in this account actions it did not see are 'unknown', not 'unused' ` +
    `(read a multi-region trail's logs for every region)`
  );
}
