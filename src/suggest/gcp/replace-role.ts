/**
 * Replace a broad role binding of a service account (a basic role, or a role
 * most of whose permissions it does not use) with the smallest role covering
 * what it exercised:
 *
 * - the predefined role with the fewest permissions that holds every
 *   exercised permission of the binding, lies within the current role (the
 *   swap never grants anything the binding did not) and is strictly smaller
 *   (deprecated and service agent roles are never proposed);
 * - otherwise, for a project binding, a project custom role made of exactly
 *   the exercised permissions (minus those custom roles cannot hold).
 *
 * The new binding keeps the member, resource and condition of the old one.
 * Only bindings whose every permission is observed (used or unused: an
 * ACTIVE Recommender insight watches the role) are replaced: a permission no
 * source observes may be in use, so dropping it is not proposed. A binding
 * of which nothing was used is left to removal, not replacement.
 */
import { createHash } from 'node:crypto';
import type { GcpHeldBinding } from '../../analyse/gcp/effective-grant.js';
import type { GcpIdentityFacts } from '../../analyse/gcp/scan-facts.js';
import { GCP_BASIC_ROLES } from '../../catalog/gcp-risk.js';
import type { GcpRoleCatalog } from '../../catalog/gcp-roles.js';
import { printable } from '../../config/patterns.js';
import type { Finding } from '../../model/finding.js';
import type { GcpBinding, GcpRole } from '../../model/gcp.js';
import { bindingEvidence, bindingKey } from '../../rules/gcp/gcp-rule.js';
import type { PlannedCommand } from '../command.js';
import type { SuggestContext } from '../context.js';
import type { PlannedSuggestion } from '../types.js';
import { gcloud, projectGuard } from './gcloud.js';
import { gcpWithOpenFindings } from './retire.js';

export const REPLACES_GCP_RULES = ['gcp.basic-role', 'gcp.unused-permissions'] as const;

/** Stages that mark a predefined role as not to be granted anew. */
const NOT_FOR_NEW_GRANTS = new Set(['DEPRECATED', 'DISABLED']);
/** Service agent roles are for Google-managed service agents only, never for a workload's own service account. */
const SERVICE_AGENT_ROLE = /serviceagent$/i;

const permissionSets = new WeakMap<GcpRole, ReadonlySet<string>>();
const setOf = (role: GcpRole): ReadonlySet<string> => {
  let set = permissionSets.get(role);
  if (!set) permissionSets.set(role, (set = new Set(role.permissions)));
  return set;
};

/**
 * The predefined role with the fewest permissions (then by name) that holds
 * every `needed` permission, lies within `within` and is strictly smaller
 * than it; undefined when none does.
 */
export function smallestCoveringRole(catalog: GcpRoleCatalog, needed: readonly string[], within: ReadonlySet<string>): GcpRole | undefined {
  let best: GcpRole | undefined;
  for (const role of catalog.roles()) {
    if (role.source !== 'predefined' || role.deleted || NOT_FOR_NEW_GRANTS.has(role.stage ?? '') || SERVICE_AGENT_ROLE.test(role.name)) continue;
    const n = role.permissions.length;
    if (n >= within.size || (best && (n > best.permissions.length || (n === best.permissions.length && role.name > best.name)))) continue;
    const has = setOf(role);
    if (!needed.every((p) => has.has(p)) || !role.permissions.every((p) => within.has(p))) continue;
    best = role;
  }
  return best;
}

/** The custom role's permissions: those a custom role may hold, and what was left out or is only in testing. */
export function customRolePermissions(catalog: GcpRoleCatalog, needed: readonly string[]) {
  const permissions: string[] = [];
  const notSupported: string[] = [];
  const testing: string[] = [];
  const unknown: string[] = [];
  for (const p of [...needed].sort()) {
    const level = catalog.customRoleSupport(p);
    if (level === 'NOT_SUPPORTED') {
      notSupported.push(p);
      continue;
    }
    permissions.push(p);
    if (level === 'TESTING') testing.push(p);
    if (level === undefined) unknown.push(p);
  }
  return { permissions, notSupported, testing, unknown };
}

/** `keywarden_lp_<account id>_<hash>`: custom role ids are `[a-zA-Z0-9_.]{3,64}`, unique per replaced binding. */
export function customRoleId(email: string, binding: GcpBinding): string {
  const account = email.split('@')[0]!.replace(/[^a-zA-Z0-9_]/g, '_').slice(0, 40);
  const hash = createHash('sha256').update(`${binding.role}\u0000${binding.resource}\u0000${binding.condition?.expression ?? ''}`).digest('hex').slice(0, 8);
  return `keywarden_lp_${account}_${hash}`;
}

/** The bindings the findings are about: basic-role bindings named by the finding; for unused permissions, bindings mostly unused. */
function bindingsFor(facts: GcpIdentityFacts, findings: Finding[], ratio: number): { held: GcpHeldBinding; findings: Finding[] }[] {
  const out: { held: GcpHeldBinding; findings: Finding[] }[] = [];
  const unusedFindings = findings.filter((f) => f.ruleId === 'gcp.unused-permissions');
  for (const held of facts.grant.held) {
    if (!held.permissions?.length || held.binding.role.includes('/roles/keywarden_lp_')) continue;
    const about = findings.filter((f) => f.ruleId === 'gcp.basic-role' && f.granular === `Binding::${bindingKey(held)}`);
    const effective = held.permissions.filter((p) => !held.denied.has(p));
    const unused = effective.filter((p) => facts.usage.unused.has(p)).length;
    const broad = GCP_BASIC_ROLES.some((r) => r.role === held.binding.role) || (effective.length > 0 && unused / effective.length >= ratio);
    if (unusedFindings.length && broad) about.push(...unusedFindings);
    if (about.length) out.push({ held, findings: about });
  }
  return out;
}

export function gcpRoleReplacements(ctx: SuggestContext): PlannedSuggestion[] {
  const gcp = ctx.rules.gcp;
  if (!gcp) return [];
  const out: PlannedSuggestion[] = [];
  for (const { facts, findings } of gcpWithOpenFindings(ctx, REPLACES_GCP_RULES)) {
    if (facts.disabled) continue;
    for (const { held, findings: about } of bindingsFor(facts, findings, ctx.rules.config.thresholds.unusedPermissionRatio)) {
      const plan = replacement(gcp.roles, facts, held, about);
      if (plan) out.push(plan);
    }
  }
  return out;
}

function replacement(catalog: GcpRoleCatalog, facts: GcpIdentityFacts, held: GcpHeldBinding, findings: Finding[]): PlannedSuggestion | undefined {
  const { binding } = held;
  const { used, unused } = facts.usage;
  const effective = held.permissions!.filter((p) => !held.denied.has(p));
  // Unknown is not unused: every permission of the binding must be observed before any is dropped.
  if (!effective.every((p) => used.has(p) || unused.has(p))) return undefined;
  const exercised = effective.filter((p) => used.has(p)).sort();
  if (!exercised.length) return undefined;

  const email = facts.identity.arn;
  const project = facts.identity.accountId;
  const current = new Set(effective);
  const predefined = smallestCoveringRole(catalog, exercised, current);
  const custom = predefined || binding.level !== 'project' ? undefined : customRolePermissions(catalog, exercised);
  if (!predefined && (!custom || !custom.permissions.length || custom.permissions.length >= current.size)) return undefined;

  const roleProject = binding.resource.replace(/^projects\//, '');
  const roleId = customRoleId(email, binding);
  const newRole = predefined ? predefined.name : `projects/${roleProject}/roles/${roleId}`;
  const size = predefined ? predefined.permissions.length : custom!.permissions.length;
  const newBinding: GcpBinding = { ...binding, role: newRole };
  const create: PlannedCommand[] = custom ? [gcloud.createProjectRole(roleId, roleProject, `keywarden least privilege for ${email}`.slice(0, 100), custom.permissions)] : [];
  const deleteRole: PlannedCommand[] = custom ? [gcloud.deleteProjectRole(roleId, roleProject)] : [];
  const where = `${printable(binding.resource)}${binding.condition ? ` (condition ${printable(binding.condition.title ?? binding.condition.expression)})` : ''}`;

  const notes = [
    predefined
      ? `${printable(predefined.name)} is the smallest predefined role holding all ${exercised.length} exercised permissions within ${printable(binding.role)}.`
      : `No predefined role within ${printable(binding.role)} holds all ${exercised.length} exercised permissions with fewer permissions; a project custom role holds exactly them.`,
    custom?.notSupported.length ? `Left out because custom roles cannot hold them (NOT_SUPPORTED): ${custom.notSupported.join(', ')}; grant them separately if the workload needs them.` : '',
    custom?.testing.length ? `In testing for custom roles (may change or stop working): ${custom.testing.join(', ')}.` : '',
    custom?.unknown.length
      ? `The role catalog does not say whether custom roles may hold ${custom.unknown.length} of them; if one is NOT_SUPPORTED, gcloud refuses to create the role and the script stops before any binding changes.`
      : '',
  ].filter(Boolean);

  return {
    kind: 'replace-gcp-role',
    provider: 'gcp',
    identityArn: email,
    accountId: project,
    change: `${binding.role}@${binding.resource}#${binding.condition?.expression ?? ''}->${newRole}`,
    title: `Replace ${printable(binding.role)} of ${printable(email)} on ${printable(binding.resource)} (${effective.length} permissions) with ${printable(newRole)} (${size})`,
    resolves: [...new Set(findings.map((f) => f.fingerprint))],
    risk:
      `Anything ${printable(email)} does on ${where} beyond the ${exercised.length} permissions it exercised (Recommender insights${facts.usage.calls.size ? ' and audit logs' : ''}) ` +
      `gets PERMISSION_DENIED after the swap; the rollback binds ${printable(binding.role)} again. ${notes.join(' ')}`,
    evidence: [bindingEvidence(held), { kind: 'usage' as const, summary: `exercised ${exercised.length} of ${effective.length}: ${exercised.slice(0, 20).join(', ')}${exercised.length > 20 ? ', …' : ''}`, detail: { exercised } }, ...findings.flatMap((f) => f.evidence.slice(0, 1))].slice(0, 6),
    steps: [
      {
        stage: 1,
        description: `${custom ? `create custom role ${roleId} with the exercised permissions, ` : ''}bind ${printable(newRole)}, then remove ${printable(binding.role)} (same member, resource and condition)`,
        commands: [...create, gcloud.addBinding(newBinding, project), gcloud.removeBinding(binding, project)],
      },
    ],
    rollback: [
      {
        stage: 1,
        description: `bind ${printable(binding.role)} again, then remove ${printable(newRole)}${custom ? ` and delete the custom role (its id stays reserved for 37 days; gcloud iam roles undelete restores it)` : ''}`,
        commands: [gcloud.addBinding(binding, project), gcloud.removeBinding(newBinding, project), ...deleteRole],
      },
    ],
    ...(custom && {
      replacement: {
        format: 'gcp-custom-role' as const,
        document: { name: newRole, includedPermissions: custom.permissions, stage: 'GA', ...(custom.notSupported.length && { leftOut: custom.notSupported }) },
        coarse: [],
      },
    }),
    documents: [],
    inputs: [],
    guard: projectGuard(project),
  };
}
