/**
 * Credentials and identities nobody used in the window.
 *
 * Users: each active access key or console password that was never used, or
 * last used before the window, with no CloudTrail call in the window that can
 * be its (`Credential::<id>`); and the user itself (`Identity`) when no
 * source saw it act in the window and none of its credentials was used.
 *
 * Offline credential reports name keys `<userArn>#access_key_N`, while
 * CloudTrail carries real key ids (AKIA…, or ASIA… for sessions), so calls
 * cannot be tied to such keys. When CloudTrail shows calls of the user from
 * key ids tied to none of its known credentials, a key without a known id
 * (and a console password, whose sessions sign with temporary keys) may be
 * the one that made them: it is reported as unknown in the reason, never as
 * unused. A key known by its real id is still unused then: the calls carry
 * other ids.
 *
 * Roles: unused when the audit says so (a source observed the silence), or
 * when the newest RoleLastUsed in this scan or any stored scan of the role is
 * before the window (a date older than the window is positive evidence of no
 * use since). A role no source speaks for is not-applicable with the reason
 * 'no usage source covers this role': unknown, never a pass.
 *
 * Root is left to aws.root-account-credentials.
 *
 * Severity (severity.ts scale): low when the identity can only read or list;
 * medium when it holds Write or Permissions management; high when it can
 * also change production (unknown environment weighs as production).
 */
import { isInWindow } from '../../analyse/window.js';
import { printable } from '../../config/patterns.js';
import type { Evidence } from '../../model/finding.js';
import { firstOnly, lazyEvidence, roomAfter } from '../lazy-evidence.js';
import { perIdentity, type FindingDraft, type IdentityFacts, type Rule, type RuleContext } from '../rule.js';
import {
  cloudTrailEvidence,
  credentialEvidence,
  credentialLabel,
  credentialUses,
  day,
  unusedSeverity,
  unusedSeverityEvidence,
  type CredentialUse,
} from './credential-facts.js';

export const unusedCredential: Rule = {
  id: 'aws.unused-credential',
  title: 'Credential or identity not used in the window',
  severity: 'high',
  description:
    'Reports active access keys and console passwords never used or not used within the audit window (and with no CloudTrail call in the window that can be theirs), users no source saw act in the window, and roles not used in the window (Access Advisor or full CloudTrail coverage saw no use, or RoleLastUsed is older than the window).',
  risk:
    'A credential nobody uses still works. Forgotten keys of decommissioned automation and agents are the ones that leak from old CI variables, laptops and repositories, and their use by an attacker stands out to nobody because nobody expects them to be used at all. Unused roles keep their trust policies and grants open for anyone who can still assume them.',
  remediation:
    'Deactivate the unused access key (aws iam update-access-key --status Inactive, reversible with --status Active), wait to see that nothing breaks, then delete it. Remove unused console passwords (aws iam delete-login-profile). Delete users and roles nobody uses after confirming with their owner; if an identity is deliberately kept for rare use (break-glass), suppress the finding with that reason and an owner.',
  references: [
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage_delete.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html',
    'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-8',
  ],
  evaluate: perIdentity((facts, ctx) => {
    switch (facts.identity.kind) {
      case 'root':
        return { notApplicable: 'root credentials are judged by aws.root-account-credentials' };
      case 'role':
        return judgeRole(facts, ctx);
      case 'user':
        return judgeUser(facts, ctx);
      default:
        return { notApplicable: `not an AWS user or role (${facts.identity.kind})` };
    }
  }),
};

function judgeUser(facts: IdentityFacts, ctx: RuleContext): FindingDraft[] | { notApplicable: string } {
  const { window } = ctx;
  const uses = credentialUses(facts, window);
  const unused = uses.filter((u) => u.status === 'unused');
  const unknown = uses.filter((u) => u.status === 'unknown');
  const used = uses.filter((u) => u.status === 'used');
  const findings: FindingDraft[] = [];
  if (unused.length === 0 && (used.length > 0 || facts.audit.status === 'used')) {
    return unknown.length === 0 ? [] : { notApplicable: unknownReason(unknown) };
  }

  const severity = unused.length > 0 || facts.audit.status === 'unused' ? unusedSeverity(facts) : undefined;
  // Evidence is built when read (lazy-evidence.ts); what could not be judged on the same identity closes every finding's, so a reviewer sees the whole picture.
  // Given the room left by the items before it: a builder asked for its first items (a suggestion's quote) makes no more of it than is read.
  const weight = (room: number) => unusedSeverityEvidence(facts, ctx.catalog, room);
  const unknownNote = (): Evidence[] => (unknown.length > 0 ? [{ kind: 'note', summary: unknownReason(unknown) }] : []);
  for (const u of unused) {
    const label = credentialLabel(u.credential);
    const draft = {
      severity: severity!,
      title: u.neverUsed
        ? `active ${label} ${printable(u.credential.id)} was never used`
        : `active ${label} ${printable(u.credential.id)} not used since ${day(u.credential.lastUsedAt)} (window ${window.from} to ${window.to})`,
      credentialId: u.credential.id,
      granular: `Credential::${u.credential.id}`,
    };
    findings.push(
      lazyEvidence(draft, (limit) => {
        const first = credentialEvidence(u.credential, u.audit, u.why);
        // Asked for its first line only (SARIF): the rest, the severity's weighing above all, is not made.
        if (firstOnly(limit)) return [first];
        const before = [first, cloudTrailEvidence(facts, window), ...others(uses, u)];
        return [...before, ...weight(roomAfter(limit, before.length)), ...unknownNote()];
      }),
    );
  }

  // The user as a whole: nothing used it, and a source could have seen it if something had.
  const userUnused = used.length === 0 && unknown.length === 0 && facts.audit.status !== 'used' && (facts.audit.status === 'unused' || unused.length > 0);
  if (userUnused) {
    const latest = facts.audit.lastUsed;
    const draft = {
      severity: severity!,
      title: `user ${printable(facts.identity.name)} not used in the window (${window.from} to ${window.to})${latest ? `; last use seen ${day(latest.at)}` : ''}`,
      granular: 'Identity',
    };
    findings.push(
      lazyEvidence(draft, (limit) => {
        const before: Evidence[] = [
          {
            kind: 'usage',
            summary: latest
              ? `latest use of the user seen: ${day(latest.at)} per ${latest.source}${latest.detail ? ` (${printable(latest.detail)})` : ''}, before the window`
              : `no use of the user recorded by ${facts.audit.usageSources.join(', ') || 'any source'}`,
            detail: { identityStatus: facts.audit.status, lastUsed: latest, usageSources: facts.audit.usageSources },
          },
          cloudTrailEvidence(facts, window),
          ...uses.map((u) => credentialEvidence(u.credential, u.audit, u.why)),
          ...(uses.length === 0 ? [{ kind: 'note' as const, summary: 'the user has no active access key or console password' }] : []),
        ];
        return [...before, ...weight(roomAfter(limit, before.length)), ...unknownNote()];
      }),
    );
  }
  if (findings.length > 0) return findings;
  if (unknown.length > 0) return { notApplicable: unknownReason(unknown) };
  return {
    notApplicable: `no usage source covers this user: ${facts.audit.usageSources.length ? `only ${facts.audit.usageSources.join(', ')}` : 'no credential report, CloudTrail or Access Advisor data for it'}`,
  };
}

function others(uses: CredentialUse[], self: CredentialUse): Evidence[] {
  return uses.filter((u) => u !== self).map((u) => credentialEvidence(u.credential, u.audit, `${u.status}: ${u.why}`));
}

function unknownReason(unknown: CredentialUse[]): string {
  return `use in the window unknown for ${unknown.map((u) => `${credentialLabel(u.credential)} ${printable(u.credential.id)} (${u.why})`).join('; ')}`;
}

function judgeRole(facts: IdentityFacts, ctx: RuleContext): FindingDraft[] | { notApplicable: string } {
  const { window } = ctx;
  const { audit } = facts;
  if (audit.status === 'used') return [];

  // The newest dated use known for the role, from this scan and from every stored scan of it (the earliest scan on a tie).
  let newest: { at: string; source: string; detail?: string; scanId?: number } | undefined = audit.lastUsed;
  const stored = ctx.lastUse(facts.identity.arn);
  if (stored && (!newest || Date.parse(stored.at) > Date.parse(newest.at))) {
    newest = { at: stored.at, source: stored.source, detail: stored.region, scanId: stored.scanId };
  }
  if (newest && (isInWindow(newest.at, window) || Date.parse(newest.at) > Date.parse(window.asOf))) return [];

  const silenceObserved = audit.status === 'unused';
  const olderThanWindow = newest !== undefined;
  if (!silenceObserved && !olderThanWindow) return { notApplicable: 'no usage source covers this role' };

  const usage = (): Evidence => ({
    kind: 'usage',
    summary: newest
      ? `last use seen ${day(newest.at)} per ${newest.source}${newest.scanId !== undefined ? ` (stored scan ${newest.scanId})` : ''}, before the window (${window.from} to ${window.to})`
      : `no use in the window (${window.from} to ${window.to}) seen by ${audit.usageSources.join(', ')}, which observe this role`,
    detail: { lastUsed: newest, identityStatus: audit.status, usageSources: audit.usageSources, window: { from: window.from, to: window.to } },
  });
  const draft = {
    severity: unusedSeverity(facts),
    title: `role ${printable(facts.identity.name)} not used in the window${newest ? `; last used ${day(newest.at)}` : ''}`,
    granular: 'Identity',
  };
  // Asked for its first line only (SARIF), the usage line alone.
  return [
    lazyEvidence(draft, (limit) => {
      if (firstOnly(limit)) return [usage()];
      const before = [usage(), cloudTrailEvidence(facts, window)];
      return [...before, ...unusedSeverityEvidence(facts, ctx.catalog, roomAfter(limit, before.length))];
    }),
  ];
}
