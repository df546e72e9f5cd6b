/**
 * Pure mapping of merged `get-account-authorization-details` output into
 * identities and the policies in effect for each of them. Groups are not
 * principals: their policies are attached to each member user.
 */
import type { CoverageEntry, Identity, PolicyAttachment } from '../../../model/domain.js';
import type {
  WireGroupDetail,
  WireManagedPolicyDetail,
  WirePolicyDetail,
  WireRoleDetail,
  WireUserDetail,
} from '../../../model/aws-wire.js';
import type { AuthorizationDetailsExport } from './account-export.js';
import { accountIdOfArn, accountScope, identityScope } from './arn.js';
import { decodePolicyDocument, PolicyDocumentError } from './policy-document.js';
import type { PolicyCollector } from './policy-collector.js';
import { tagsToRecord } from './tags.js';
import { checkedTimestamp } from './timestamps.js';

const SOURCE = 'authorization-details';

export interface AuthorizationParts {
  identities: Identity[];
  attachments: PolicyAttachment[];
  coverage: CoverageEntry[];
}

type Resolved = { hash: string; version?: string } | { problem: string };

/** Describes the export files for messages: one file by name, pages by the first and a count. */
export function describeFiles(files: string[]): string {
  if (files.length <= 2) return files.join(', ');
  return `${files[0]} and ${files.length - 1} more pages`;
}

/** The default version of a managed policy, decoded and stored; or why it cannot be. */
function resolveManagedPolicy(policy: WireManagedPolicyDetail, policies: PolicyCollector): Resolved {
  const versions = policy.PolicyVersionList ?? [];
  const version =
    versions.find((v) => v.IsDefaultVersion === true) ??
    (policy.DefaultVersionId ? versions.find((v) => v.VersionId === policy.DefaultVersionId) : undefined);
  if (!version) {
    return { problem: `default version ${policy.DefaultVersionId ?? '(unnamed)'} is not in its PolicyVersionList` };
  }
  try {
    const hash = policies.add(decodePolicyDocument(version.Document));
    return version.VersionId ? { hash, version: version.VersionId } : { hash };
  } catch (err) {
    if (!(err instanceof PolicyDocumentError)) throw err;
    return { problem: `default version ${version.VersionId ?? ''} document ${err.message}` };
  }
}

export function authorizationDetailsToParts(
  exported: AuthorizationDetailsExport,
  accountId: string,
  policies: PolicyCollector,
): AuthorizationParts {
  const { details } = exported;
  const where = describeFiles(exported.files);
  const identities: Identity[] = [];
  const attachments: PolicyAttachment[] = [];
  const coverage: CoverageEntry[] = [];

  const managed = new Map<string, WireManagedPolicyDetail>();
  for (const policy of details.Policies ?? []) if (policy.Arn) managed.set(policy.Arn, policy);
  const resolved = new Map<string, Resolved>();
  /** Policy ARN -> identities that could not get it, reported once per policy. */
  const unresolved = new Map<string, { problem: string; identities: Set<string> }>();
  const groups = new Map<string, WireGroupDetail>();
  for (const group of details.GroupDetailList ?? []) if (group.GroupName) groups.set(group.GroupName, group);

  const gap = (scope: string, reason: string, detail?: Record<string, unknown>) =>
    coverage.push({ scope, source: SOURCE, status: 'gap', reason, detail: { files: exported.files, ...detail } });
  const badDate = (arn: string, field: string) => (raw: string) =>
    coverage.push({
      scope: identityScope(accountId, arn),
      source: SOURCE,
      status: 'partial',
      reason: `${field} of ${arn} in ${where} is ${JSON.stringify(raw)}, not a date; left unknown`,
      detail: { files: exported.files },
    });

  function attachManaged(
    identity: Identity,
    ref: { PolicyArn?: string; PolicyName?: string },
    kind: 'managed' | 'group-managed' | 'permissions-boundary',
    groupName?: string,
  ): void {
    const arn = ref.PolicyArn;
    if (!arn) return;
    let result = resolved.get(arn);
    if (!result) {
      const policy = managed.get(arn);
      result = policy
        ? resolveManagedPolicy(policy, policies)
        : {
            problem:
              'policy document not in export (AWS-managed policies are only included when get-account-authorization-details runs without --filter or with AWSManagedPolicy)',
          };
      resolved.set(arn, result);
    }
    if ('problem' in result) {
      const entry = unresolved.get(arn) ?? { problem: result.problem, identities: new Set<string>() };
      entry.identities.add(identity.arn);
      unresolved.set(arn, entry);
      return;
    }
    attachments.push({
      identityArn: identity.arn,
      policyHash: result.hash,
      kind,
      policyName: ref.PolicyName ?? managed.get(arn)?.PolicyName ?? arn.split('/').pop() ?? arn,
      policyArn: arn,
      ...(result.version ? { policyVersion: result.version } : {}),
      ...(groupName !== undefined ? { groupName } : {}),
    });
  }

  function attachInline(identity: Identity, policy: WirePolicyDetail, kind: 'inline' | 'group-inline', groupName?: string) {
    const name = policy.PolicyName ?? '(unnamed)';
    try {
      const hash = policies.add(decodePolicyDocument(policy.PolicyDocument));
      attachments.push({
        identityArn: identity.arn,
        policyHash: hash,
        kind,
        policyName: name,
        ...(groupName !== undefined ? { groupName } : {}),
      });
    } catch (err) {
      if (!(err instanceof PolicyDocumentError)) throw err;
      const owner = groupName !== undefined ? `group ${groupName}` : identity.name;
      gap(identityScope(accountId, identity.arn), `inline policy "${name}" of ${owner} in ${where}: document ${err.message}`);
    }
  }

  function baseIdentity(
    entry: WireUserDetail | WireRoleDetail,
    kind: 'user' | 'role',
    name: string,
    uniqueId: string | undefined,
  ): Identity {
    const arn = entry.Arn as string;
    const createdAt = checkedTimestamp(entry.CreateDate, badDate(arn, 'CreateDate'));
    const boundary = entry.PermissionsBoundary?.PermissionsBoundaryArn;
    if (accountIdOfArn(arn) !== accountId) {
      coverage.push({
        scope: identityScope(accountId, arn),
        source: SOURCE,
        status: 'partial',
        reason: `${kind} ${name} has ARN ${arn}, which does not name account ${accountId}; kept as exported`,
        detail: { files: exported.files },
      });
    }
    return {
      provider: 'aws',
      arn,
      accountId,
      kind,
      name,
      ...(entry.Path ? { path: entry.Path } : {}),
      ...(uniqueId ? { uniqueId } : {}),
      ...(createdAt ? { createdAt } : {}),
      tags: tagsToRecord(entry.Tags),
      ...(boundary ? { permissionsBoundaryArn: boundary } : {}),
    };
  }

  for (const user of details.UserDetailList ?? []) {
    const identity = baseIdentity(user, 'user', user.UserName as string, user.UserId);
    identities.push(identity);
    for (const policy of user.UserPolicyList ?? []) attachInline(identity, policy, 'inline');
    for (const ref of user.AttachedManagedPolicies ?? []) attachManaged(identity, ref, 'managed');
    for (const groupName of user.GroupList ?? []) {
      const group = groups.get(groupName);
      if (!group) {
        gap(identityScope(accountId, identity.arn), `user ${identity.name} is a member of group ${groupName}, which is not in ${where}`);
        continue;
      }
      for (const policy of group.GroupPolicyList ?? []) attachInline(identity, policy, 'group-inline', groupName);
      for (const ref of group.AttachedManagedPolicies ?? []) attachManaged(identity, ref, 'group-managed', groupName);
    }
    if (identity.permissionsBoundaryArn) {
      attachManaged(identity, { PolicyArn: identity.permissionsBoundaryArn }, 'permissions-boundary');
    }
  }

  for (const role of details.RoleDetailList ?? []) {
    const identity = baseIdentity(role, 'role', role.RoleName as string, role.RoleId);
    if (role.AssumeRolePolicyDocument !== undefined) {
      try {
        identity.trustPolicy = decodePolicyDocument(role.AssumeRolePolicyDocument);
      } catch (err) {
        if (!(err instanceof PolicyDocumentError)) throw err;
        gap(identityScope(accountId, identity.arn), `trust policy of role ${identity.name} in ${where}: document ${err.message}`);
      }
    } else {
      gap(identityScope(accountId, identity.arn), `role ${identity.name} has no AssumeRolePolicyDocument in ${where}`);
    }
    const lastUsedAt = checkedTimestamp(role.RoleLastUsed?.LastUsedDate, badDate(identity.arn, 'RoleLastUsed.LastUsedDate'));
    if (lastUsedAt) {
      const region = role.RoleLastUsed?.Region;
      identity.lastUsed = { at: lastUsedAt, ...(region ? { region } : {}), source: 'role-last-used' };
    }
    identities.push(identity);
    for (const policy of role.RolePolicyList ?? []) attachInline(identity, policy, 'inline');
    for (const ref of role.AttachedManagedPolicies ?? []) attachManaged(identity, ref, 'managed');
    if (identity.permissionsBoundaryArn) {
      attachManaged(identity, { PolicyArn: identity.permissionsBoundaryArn }, 'permissions-boundary');
    }
  }

  for (const [policyArn, { problem, identities: held }] of unresolved) {
    gap(policyArn, `managed policy ${policyArn}: ${problem}`, { identities: [...held] });
  }

  const counts = {
    users: details.UserDetailList?.length ?? 0,
    groups: details.GroupDetailList?.length ?? 0,
    roles: details.RoleDetailList?.length ?? 0,
    policies: details.Policies?.length ?? 0,
  };
  coverage.unshift(
    exported.missingPages
      ? {
          scope: accountScope(accountId),
          source: SOURCE,
          status: 'partial',
          reason: `every page of ${where} says more follow (IsTruncated/NextToken): at least one page is missing; rerun with --starting-token`,
          detail: { files: exported.files, ...counts },
        }
      : { scope: accountScope(accountId), source: SOURCE, status: 'ok', detail: { files: exported.files, ...counts } },
  );
  return { identities, attachments, coverage };
}
