/**
 * Root user credentials: any access key on the root user, and root sign-ins
 * or key use within `thresholds.rootRecentUseDays` of the as-of date.
 *
 * Root cannot be restricted by IAM policies (only by SCPs), so a root access
 * key is an unscoped, never-expiring key to the whole account: critical
 * whatever the environment. A root key whose active state is unknown is
 * reported one step lower (it exists; whether it works is not known).
 *
 * Recent use is judged from every source that speaks for root: each
 * credential's last-used date (credential report) and the audit's latest use
 * (CloudTrail, Access Advisor). When the data has no console password record
 * for root, console sign-ins are unknown: with nothing else to report, the
 * rule is then not-applicable for root (never a pass), saying why.
 */
import type { Credential } from '../../model/domain.js';
import type { Evidence, Severity } from '../../model/finding.js';
import { printable } from '../../config/patterns.js';
import { perIdentity, type FindingDraft, type Rule } from '../rule.js';
import { lower } from '../severity.js';
import { cloudTrailEvidence, credentialEvidence, day, daysBefore } from './credential-facts.js';

interface RootUse {
  at: string;
  how: string;
  source: string;
  service?: string;
  region?: string;
  credentialId?: string;
}

export const rootAccountCredentials: Rule = {
  id: 'aws.root-account-credentials',
  title: 'Root user has access keys or was used recently',
  severity: 'critical',
  description:
    'Reports every access key on the root user (critical when active) and any use of the root user (console password or access key, from the credential report, CloudTrail or Access Advisor) within thresholds.rootRecentUseDays of the as-of date. Applies only to root identities.',
  risk:
    'The root user holds every permission in the account and IAM policies cannot restrict it. A root access key is a long-lived secret that, once leaked into a script, CI variable or agent configuration, gives complete and unrevocable-by-policy control of the account. Routine use of root means root credentials are handled often, which multiplies the chances they leak.',
  remediation:
    'Delete the root access keys (IAM console, signed in as root: Security credentials > Access keys) after moving whatever used them to an IAM role. Enable MFA on root, store its credentials offline, and use root only for the tasks that require it; in AWS Organizations consider centralized root access management to remove member-account root credentials.',
  references: [
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-tasks.html',
    'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-4',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html',
  ],
  evaluate: perIdentity((facts, ctx) => {
    if (facts.identity.kind !== 'root') return { notApplicable: 'not the root user' };
    const { window } = ctx;
    const recentDays = ctx.config.thresholds.rootRecentUseDays;
    const findings: FindingDraft[] = [];
    const keys = facts.credentials.filter((c) => c.kind === 'access-key');
    const audits = new Map(facts.audit.credentials.map((c) => [c.id, c]));

    for (const key of keys) {
      if (key.active === false) continue;
      const severity: Severity = key.active === true ? 'critical' : lower('critical');
      findings.push({
        severity,
        title:
          key.active === true
            ? `root user has an active access key (${printable(key.id)})`
            : `root user has an access key whose active state is unknown (${printable(key.id)})`,
        credentialId: key.id,
        granular: `Credential::${key.id}`,
        evidence: [
          credentialEvidence(key, audits.get(key.id)),
          {
            kind: 'note',
            summary: 'a root access key carries every permission in the account; IAM policies and permissions boundaries do not apply to root',
          },
        ],
      });
    }

    const uses = rootUses(facts.credentials, facts.audit.lastUsed);
    const recent = uses
      .filter((u) => daysBefore(u.at, window) <= recentDays)
      .sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    const hasPasswordRecord = facts.credentials.some((c) => c.kind === 'password');
    const passwordUnknown: Evidence = {
      kind: 'coverage',
      summary: 'this data has no console password record for root: root console sign-ins are unknown, not absent',
    };

    if (recent.length > 0) {
      const latest = recent[0]!;
      const evidence: Evidence[] = recent.map((u) => ({
        kind: 'usage',
        summary: `root ${u.how} ${day(u.at)} (${daysBefore(u.at, window)} days before the as-of date${u.service ? `, via ${printable(u.service)}` : ''}${u.region ? ` in ${printable(u.region)}` : ''}), per ${u.source}`,
        detail: { at: u.at, source: u.source, credentialId: u.credentialId, service: u.service, region: u.region, rootRecentUseDays: recentDays },
      }));
      for (const c of facts.credentials) if (c.kind === 'password') evidence.push(credentialEvidence(c, audits.get(c.id)));
      if (facts.audit.usageSources.includes('cloudtrail')) evidence.push(cloudTrailEvidence(facts, window));
      if (!hasPasswordRecord) evidence.push(passwordUnknown);
      findings.push({
        severity: 'high',
        title: `root user used ${day(latest.at)} (${latest.how}${latest.service ? ` via ${printable(latest.service)}` : ''}), within ${recentDays} days`,
        granular: 'RecentUse',
        evidence,
      });
    } else if (findings.length > 0) {
      const last = uses.sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
      findings[0]!.evidence.push({
        kind: 'usage',
        summary: last
          ? `root last used ${day(last.at)} (${last.how}), more than ${recentDays} days before the as-of date`
          : `no use of root recorded by any source in this data`,
        detail: last ? { at: last.at, source: last.source } : {},
      });
      if (!hasPasswordRecord) findings[0]!.evidence.push(passwordUnknown);
    }

    if (findings.length === 0 && !hasPasswordRecord) {
      return {
        notApplicable: `root has no access key, but this data has no console password record for root (no credential report row with password data): whether root signed in within ${recentDays} days is unknown`,
      };
    }
    return findings;
  }),
};

/** Every dated use of root the data records, from its credentials and the audit's latest use. */
function rootUses(credentials: Credential[], latest: { at: string; source: string; detail?: string } | undefined): RootUse[] {
  const uses: RootUse[] = [];
  for (const c of credentials) {
    if (!c.lastUsedAt || Number.isNaN(Date.parse(c.lastUsedAt))) continue;
    uses.push({
      at: c.lastUsedAt,
      how: c.kind === 'password' ? 'signed in to the console' : c.kind === 'access-key' ? `used access key ${c.id}` : `used ${c.kind} ${c.id}`,
      source: 'credential report',
      service: c.lastUsedService,
      region: c.lastUsedRegion,
      credentialId: c.id,
    });
  }
  // CloudTrail / Access Advisor see root calls the credential report's dates may not (or may be newer than).
  if (latest && latest.source !== 'credential-report' && !Number.isNaN(Date.parse(latest.at))) {
    uses.push({ at: latest.at, how: 'made calls', source: latest.source, service: latest.detail });
  }
  return uses;
}
