/**
 * What each GCP service account is granted: every allow-policy binding that
 * names it (on the organisation, a folder, a project or another service
 * account), its role expanded to permissions, the projects it reaches
 * (a folder binding reaches every project below), minus deny rules.
 *
 * A deny rule attached at the binding's resource or above removes the
 * permission from that binding. One attached below (a single project under
 * a folder binding) only narrows it: the permission stays, marked partially
 * denied. A conditional deny rule may not apply, so it never removes anything.
 */
import type { GcpRoleCatalog } from '../../catalog/gcp-roles.js';
import type { GcpBinding, GcpDenyRule } from '../../model/gcp.js';
import { serviceAccountOfMember } from '../../model/gcp.js';
import { compileDenyRule, type CompiledDenyRule } from './deny.js';
import { projectName, type GcpHierarchy } from './hierarchy.js';

/** Members that include every service account. */
const EVERYONE = new Set(['allUsers', 'allAuthenticatedUsers']);

export interface GcpHeldBinding {
  binding: GcpBinding;
  /** Undefined when the role is not in the catalog (a coverage gap, not "nothing"). */
  permissions: readonly string[] | undefined;
  /** Project ids the binding reaches. */
  projects: readonly string[];
  /** Permissions of the role that an unconditional deny rule at or above the resource removes. */
  denied: ReadonlySet<string>;
}

export interface GcpEffectiveGrant {
  email: string;
  held: GcpHeldBinding[];
  /** Effective permissions (after deny), from any binding. */
  permissions: Set<string>;
  /** Granted by some binding but removed by deny rules from every binding that grants it. */
  denied: Set<string>;
  /** Effective, but a deny rule below the binding or a conditional deny rule may refuse it somewhere. */
  partiallyDenied: Set<string>;
  unknownRoles: { role: string; resource: string }[];
}

export interface GcpGrantInput {
  bindings: readonly GcpBinding[];
  denyRules: readonly GcpDenyRule[];
  hierarchy: GcpHierarchy;
  roles: GcpRoleCatalog;
  /** Project id of each service account in scope (for service-account-level bindings). */
  projectOfServiceAccount: ReadonlyMap<string, string>;
}

/** The bindings naming each service account, grouped once for all of them. */
function bindingsByMember(bindings: readonly GcpBinding[]): { bySa: Map<string, GcpBinding[]>; everyone: GcpBinding[] } {
  const bySa = new Map<string, GcpBinding[]>();
  const everyone: GcpBinding[] = [];
  for (const b of bindings) {
    if (EVERYONE.has(b.member)) {
      everyone.push(b);
      continue;
    }
    const email = serviceAccountOfMember(b.member);
    if (!email) continue;
    let list = bySa.get(email);
    if (!list) bySa.set(email, (list = []));
    list.push(b);
  }
  return { bySa, everyone };
}

/** The hierarchy node a binding's resource sits at: a service account sits in its project. */
function nodeOf(binding: GcpBinding, input: GcpGrantInput): string | undefined {
  if (binding.level !== 'service-account') return binding.resource;
  const target = binding.resource.replace(/^serviceAccounts\//, '').toLowerCase();
  const project = input.projectOfServiceAccount.get(target);
  return project === undefined ? undefined : projectName(project);
}

export function computeGcpGrants(emails: readonly string[], input: GcpGrantInput): Map<string, GcpEffectiveGrant> {
  const { bySa, everyone } = bindingsByMember(input.bindings);
  const denyAt = new Map<string, CompiledDenyRule[]>();
  for (const rule of input.denyRules) {
    const list = denyAt.get(rule.attachedTo) ?? [];
    list.push(compileDenyRule(rule));
    denyAt.set(rule.attachedTo, list);
  }
  const grants = new Map<string, GcpEffectiveGrant>();
  for (const email of emails) {
    const key = email.toLowerCase();
    grants.set(email, grantFor(key, [...(bySa.get(key) ?? []), ...everyone], denyAt, input));
  }
  return grants;
}

function grantFor(
  email: string,
  bindings: readonly GcpBinding[],
  allDenyAt: ReadonlyMap<string, CompiledDenyRule[]>,
  input: GcpGrantInput,
): GcpEffectiveGrant {
  // Only the rules naming this account matter for it.
  const denyAt = new Map([...allDenyAt].map(([at, rules]) => [at, rules.filter((r) => r.appliesTo(email))] as const).filter(([, rules]) => rules.length));
  const grant: GcpEffectiveGrant = {
    email,
    held: [],
    permissions: new Set(),
    denied: new Set(),
    partiallyDenied: new Set(),
    unknownRoles: [],
  };
  const removedSomewhere = new Set<string>();
  for (const binding of bindings) {
    const permissions = input.roles.permissionsOf(binding.role);
    const node = nodeOf(binding, input);
    const above = node === undefined ? [] : input.hierarchy.ancestors(node);
    const projects = node === undefined ? [] : input.hierarchy.projectsUnder(node);
    // Rules attached at or above the binding's node remove; those below it (only under org/folder bindings) narrow.
    const removing = above.flatMap((n) => denyAt.get(n) ?? []).filter((r) => !r.rule.condition);
    const narrowing = [
      ...above.flatMap((n) => denyAt.get(n) ?? []).filter((r) => r.rule.condition),
      ...[...denyAt].filter(([at]) => !above.includes(at) && node !== undefined && input.hierarchy.ancestors(at).includes(node)).flatMap(([, r]) => r),
    ];
    const denied = new Set<string>();
    if (permissions === undefined) grant.unknownRoles.push({ role: binding.role, resource: binding.resource });
    for (const permission of permissions ?? []) {
      if (removing.length && removing.some((r) => r.deniesPermission(permission))) {
        denied.add(permission);
        removedSomewhere.add(permission);
        continue;
      }
      grant.permissions.add(permission);
      if (narrowing.length && narrowing.some((r) => r.deniesPermission(permission))) grant.partiallyDenied.add(permission);
    }
    grant.held.push({ binding, permissions, projects, denied });
  }
  for (const p of removedSomewhere) if (!grant.permissions.has(p)) grant.denied.add(p);
  return grant;
}

/** The bindings through which a service account holds a permission (after deny). */
export function bindingsGranting(grant: GcpEffectiveGrant, permission: string): GcpHeldBinding[] {
  return grant.held.filter((h) => h.permissions?.includes(permission) && !h.denied.has(permission));
}
