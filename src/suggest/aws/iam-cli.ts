/**
 * AWS CLI commands for IAM, built from the SDK's own request types: the
 * option names are the API's member names in kebab case, exactly as the CLI
 * derives them (`AccessKeyId` -> `--access-key-id`), so a misspelt parameter
 * is a type error rather than a script that fails on Monday.
 */
import type {
  AddUserToGroupRequest,
  AttachRolePolicyRequest,
  AttachUserPolicyRequest,
  CreatePolicyRequest,
  CreateRoleRequest,
  CreateUserRequest,
  DeleteAccessKeyRequest,
  DeleteLoginProfileRequest,
  DeletePolicyRequest,
  DeleteRolePolicyRequest,
  DeleteRoleRequest,
  DeleteUserPolicyRequest,
  DeleteUserRequest,
  DetachRolePolicyRequest,
  DetachUserPolicyRequest,
  PutRolePolicyRequest,
  PutUserPolicyRequest,
  RemoveUserFromGroupRequest,
  CreateAccessKeyRequest,
  UpdateAccessKeyRequest,
  UpdateAssumeRolePolicyRequest,
} from '@aws-sdk/client-iam';
import type { PlanArgument, PlannedCommand } from '../command.js';

/** A request whose members may also be a variable or a document the script supplies. */
type Args<T> = { [K in keyof T]-?: Exclude<T[K], undefined> extends string ? PlanArgument | undefined : never };

/** `AccessKeyId` -> `access-key-id`. */
export function kebab(member: string): string {
  return member.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
}

/** `--access-key-id`: a few dozen member names, each converted once rather than once per command of every suggestion. */
function optionOf(member: string): string {
  let option = options.get(member);
  if (option === undefined) options.set(member, (option = `--${kebab(member)}`));
  return option;
}
const options = new Map<string, string>();

function iam<T>(operation: string, request: Partial<Args<T>>): PlannedCommand {
  const argv: PlanArgument[] = ['aws', 'iam', operation];
  for (const [member, value] of Object.entries(request) as [string, PlanArgument | undefined][]) {
    if (value !== undefined) argv.push(optionOf(member), value);
  }
  return { argv };
}

type Req<T, K extends keyof T> = Pick<Args<T>, K> & Partial<Args<T>>;

export const iamCli = {
  updateAccessKey: (r: Req<UpdateAccessKeyRequest, 'UserName' | 'AccessKeyId' | 'Status'>) => iam<UpdateAccessKeyRequest>('update-access-key', r),
  deleteAccessKey: (r: Req<DeleteAccessKeyRequest, 'UserName' | 'AccessKeyId'>) => iam<DeleteAccessKeyRequest>('delete-access-key', r),
  createAccessKey: (r: Req<CreateAccessKeyRequest, 'UserName'>) => iam<CreateAccessKeyRequest>('create-access-key', r),
  deleteLoginProfile: (r: Req<DeleteLoginProfileRequest, 'UserName'>) => iam<DeleteLoginProfileRequest>('delete-login-profile', r),
  createPolicy: (r: Req<CreatePolicyRequest, 'PolicyName' | 'PolicyDocument'>) => iam<CreatePolicyRequest>('create-policy', r),
  deletePolicy: (r: Req<DeletePolicyRequest, 'PolicyArn'>) => iam<DeletePolicyRequest>('delete-policy', r),
  attachRolePolicy: (r: Req<AttachRolePolicyRequest, 'RoleName' | 'PolicyArn'>) => iam<AttachRolePolicyRequest>('attach-role-policy', r),
  detachRolePolicy: (r: Req<DetachRolePolicyRequest, 'RoleName' | 'PolicyArn'>) => iam<DetachRolePolicyRequest>('detach-role-policy', r),
  attachUserPolicy: (r: Req<AttachUserPolicyRequest, 'UserName' | 'PolicyArn'>) => iam<AttachUserPolicyRequest>('attach-user-policy', r),
  detachUserPolicy: (r: Req<DetachUserPolicyRequest, 'UserName' | 'PolicyArn'>) => iam<DetachUserPolicyRequest>('detach-user-policy', r),
  putRolePolicy: (r: Req<PutRolePolicyRequest, 'RoleName' | 'PolicyName' | 'PolicyDocument'>) => iam<PutRolePolicyRequest>('put-role-policy', r),
  deleteRolePolicy: (r: Req<DeleteRolePolicyRequest, 'RoleName' | 'PolicyName'>) => iam<DeleteRolePolicyRequest>('delete-role-policy', r),
  putUserPolicy: (r: Req<PutUserPolicyRequest, 'UserName' | 'PolicyName' | 'PolicyDocument'>) => iam<PutUserPolicyRequest>('put-user-policy', r),
  deleteUserPolicy: (r: Req<DeleteUserPolicyRequest, 'UserName' | 'PolicyName'>) => iam<DeleteUserPolicyRequest>('delete-user-policy', r),
  updateAssumeRolePolicy: (r: Req<UpdateAssumeRolePolicyRequest, 'RoleName' | 'PolicyDocument'>) =>
    iam<UpdateAssumeRolePolicyRequest>('update-assume-role-policy', r),
  createRole: (r: Req<CreateRoleRequest, 'RoleName' | 'AssumeRolePolicyDocument'>) => iam<CreateRoleRequest>('create-role', r),
  deleteRole: (r: Req<DeleteRoleRequest, 'RoleName'>) => iam<DeleteRoleRequest>('delete-role', r),
  createUser: (r: Req<CreateUserRequest, 'UserName'>) => iam<CreateUserRequest>('create-user', r),
  deleteUser: (r: Req<DeleteUserRequest, 'UserName'>) => iam<DeleteUserRequest>('delete-user', r),
  addUserToGroup: (r: Req<AddUserToGroupRequest, 'UserName' | 'GroupName'>) => iam<AddUserToGroupRequest>('add-user-to-group', r),
  removeUserFromGroup: (r: Req<RemoveUserFromGroupRequest, 'UserName' | 'GroupName'>) => iam<RemoveUserFromGroupRequest>('remove-user-from-group', r),
};
