/**
 * What the `gcp.*` rules share: the per-service-account evaluation (the GCP
 * twin of perIdentity, same outcome semantics) and the evidence for a
 * binding, an environment and a key, so they read the same in every finding.
 */
import type { GcpHeldBinding } from '../../analyse/gcp/effective-grant.js';
import type { GcpIdentityFacts, GcpKeyFacts, GcpRuleContext } from '../../analyse/gcp/scan-facts.js';
import { printable } from '../../config/patterns.js';
import type { Evidence } from '../../model/finding.js';
import type { FindingDraft, Rule, RuleContext, RuleEvaluation } from '../rule.js';

export function perServiceAccount(
  check: (facts: GcpIdentityFacts, gcp: GcpRuleContext, ctx: RuleContext) => FindingDraft[] | { notApplicable: string },
  options: { judgesGrants?: boolean } = {},
): Rule['evaluate'] {
  return (ctx) =>
    (ctx.gcp?.identities ?? []).map((facts): RuleEvaluation => {
      const identityArn = facts.identity.arn;
      const result = check(facts, ctx.gcp!, ctx);
      if (!Array.isArray(result)) return { identityArn, outcome: 'not-applicable', findings: [], reason: result.notApplicable };
      if (result.length) return { identityArn, outcome: 'fail', findings: result };
      const unknown = facts.grant.unknownRoles;
      if (options.judgesGrants && unknown.length) {
        const reason = `cannot pass: ${unknown.length} role(s) not in the role catalog (${unknown.map((u) => u.role).join(', ')})`;
        return { identityArn, outcome: 'error', findings: [], reason };
      }
      return { identityArn, outcome: 'pass', findings: [] };
    });
}

const LEVEL_WORDS = { organization: 'organisation', folder: 'folder', project: 'project', 'service-account': 'service account' } as const;

/** One binding, with where it was set and every project it reaches. */
export function bindingEvidence(held: GcpHeldBinding, what?: string): Evidence {
  const b = held.binding;
  const reach = b.level === 'organization' || b.level === 'folder' ? `, inherited by ${held.projects.length} project(s) below it` : '';
  return {
    kind: 'policy-statement',
    summary: `${printable(b.role)} bound to ${printable(b.member)} on ${printable(b.resource)} (${LEVEL_WORDS[b.level]} level${reach})${b.condition ? ` if ${printable(b.condition.title ?? b.condition.expression)}` : ''}${what ? `: ${what}` : ''}`,
    detail: {
      role: b.role,
      member: b.member,
      resource: b.resource,
      level: b.level,
      condition: b.condition,
      projects: held.projects.slice(0, 50),
      projectsTotal: held.projects.length,
    },
  };
}

export function projectEnvironmentEvidence(facts: GcpIdentityFacts): Evidence {
  return {
    kind: 'environment',
    summary: `project ${printable(facts.identity.accountId)} is ${facts.environment.environment} (${facts.environment.how})`,
    detail: { projectId: facts.identity.accountId, ...facts.environment },
  };
}

export function keyEvidence(key: GcpKeyFacts, why: string): Evidence {
  const d = key.detail;
  return {
    kind: 'credential',
    summary: `key ${key.credential.id} (${d?.keyType ?? 'type unknown'}${d?.keyOrigin ? `, ${d.keyOrigin}` : ''}) created ${key.credential.createdAt?.slice(0, 10) ?? 'unknown'}, ${d?.validBefore ? `expires ${d.validBefore.slice(0, 10)}` : 'never expires'}, last authenticated ${key.lastAuthenticated?.slice(0, 10) ?? 'not seen'}: ${why}`,
    detail: {
      keyId: key.credential.id,
      keyType: d?.keyType,
      keyOrigin: d?.keyOrigin,
      validAfter: d?.validAfter,
      validBefore: d?.validBefore,
      disabled: d?.disabled,
      lastAuthenticated: key.lastAuthenticated,
    },
  };
}

/**
 * IAM Recommender's ACTIVE recommendations for the service account, those
 * about one binding when `held` is given: the role Google suggests removing
 * and the smaller roles it suggests instead, as evidence.
 */
export function recommendationEvidence(facts: GcpIdentityFacts, held?: GcpHeldBinding): Evidence[] {
  const matching = facts.recommendations.filter((r) => !held || (r.role === held.binding.role && r.resource === held.binding.resource));
  return matching.map((r) => ({
    kind: 'usage',
    summary: r.replacements.length
      ? `IAM Recommender suggests replacing ${printable(r.role)} on ${printable(r.resource)} with ${r.replacements.map((x) => printable(x)).join(', ')}`
      : `IAM Recommender suggests removing ${printable(r.role)} on ${printable(r.resource)} (not used in its observation period)`,
    detail: {
      recommendation: r.name,
      role: r.role,
      resource: r.resource,
      replacements: r.replacements,
      subtype: r.subtype,
      priority: r.priority,
      lastRefresh: r.lastRefresh,
      insights: r.insights,
    },
  }));
}

/** Active user-managed keys: the only ones a person can leak (Google rotates system-managed keys). */
export function userManagedKeys(facts: GcpIdentityFacts): GcpKeyFacts[] {
  return facts.keys.filter((k) => k.detail?.keyType === 'USER_MANAGED' && !k.detail.disabled);
}

/** Held bindings whose (effective) permissions match, with the matches. */
export function bindingsHolding(facts: GcpIdentityFacts, matches: (permission: string) => boolean): { held: GcpHeldBinding; permissions: string[] }[] {
  return facts.grant.held.flatMap((held) => {
    const permissions = (held.permissions ?? []).filter((p) => !held.denied.has(p) && matches(p));
    return permissions.length ? [{ held, permissions }] : [];
  });
}

export const bindingKey = (held: GcpHeldBinding): string => `${held.binding.role}@${held.binding.resource}`;
