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

/** Whether a v2 deny permission (possibly with wildcards) covers a v1 permission. */
export function denyPermissionCovers(denied: string, permission: string): boolean {
  const d = splitV2(denied);
  const dot = permission.indexOf('.');
  if (!d || dot < 0) return false;
  if (permission.slice(0, dot) !== d.service) return false;
  const rest = permission.slice(dot + 1);
  if (d.rest === '*') return true;
  if (d.rest.endsWith('.*')) return rest.startsWith(d.rest.slice(0, -1));
  if (d.rest.startsWith('*.')) return rest.endsWith(d.rest.slice(1));
  return rest === d.rest;
}

const PUBLIC = 'principalSet://goog/public:all';

/** Deny principal identifiers that name a service account (any project), or everyone. */
export function denyPrincipalCovers(principal: string, email: string): boolean {
  if (principal === PUBLIC) return true;
  const m = /^principal:\/\/iam\.googleapis\.com\/projects\/[^/]+\/serviceAccounts\/(.+)$/.exec(principal);
  return m !== null && m[1]!.toLowerCase() === email.toLowerCase();
}

/** Whether an unconditional reading of the rule denies `permission` to `email`. */
export function denies(rule: GcpDenyRule, email: string, permission: string): boolean {
  return (
    rule.deniedPrincipals.some((p) => denyPrincipalCovers(p, email)) &&
    !rule.exceptionPrincipals.some((p) => denyPrincipalCovers(p, email)) &&
    rule.deniedPermissions.some((p) => denyPermissionCovers(p, permission)) &&
    !rule.exceptionPermissions.some((p) => denyPermissionCovers(p, permission))
  );
}

/** `cloudresourcemanager.googleapis.com/projects/p` (a deny attachment point) -> `projects/p`. */
export function attachmentResource(attachmentPoint: string): string {
  return decodeURIComponent(attachmentPoint).replace(/^cloudresourcemanager\.googleapis\.com\//, '');
}
