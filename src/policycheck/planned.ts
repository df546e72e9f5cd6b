/**
 * What a policy file says will exist: principals (roles, users, groups) with
 * the policies they will hold, and policies no principal in the input holds
 * (checked as if an agent received them: who gets them is unknown). A value
 * the file cannot tell (Terraform `after_unknown`, an AWS managed policy not
 * known offline, an intrinsic function) is recorded as `unknown`, never as
 * an empty grant.
 */
import type { PolicyDocument } from '../model/policy.js';

export type PlannedKind = 'role' | 'user' | 'group' | 'policy';

export interface PlannedPolicy {
  name: string;
  kind: 'inline' | 'managed' | 'permissions-boundary';
  arn?: string;
  document?: PolicyDocument;
  /** Why the document is not known, or only partly (then `document` holds the known part). */
  unknown?: string;
}

export interface PlannedPrincipal {
  /** Where it is defined: `plan.json:aws_iam_role.agent`, `template.yaml:AgentRole`. */
  source: string;
  kind: PlannedKind;
  name: string;
  path?: string;
  tags: Record<string, string>;
  policies: PlannedPolicy[];
  trustPolicy?: PolicyDocument;
  /** Things about the principal itself the file cannot tell. */
  unknowns: string[];
}

/** Parse a policy document given as JSON text or an object; undefined when it is not one. */
export function policyDocumentOf(value: unknown): PolicyDocument | undefined {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (parsed && typeof parsed === 'object' && 'Statement' in parsed) return parsed as PolicyDocument;
  return undefined;
}

/**
 * AWS managed policies whose documents are known offline. Others are
 * reported as unknown: the check never assumes an unknown policy is harmless.
 * Documents as published in the AWS Managed Policy Reference.
 */
export const KNOWN_AWS_MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  AdministratorAccess: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  IAMFullAccess: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['iam:*', 'organizations:DescribeAccount', 'organizations:DescribeOrganization', 'organizations:DescribeOrganizationalUnit', 'organizations:DescribePolicy', 'organizations:ListChildren', 'organizations:ListParents', 'organizations:ListPoliciesForTarget', 'organizations:ListRoots', 'organizations:ListPolicies', 'organizations:ListTargetsForPolicy'], Resource: '*' }],
  },
  PowerUserAccess: {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['account:GetAccountInformation', 'account:GetPrimaryEmail', 'account:ListRegions', 'iam:CreateServiceLinkedRole', 'iam:DeleteServiceLinkedRole', 'iam:ListRoles', 'organizations:DescribeOrganization'],
        Resource: '*',
      },
    ],
  },
};

/** The managed policy for an `arn:aws:iam::aws:policy/...` ARN, or why it is unknown. */
export function awsManagedPolicy(arn: string): PlannedPolicy | undefined {
  const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!m) return undefined;
  const name = m[1]!;
  const document = KNOWN_AWS_MANAGED_POLICIES[name];
  return document
    ? { name, kind: 'managed', arn, document }
    : { name, kind: 'managed', arn, unknown: `AWS managed policy ${name} is not known offline: its grant is unknown, review it` };
}
