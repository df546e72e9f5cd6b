import { describe, expect, it } from 'vitest';
import { computeGcpGrants } from '../../../src/analyse/gcp/effective-grant.js';
import { denyPermissionCovers, denyPrincipalCovers } from '../../../src/analyse/gcp/deny.js';
import { GcpHierarchy } from '../../../src/analyse/gcp/hierarchy.js';
import { GcpRoleCatalog } from '../../../src/catalog/gcp-roles.js';
import type { GcpBinding, GcpDenyRule } from '../../../src/model/gcp.js';

const SA = 'app@p1.iam.gserviceaccount.com';
const hierarchy = new GcpHierarchy([
  { name: 'organizations/1', kind: 'organization', labels: {} },
  { name: 'folders/2', kind: 'folder', parent: 'organizations/1', labels: {} },
  { name: 'projects/p1', kind: 'project', parent: 'folders/2', labels: {} },
  { name: 'projects/p2', kind: 'project', parent: 'folders/2', labels: {} },
  { name: 'projects/p3', kind: 'project', parent: 'organizations/1', labels: {} },
]);
const roles = new GcpRoleCatalog([
  { name: 'roles/storage.admin', source: 'predefined', permissions: ['storage.buckets.delete', 'storage.buckets.get', 'storage.objects.setIamPolicy'] },
  { name: 'roles/iam.serviceAccountTokenCreator', source: 'predefined', permissions: ['iam.serviceAccounts.getAccessToken'] },
]);
const bind = (resource: string, level: GcpBinding['level'], role = 'roles/storage.admin', m = `serviceAccount:${SA}`): GcpBinding => ({ resource, level, role, member: m });
const deny = (attachedTo: string, permissions: string[], extra: Partial<GcpDenyRule> = {}): GcpDenyRule => ({
  attachedTo,
  policyName: 'd',
  deniedPrincipals: [`principal://iam.googleapis.com/projects/-/serviceAccounts/${SA}`],
  exceptionPrincipals: [],
  deniedPermissions: permissions,
  exceptionPermissions: [],
  ...extra,
});
const grant = (bindings: GcpBinding[], denyRules: GcpDenyRule[] = []) =>
  computeGcpGrants([SA], { bindings, denyRules, hierarchy, roles, projectOfServiceAccount: new Map([[SA, 'p1']]) }).get(SA)!;

describe('GCP effective grant', () => {
  it('a folder binding reaches every project below it, and keeps its level', () => {
    const g = grant([bind('folders/2', 'folder')]);
    expect(g.held[0]!.projects).toEqual(['p1', 'p2']);
    expect(g.held[0]!.binding.level).toBe('folder');
    expect([...g.permissions].sort()).toEqual(['storage.buckets.delete', 'storage.buckets.get', 'storage.objects.setIamPolicy']);
    expect(grant([bind('organizations/1', 'organization')]).held[0]!.projects).toEqual(['p1', 'p2', 'p3']);
  });

  it('bindings for other members do not count; allAuthenticatedUsers does', () => {
    expect(grant([bind('projects/p1', 'project', 'roles/storage.admin', 'serviceAccount:other@p1.iam.gserviceaccount.com')]).permissions.size).toBe(0);
    expect(grant([bind('projects/p1', 'project', 'roles/storage.admin', 'allAuthenticatedUsers')]).permissions.size).toBe(3);
  });

  it('a deny rule at or above the binding removes the permission', () => {
    const g = grant([bind('projects/p1', 'project')], [deny('organizations/1', ['storage.googleapis.com/buckets.delete'])]);
    expect(g.permissions.has('storage.buckets.delete')).toBe(false);
    expect(g.denied).toEqual(new Set(['storage.buckets.delete']));
  });

  it('a deny rule below the binding, or a conditional one, only narrows it', () => {
    const below = grant([bind('folders/2', 'folder')], [deny('projects/p1', ['storage.googleapis.com/buckets.*'])]);
    expect(below.permissions.has('storage.buckets.delete')).toBe(true);
    expect([...below.partiallyDenied].sort()).toEqual(['storage.buckets.delete', 'storage.buckets.get']);
    const conditional = grant([bind('projects/p1', 'project')], [deny('projects/p1', ['storage.googleapis.com/*'], { condition: { expression: "resource.matchTag('env', 'prod')" } })]);
    expect(conditional.permissions.size).toBe(3);
    expect(conditional.partiallyDenied.size).toBe(3);
  });

  it('an exception principal or permission exempts from the deny', () => {
    const exceptSa = grant([bind('projects/p1', 'project')], [deny('projects/p1', ['storage.googleapis.com/*'], { exceptionPrincipals: [`principal://iam.googleapis.com/projects/-/serviceAccounts/${SA}`] })]);
    expect(exceptSa.permissions.size).toBe(3);
    const exceptPerm = grant([bind('projects/p1', 'project')], [deny('projects/p1', ['storage.googleapis.com/*'], { exceptionPermissions: ['storage.googleapis.com/buckets.get'] })]);
    expect([...exceptPerm.permissions]).toEqual(['storage.buckets.get']);
  });

  it('a service-account-level binding sits in the target account\'s project', () => {
    const g = grant([bind(`serviceAccounts/${SA}`, 'service-account', 'roles/iam.serviceAccountTokenCreator')], [deny('projects/p1', ['iam.googleapis.com/serviceAccounts.getAccessToken'])]);
    expect(g.permissions.size).toBe(0);
    expect(g.held[0]!.projects).toEqual(['p1']);
  });

  it('an unknown role is a gap, not an empty grant', () => {
    const g = grant([bind('projects/p1', 'project', 'projects/p1/roles/gone')]);
    expect(g.unknownRoles).toEqual([{ role: 'projects/p1/roles/gone', resource: 'projects/p1' }]);
    expect(g.held[0]!.permissions).toBeUndefined();
  });

  it.each([
    ['iam.googleapis.com/roles.update', 'iam.roles.update', true],
    ['iam.googleapis.com/roles.update', 'iam.roles.create', false],
    ['iam.googleapis.com/*', 'iam.serviceAccountKeys.create', true],
    ['iam.googleapis.com/*', 'storage.buckets.get', false],
    ['storage.googleapis.com/buckets.*', 'storage.buckets.delete', true],
    ['storage.googleapis.com/buckets.*', 'storage.objects.delete', false],
    ['storage.googleapis.com/*.delete', 'storage.objects.delete', true],
    ['storage.googleapis.com/*.delete', 'storage.objects.get', false],
    ['cloudresourcemanager.googleapis.com/projects.setIamPolicy', 'resourcemanager.projects.setIamPolicy', true],
  ])('deny permission %s covers %s: %s', (denied, permission, expected) => {
    expect(denyPermissionCovers(denied, permission)).toBe(expected);
  });

  it.each([
    [`principal://iam.googleapis.com/projects/-/serviceAccounts/${SA}`, true],
    [`principal://iam.googleapis.com/projects/-/serviceAccounts/${SA.toUpperCase()}`, true],
    ['principal://iam.googleapis.com/projects/-/serviceAccounts/other@p1.iam.gserviceaccount.com', false],
    ['principalSet://goog/public:all', true],
    ['principalSet://goog/group/devs@example.com', false],
  ])('deny principal %s covers the account: %s', (principal, expected) => {
    expect(denyPrincipalCovers(principal, SA)).toBe(expected);
  });
});
