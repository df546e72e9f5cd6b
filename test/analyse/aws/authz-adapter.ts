/**
 * Test-local adapter: `aws iam get-account-authorization-details` output to
 * snapshot-shaped attachments and policies, just enough to feed the
 * effective-grant calculator (the real importer lives in src/collect/files/).
 */
import { readFileSync } from 'node:fs';
import type { AttachmentKind, PolicyAttachment, StoredPolicy } from '../../../src/model/domain.js';
import type { PolicyDocument } from '../../../src/model/policy.js';
import type { WireAuthorizationDetails, WirePolicyDetail } from '../../../src/model/aws-wire.js';
import { hashOf } from './policy-helpers.js';

export interface AuthzFixture {
  details: WireAuthorizationDetails;
  policies: Map<string, StoredPolicy>;
  attachments: PolicyAttachment[];
  /** Principal name (user or role) -> ARN. */
  arnOf: Map<string, string>;
  /** Every document with where it came from: managed default versions and inline policies. */
  documents: { label: string; hash: string; document: unknown }[];
}

export function loadAuthzFixture(file: string): AuthzFixture {
  const details = JSON.parse(readFileSync(file, 'utf8')) as WireAuthorizationDetails;
  const policies = new Map<string, StoredPolicy>();
  const documents: AuthzFixture['documents'] = [];
  const store = (label: string, document: unknown): string => {
    const hash = hashOf(document);
    policies.set(hash, { hash, document: document as PolicyDocument });
    documents.push({ label, hash, document });
    return hash;
  };

  const managed = new Map<string, { name: string; hash: string; version?: string }>();
  for (const p of details.Policies ?? []) {
    const version = p.PolicyVersionList?.find((v) => v.IsDefaultVersion) ?? p.PolicyVersionList?.find((v) => v.VersionId === p.DefaultVersionId);
    if (!p.Arn || !version) throw new Error(`${file}: managed policy ${p.PolicyName} has no default version`);
    managed.set(p.Arn, { name: p.PolicyName ?? p.Arn, hash: store(`managed ${p.Arn}`, version.Document), ...(version.VersionId ? { version: version.VersionId } : {}) });
  }

  const attachments: PolicyAttachment[] = [];
  const attach = (identityArn: string, kind: AttachmentKind, policyName: string, policyHash: string, extra: Partial<PolicyAttachment> = {}) =>
    attachments.push({ identityArn, kind, policyName, policyHash, ...extra });
  const attachManaged = (identityArn: string, list: { PolicyArn?: string; PolicyName?: string }[] | undefined, kind: AttachmentKind, groupName?: string) => {
    for (const a of list ?? []) {
      const m = managed.get(a.PolicyArn!);
      // An AWS-managed policy absent from the export: keep the attachment so the gap is reported.
      attach(identityArn, kind, a.PolicyName ?? a.PolicyArn!, m?.hash ?? `missing:${a.PolicyArn}`, { policyArn: a.PolicyArn!, ...(m?.version ? { policyVersion: m.version } : {}), ...(groupName ? { groupName } : {}) });
    }
  };
  const attachInline = (identityArn: string, list: WirePolicyDetail[] | undefined, kind: AttachmentKind, groupName?: string) => {
    for (const p of list ?? []) {
      attach(identityArn, kind, p.PolicyName!, store(`inline ${identityArn} ${p.PolicyName}`, p.PolicyDocument), groupName ? { groupName } : {});
    }
  };

  const groups = new Map((details.GroupDetailList ?? []).map((g) => [g.GroupName!, g]));
  const arnOf = new Map<string, string>();
  for (const u of details.UserDetailList ?? []) {
    arnOf.set(u.UserName!, u.Arn!);
    attachInline(u.Arn!, u.UserPolicyList, 'inline');
    attachManaged(u.Arn!, u.AttachedManagedPolicies, 'managed');
    for (const groupName of u.GroupList ?? []) {
      const g = groups.get(groupName);
      if (!g) throw new Error(`${file}: user ${u.UserName} is in unknown group ${groupName}`);
      attachInline(u.Arn!, g.GroupPolicyList, 'group-inline', groupName);
      attachManaged(u.Arn!, g.AttachedManagedPolicies, 'group-managed', groupName);
    }
    if (u.PermissionsBoundary?.PermissionsBoundaryArn) attachManaged(u.Arn!, [{ PolicyArn: u.PermissionsBoundary.PermissionsBoundaryArn }], 'permissions-boundary');
  }
  for (const r of details.RoleDetailList ?? []) {
    arnOf.set(r.RoleName!, r.Arn!);
    attachInline(r.Arn!, r.RolePolicyList, 'inline');
    attachManaged(r.Arn!, r.AttachedManagedPolicies, 'managed');
    if (r.PermissionsBoundary?.PermissionsBoundaryArn) attachManaged(r.Arn!, [{ PolicyArn: r.PermissionsBoundary.PermissionsBoundaryArn }], 'permissions-boundary');
  }
  return { details, policies, attachments, arnOf, documents };
}
