/**
 * IAM deny rules (v2): which principals and permissions a rule denies.
 * Deny policies name permissions in v2 form, `iam.googleapis.com/roles.update`,
 * with `*` for all of a service, a resource (`…/roles.*`) or a verb (`…/*.update`);
 * allow policies use v1 form, `iam.roles.update`.
 */
import type { GcpDenyRule } from '../../model/gcp.js';

/**
 * Service FQDNs whose v1 permission prefix is not their first label
 * (`cloudresourcemanager.googleapis.com/projects.setIamPolicy` is
 * `resourcemanager.projects.setIamPolicy`).
 */
export const DENY_SERVICE_PREFIX: Readonly<Record<string, string>> = {
  'cloudresourcemanager.googleapis.com': 'resourcemanager',
};

/** `iam.googleapis.com/roles.update` -> service `iam`, rest `roles.update`. */
function splitV2(permission: string): { service: string; rest: string } | undefined {
  const slash = permission.indexOf('/');
  if (slash < 0) return undefined;
  const fqdn = permission.slice(0, slash);
  return { service: DENY_SERVICE_PREFIX[fqdn] ?? fqdn.split('.')[0]!, rest: permission.slice(slash + 1) };
}

type PermissionMatcher = (permission: string) => boolean;

/** A v2 deny permission (possibly with wildcards) as a test on v1 permissions, parsed once. */
export function denyPermissionMatcher(denied: string): PermissionMatcher {
  const d = splitV2(denied);
  if (!d) return () => false;
  const prefix = `${d.service}.`;
  if (d.rest === '*') return (p) => p.startsWith(prefix);
  if (d.rest.endsWith('.*')) {
    const start = prefix + d.rest.slice(0, -1);
    return (p) => p.startsWith(start);
  }
  if (d.rest.startsWith('*.')) {
    const end = d.rest.slice(1);
    return (p) => p.startsWith(prefix) && p.endsWith(end);
  }
  const exact = prefix + d.rest;
  return (p) => p === exact;
}

/** Whether a v2 deny permission (possibly with wildcards) covers a v1 permission. */
export function denyPermissionCovers(denied: string, permission: string): boolean {
  return denyPermissionMatcher(denied)(permission);
}

const PUBLIC = 'principalSet://goog/public:all';

/** Deny principal identifiers that name a service account (any project), or everyone. */
export function denyPrincipalCovers(principal: string, email: string): boolean {
  if (principal === PUBLIC) return true;
  const m = /^principal:\/\/iam\.googleapis\.com\/projects\/[^/]+\/serviceAccounts\/(.+)$/.exec(principal);
  return m !== null && m[1]!.toLowerCase() === email.toLowerCase();
}

/** A deny rule parsed once: grants test thousands of permissions against it. */
export interface CompiledDenyRule {
  rule: GcpDenyRule;
  /** Whether the rule names the service account (and does not except it). */
  appliesTo(email: string): boolean;
  /** Whether it denies the permission (principals aside). */
  deniesPermission(permission: string): boolean;
}

export function compileDenyRule(rule: GcpDenyRule): CompiledDenyRule {
  const denied = rule.deniedPermissions.map(denyPermissionMatcher);
  const excepted = rule.exceptionPermissions.map(denyPermissionMatcher);
  return {
    rule,
    appliesTo: (email) => rule.deniedPrincipals.some((p) => denyPrincipalCovers(p, email)) && !rule.exceptionPrincipals.some((p) => denyPrincipalCovers(p, email)),
    deniesPermission: (permission) => denied.some((m) => m(permission)) && !excepted.some((m) => m(permission)),
  };
}

/** `cloudresourcemanager.googleapis.com/projects/p` (a deny attachment point) -> `projects/p`. */
export function attachmentResource(attachmentPoint: string): string {
  return decodeURIComponent(attachmentPoint).replace(/^cloudresourcemanager\.googleapis\.com\//, '');
}
