/**
 * Long-lived access keys: active keys older than thresholds.keyMaxAgeDays
 * (age from the last rotation, else creation, to the as-of date), users with
 * two active keys, and agents that authenticate with a user's long-lived
 * access key where a role's temporary credentials would do.
 *
 * Granular parts: `Credential::<id>` (age), `TwoActiveKeys`,
 * `AgentLongLivedKey::<id>`. A key whose age is unknown is never called
 * fresh: with nothing else to report, the identity is not-applicable with
 * that reason. Roles have no access keys (not-applicable); root keys are
 * judged by aws.root-account-credentials. A user with no credential record
 * at all is not-applicable: the data cannot tell "no keys" from "no
 * credential report row" (the importer records the latter as a coverage gap).
 */
import { printable } from '../../config/patterns.js';
import type { Evidence } from '../../model/finding.js';
import { perIdentity, type FindingDraft, type Rule } from '../rule.js';
import { credentialEvidence, day, environmentEvidence } from './credential-facts.js';

export const staleAccessKey: Rule = {
  id: 'aws.stale-access-key',
  title: 'Long-lived access key: old, doubled, or held by an agent',
  severity: 'high',
  description:
    'Reports active access keys older than thresholds.keyMaxAgeDays (medium; high for identities attributed to an AI agent or automation), users with two active access keys (medium), and agent identities that hold a long-lived IAM user access key (high).',
  risk:
    'An access key never expires. The longer it lives, the more places it has been copied to (CI variables, laptops, container images, agent configurations, logs), and a leaked key keeps working until someone rotates it. Two active keys usually mean a rotation that was never finished, so the old copy still works. An agent holding a static key can be made to leak it through prompt injection or tool output, and unlike a role session the key does not expire on its own.',
  remediation:
    'Move automation and agents to IAM roles (instance profiles, ECS task roles, IRSA / EKS Pod Identity, IAM Roles Anywhere, or OIDC federation from CI) so they receive short-lived credentials. Where a key must remain, rotate it: create a second key, switch the consumer, deactivate the old key (aws iam update-access-key --status Inactive, reversible), then delete it. Keep one active key per user.',
  references: [
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-workloads-use-roles',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#rotate-credentials',
    'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-3',
    'https://aws.amazon.com/blogs/security/how-to-rotate-access-keys-for-iam-users/',
  ],
  evaluate: perIdentity((facts, ctx) => {
    const { kind } = facts.identity;
    if (kind === 'root') return { notApplicable: 'root access keys are judged by aws.root-account-credentials' };
    if (kind !== 'user') return { notApplicable: `${kind}s have no long-lived access keys` };

    // A user the credential report did not cover looks exactly like a user with no keys: say so rather than pass.
    if (facts.credentials.length === 0) {
      return { notApplicable: 'no credential record for this user: it has no access key and no password, or no credential report covered it' };
    }
    const maxAge = ctx.config.thresholds.keyMaxAgeDays;
    const agent = facts.agent.agent;
    const audits = new Map(facts.audit.credentials.map((c) => [c.id, c]));
    const keys = facts.credentials.filter((c) => c.kind === 'access-key' && c.active === true);
    const unknownState = facts.credentials.filter((c) => c.kind === 'access-key' && c.active === null);
    const agentEvidence: Evidence = {
      kind: 'note',
      summary: `attributed to an AI agent or automation: ${facts.agent.reasons.join('; ')}`,
      detail: { reasons: facts.agent.reasons },
    };
    const findings: FindingDraft[] = [];
    const unknownAge: string[] = [];

    for (const key of keys) {
      const audit = audits.get(key.id);
      const age = audit?.ageDays;
      if (age === undefined) {
        unknownAge.push(key.id);
        continue;
      }
      if (age <= maxAge) continue;
      const born = key.rotatedAt ?? key.createdAt;
      findings.push({
        severity: agent ? 'high' : 'medium',
        title: `access key ${printable(key.id)} is ${age} days old (limit ${maxAge})${agent ? ', on an agent identity' : ''}`,
        credentialId: key.id,
        granular: `Credential::${key.id}`,
        evidence: [
          credentialEvidence(key, audit),
          {
            kind: 'note',
            summary: `${key.rotatedAt ? 'last rotated' : 'created'} ${day(born)}, ${age} days before the as-of date ${day(ctx.window.asOf)}; thresholds.keyMaxAgeDays is ${maxAge}`,
            detail: { ageDays: age, keyMaxAgeDays: maxAge, from: born, asOf: ctx.window.asOf },
          },
          ...(agent ? [agentEvidence] : []),
        ],
      });
    }

    if (keys.length >= 2) {
      findings.push({
        severity: 'medium',
        title: `user ${printable(facts.identity.name)} has ${keys.length} active access keys`,
        granular: 'TwoActiveKeys',
        evidence: [
          ...keys.map((k) => credentialEvidence(k, audits.get(k.id))),
          { kind: 'note', summary: 'two active keys usually mean an unfinished rotation: the older copy still works wherever it was left' },
        ],
      });
    }

    if (agent) {
      for (const key of keys) {
        findings.push({
          severity: 'high',
          title: `agent identity ${printable(facts.identity.name)} authenticates with long-lived access key ${printable(key.id)}`,
          credentialId: key.id,
          granular: `AgentLongLivedKey::${key.id}`,
          evidence: [
            agentEvidence,
            credentialEvidence(key, audits.get(key.id)),
            environmentEvidence(facts),
            {
              kind: 'note',
              summary: 'an IAM role would give this agent short-lived credentials that expire on their own; a user access key works until someone deletes it',
            },
          ],
        });
      }
    }

    const unknownNote = [
      ...unknownAge.map((id) => `access key ${printable(id)}: no creation or rotation date, age unknown`),
      ...unknownState.map((c) => `access key ${printable(c.id)}: whether it is active is unknown`),
    ];
    if (findings.length > 0) {
      if (unknownNote.length > 0) findings[0]!.evidence.push({ kind: 'coverage', summary: unknownNote.join('; ') });
      return findings;
    }
    if (unknownNote.length > 0) return { notApplicable: unknownNote.join('; ') };
    return [];
  }),
};
