/**
 * Runtime checks for the parts of the IAM CLI outputs the importers rely on.
 * The static shapes come from the SDK (model/aws-wire.ts); these schemas only
 * make sure a hand-edited or foreign file fails with a message instead of a
 * crash deep in the transform. Unknown fields pass through untouched.
 */
import { z } from 'zod';

const tagList = z.array(z.looseObject({ Key: z.string(), Value: z.string() }));
const attachedPolicies = z.array(z.looseObject({ PolicyArn: z.string(), PolicyName: z.string().optional() }));
const inlinePolicies = z.array(z.looseObject({ PolicyName: z.string(), PolicyDocument: z.unknown() }));
const boundary = z.looseObject({ PermissionsBoundaryArn: z.string().optional() });
const document = z.union([z.string(), z.record(z.string(), z.unknown())]);

export const userDetailSchema = z.looseObject({
  Arn: z.string(),
  UserName: z.string(),
  UserId: z.string().optional(),
  Path: z.string().optional(),
  CreateDate: z.string().optional(),
  GroupList: z.array(z.string()).optional(),
  UserPolicyList: inlinePolicies.optional(),
  AttachedManagedPolicies: attachedPolicies.optional(),
  PermissionsBoundary: boundary.optional(),
  Tags: tagList.optional(),
});

export const groupDetailSchema = z.looseObject({
  Arn: z.string().optional(),
  GroupName: z.string(),
  GroupPolicyList: inlinePolicies.optional(),
  AttachedManagedPolicies: attachedPolicies.optional(),
});

export const roleDetailSchema = z.looseObject({
  Arn: z.string(),
  RoleName: z.string(),
  RoleId: z.string().optional(),
  Path: z.string().optional(),
  CreateDate: z.string().optional(),
  AssumeRolePolicyDocument: document.optional(),
  RolePolicyList: inlinePolicies.optional(),
  AttachedManagedPolicies: attachedPolicies.optional(),
  PermissionsBoundary: boundary.optional(),
  Tags: tagList.optional(),
  RoleLastUsed: z.looseObject({ LastUsedDate: z.string().optional(), Region: z.string().optional() }).optional(),
});

export const managedPolicySchema = z.looseObject({
  Arn: z.string(),
  PolicyName: z.string(),
  DefaultVersionId: z.string().optional(),
  PolicyVersionList: z
    .array(
      z.looseObject({
        VersionId: z.string().optional(),
        IsDefaultVersion: z.boolean().optional(),
        Document: document.optional(),
      }),
    )
    .optional(),
});

/** One page of `aws iam get-account-authorization-details` (lists are checked entry by entry). */
export const authorizationPageSchema = z.looseObject({
  UserDetailList: z.array(z.unknown()).optional(),
  GroupDetailList: z.array(z.unknown()).optional(),
  RoleDetailList: z.array(z.unknown()).optional(),
  Policies: z.array(z.unknown()).optional(),
  IsTruncated: z.boolean().optional(),
  Marker: z.string().optional(),
  NextToken: z.string().optional(),
});

export const credentialReportSchema = z.looseObject({
  Content: z.string(),
  GeneratedTime: z.string().optional(),
  ReportFormat: z.string().optional(),
});

export const accessAdvisorResultSchema = z.looseObject({
  JobStatus: z.string(),
  JobType: z.string().optional(),
  JobCreationDate: z.string().optional(),
  JobCompletionDate: z.string().optional(),
  IsTruncated: z.boolean().optional(),
  Error: z.looseObject({ Message: z.string().optional(), Code: z.string().optional() }).optional(),
  ServicesLastAccessed: z
    .array(
      z.looseObject({
        ServiceNamespace: z.string(),
        ServiceName: z.string().optional(),
        LastAuthenticated: z.string().optional(),
        LastAuthenticatedRegion: z.string().optional(),
        TrackedActionsLastAccessed: z
          .array(
            z.looseObject({
              ActionName: z.string(),
              LastAccessedTime: z.string().optional(),
              LastAccessedRegion: z.string().optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

export const accessAdvisorJobSchema = z.looseObject({ JobId: z.string() });

const accountTags = z.union([z.record(z.string(), z.string()), tagList]);

/** account.json: the account id, `list-account-aliases` output, and tags in either shape. */
export const accountFileSchema = z.looseObject({
  AccountId: z.union([z.string(), z.number()]).optional(),
  AccountAliases: z.array(z.string()).optional(),
  Tags: accountTags.optional(),
});
