/**
 * AWS response shapes as the AWS CLI prints them (JSON), derived from the
 * SDK's own types rather than redeclared: dates become ISO strings, and
 * policy documents, which the raw API returns URL-encoded, arrive decoded
 * as objects (or, in some exports, as JSON strings).
 */
import type {
  GetAccountAuthorizationDetailsResponse,
  GetServiceLastAccessedDetailsResponse,
  GetCredentialReportResponse,
  ServiceLastAccessed,
  TrackedActionLastAccessed,
  UserDetail,
  RoleDetail,
  GroupDetail,
  ManagedPolicyDetail,
  PolicyVersion,
  PolicyDetail,
} from '@aws-sdk/client-iam';
import type { PolicyDocument } from './policy.js';

/** Replaces SDK Date fields with the ISO strings the CLI prints, recursively. */
export type Wire<T> = T extends Date
  ? string
  : T extends Uint8Array
    ? string
    : T extends (infer U)[]
      ? Wire<U>[]
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

/** A policy document field: decoded object in CLI output, sometimes a (possibly URL-encoded) JSON string. */
type WithDocument<T, K extends keyof T> = Omit<T, K> & { [P in K]?: PolicyDocument | string };

export type WirePolicyDetail = WithDocument<Wire<PolicyDetail>, 'PolicyDocument'>;
export type WirePolicyVersion = WithDocument<Wire<PolicyVersion>, 'Document'>;
export type WireManagedPolicyDetail = Omit<Wire<ManagedPolicyDetail>, 'PolicyVersionList'> & {
  PolicyVersionList?: WirePolicyVersion[];
};
export type WireUserDetail = Omit<Wire<UserDetail>, 'UserPolicyList'> & { UserPolicyList?: WirePolicyDetail[] };
export type WireGroupDetail = Omit<Wire<GroupDetail>, 'GroupPolicyList'> & { GroupPolicyList?: WirePolicyDetail[] };
export type WireRoleDetail = Omit<Wire<RoleDetail>, 'RolePolicyList' | 'AssumeRolePolicyDocument'> & {
  RolePolicyList?: WirePolicyDetail[];
  AssumeRolePolicyDocument?: PolicyDocument | string;
};

export type WireAuthorizationDetails = Omit<
  Wire<GetAccountAuthorizationDetailsResponse>,
  'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies'
> & {
  UserDetailList?: WireUserDetail[];
  GroupDetailList?: WireGroupDetail[];
  RoleDetailList?: WireRoleDetail[];
  Policies?: WireManagedPolicyDetail[];
};

export type WireServiceLastAccessedDetails = Wire<GetServiceLastAccessedDetailsResponse>;
export type WireServiceLastAccessed = Wire<ServiceLastAccessed>;
export type WireTrackedActionLastAccessed = Wire<TrackedActionLastAccessed>;
export type WireCredentialReport = Wire<GetCredentialReportResponse>;
