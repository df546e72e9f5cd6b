/**
 * Which GCP escalation methods of the catalog a service account holds, with
 * the bindings behind each permission and the accounts or scopes it leads to
 * (see src/catalog/gcp-escalation-methods.ts for what "holds" means).
 */
import { ACT_AS, GCP_ESCALATION_METHODS, type GcpEscalationMethod } from '../../catalog/gcp-escalation-methods.js';
import { printable } from '../../config/patterns.js';
import type { GcpBinding } from '../../model/gcp.js';
import { bindingsGranting, type GcpEffectiveGrant, type GcpHeldBinding } from './effective-grant.js';
import { projectName, type GcpHierarchy } from './hierarchy.js';

export interface GcpPermissionGrant {
  permission: string;
  bindings: GcpHeldBinding[];
}

export interface GcpFoundEscalation {
  method: GcpEscalationMethod;
  grants: GcpPermissionGrant[];
  /** Service-account targets: other accounts it can become, each with the bindings reaching it. */
  accounts: Map<string, GcpHeldBinding[]>;
  /** Scope targets: resources (`projects/p`, `folders/1`, `organizations/1`) it controls, each with its bindings. */
  scopes: Map<string, GcpHeldBinding[]>;
  /** Some permission of it is granted only under IAM conditions. */
  conditional: boolean;
}

export interface GcpAccountIndex {
  /** Service accounts of the scan by project id (lower-case emails). */
  byProject: ReadonlyMap<string, readonly string[]>;
  hierarchy: GcpHierarchy;
}

/** `roles/x on projects/p (project level) if <condition>`: a binding in words, for edges and evidence. */
export function bindingText(b: GcpBinding): string {
  const condition = b.condition ? ` if ${printable(b.condition.title ?? b.condition.expression)}` : '';
  return `${printable(b.role)} bound to ${printable(b.member)} on ${printable(b.resource)} (${b.level} level)${condition}`;
}

export const conditionText = (b: GcpBinding): string | undefined =>
  b.condition && `IAM condition ${printable(b.condition.title ?? '')}: ${printable(b.condition.expression)}`.replace(' : ', ': ');

/** The other service accounts a binding covers: the one it is set on, or every account in the projects below it. */
export function accountsCovered(held: GcpHeldBinding, self: string, index: GcpAccountIndex): string[] {
  const b = held.binding;
  if (b.level === 'service-account') {
    const email = b.resource.replace(/^serviceAccounts\//, '').toLowerCase();
    return email === self ? [] : [email];
  }
  return held.projects.flatMap((p) => index.byProject.get(p) ?? []).filter((e) => e !== self);
}

/** Whether a binding covers something beyond the account itself (project level and above always does: accounts created later). */
function coversOthers(held: GcpHeldBinding, self: string): boolean {
  return held.binding.level !== 'service-account' || held.binding.resource.replace(/^serviceAccounts\//, '').toLowerCase() !== self;
}

/** Where a custom role is defined (`projects/p` or `organizations/1`), or undefined for predefined roles. */
function customRoleParent(role: string): string | undefined {
  return /^((?:projects|organizations)\/[^/]+)\/roles\//.exec(role)?.[1];
}

export function findGcpEscalations(grant: GcpEffectiveGrant, index: GcpAccountIndex): GcpFoundEscalation[] {
  const self = grant.email.toLowerCase();
  const found: GcpFoundEscalation[] = [];
  for (const method of GCP_ESCALATION_METHODS) {
    const grants = method.permissions.map((permission) => ({ permission, bindings: bindingsGranting(grant, permission) }));
    if (grants.some((g) => !g.bindings.length)) continue;
    const accounts = new Map<string, GcpHeldBinding[]>();
    const scopes = new Map<string, GcpHeldBinding[]>();
    const add = (map: Map<string, GcpHeldBinding[]>, key: string, held: GcpHeldBinding) => map.set(key, [...(map.get(key) ?? []), held]);
    if (method.target === 'service-account') {
      const targeting = method.actAs ? bindingsGranting(grant, ACT_AS) : grants[0]!.bindings;
      const usable = targeting.filter((h) => coversOthers(h, self));
      if (!usable.length) continue;
      if (method.actAs) grants.push({ permission: ACT_AS, bindings: usable });
      else grants[0] = { permission: grants[0]!.permission, bindings: usable };
      for (const held of usable) for (const email of accountsCovered(held, self, index)) add(accounts, email, held);
    } else if (method.target === 'scope') {
      // A role bound on one service account applies to that account only, never to a project's policy.
      const onScope = grants[0]!.bindings.filter((h) => h.binding.level !== 'service-account');
      if (!onScope.length) continue;
      for (const held of onScope) add(scopes, held.binding.resource, held);
    } else {
      const update = grants[0]!.bindings;
      const roles = grant.held.filter((h) => {
        const parent = customRoleParent(h.binding.role);
        if (!parent) return false;
        const node = parent.startsWith('projects/') ? projectName(parent.slice('projects/'.length)) : parent;
        return update.some((u) => index.hierarchy.ancestors(node).includes(u.binding.resource));
      });
      if (!roles.length) continue;
      grants.push({ permission: 'custom role held', bindings: roles });
      for (const held of update) add(scopes, held.binding.resource, held);
    }
    // One permission available only under conditions makes the whole method conditional.
    const conditional = grants.some((g) => g.bindings.every((h) => h.binding.condition !== undefined));
    found.push({ method, grants, accounts, scopes, conditional });
  }
  return found;
}
