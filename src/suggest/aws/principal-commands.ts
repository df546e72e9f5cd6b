/**
 * The IAM commands that differ between users and roles only in their verb
 * and name option, behind one interface, so each suggestion kind is written
 * once for both.
 */
import type { Identity, PolicyAttachment } from '../../model/domain.js';
import type { PlanArgument, PlannedCommand } from '../command.js';
import { iamCli } from './iam-cli.js';

export interface PrincipalCommands {
  /** `role` or `user`, for sentences. */
  readonly noun: 'role' | 'user';
  readonly name: string;
  attach(policyArn: string): PlannedCommand;
  detach(policyArn: string): PlannedCommand;
  putInline(policyName: string, document: PlanArgument): PlannedCommand;
  deleteInline(policyName: string): PlannedCommand;
}

/**
 * A class rather than an object of arrow functions: planners ask for these
 * once per suggestion (tens of thousands at scale), and a closure per method
 * per call costs more than the commands (tsx also names each closure as it
 * is made).
 */
class IdentityCommands implements PrincipalCommands {
  constructor(
    readonly noun: 'role' | 'user',
    readonly name: string,
  ) {}
  attach(PolicyArn: string): PlannedCommand {
    return this.noun === 'role' ? iamCli.attachRolePolicy({ RoleName: this.name, PolicyArn }) : iamCli.attachUserPolicy({ UserName: this.name, PolicyArn });
  }
  detach(PolicyArn: string): PlannedCommand {
    return this.noun === 'role' ? iamCli.detachRolePolicy({ RoleName: this.name, PolicyArn }) : iamCli.detachUserPolicy({ UserName: this.name, PolicyArn });
  }
  putInline(PolicyName: string, PolicyDocument: PlanArgument): PlannedCommand {
    return this.noun === 'role'
      ? iamCli.putRolePolicy({ RoleName: this.name, PolicyName, PolicyDocument })
      : iamCli.putUserPolicy({ UserName: this.name, PolicyName, PolicyDocument });
  }
  deleteInline(PolicyName: string): PlannedCommand {
    return this.noun === 'role' ? iamCli.deleteRolePolicy({ RoleName: this.name, PolicyName }) : iamCli.deleteUserPolicy({ UserName: this.name, PolicyName });
  }
}

export function principalCommands(identity: Identity): PrincipalCommands {
  if (identity.kind === 'role' || identity.kind === 'user') return new IdentityCommands(identity.kind, identity.name);
  throw new Error(`no IAM policy commands for a ${identity.kind} (${identity.arn})`);
}

/**
 * Whether a command can remove the attachment: a managed policy is detached
 * by its ARN, and an attachment stored without one (a snapshot that did not
 * carry it) cannot be named to IAM. Planners propose no change that would
 * have to leave such a policy in place.
 */
export function removable(attachment: PolicyAttachment): boolean {
  return attachment.kind !== 'managed' || !!attachment.policyArn;
}

/** What removing an identity's own policies (and, for users, group memberships) takes, and how to put them back. */
export interface PolicyRemoval {
  remove: PlannedCommand[];
  restore: PlannedCommand[];
  /** Inline documents saved so the rollback can put them back verbatim. */
  saved: { attachment: PolicyAttachment; documentName: string }[];
}

/**
 * Commands removing every policy the identity holds directly or through a
 * group, except its permissions boundary (which only narrows). Inline
 * documents are saved under `documentName(attachment)` for the rollback.
 * Callers check `removable` first: an attachment it refuses gets no command.
 */
export function removeHeldPolicies(
  identity: Identity,
  attachments: readonly PolicyAttachment[],
  documentName: (attachment: PolicyAttachment) => string,
): PolicyRemoval {
  const p = principalCommands(identity);
  const out: PolicyRemoval = { remove: [], restore: [], saved: [] };
  const groups = new Set<string>();
  for (const a of attachments) {
    if (a.kind === 'permissions-boundary') continue;
    if (a.kind === 'group-inline' || a.kind === 'group-managed') {
      // The group's policies apply to others too: take the user out of the group rather than change the group.
      if (a.groupName !== undefined) groups.add(a.groupName);
      continue;
    }
    if (a.kind === 'managed' && a.policyArn) {
      out.remove.push(p.detach(a.policyArn));
      out.restore.push(p.attach(a.policyArn));
    } else if (a.kind === 'inline') {
      const name = documentName(a);
      out.remove.push(p.deleteInline(a.policyName));
      out.restore.push(p.putInline(a.policyName, { document: name }));
      out.saved.push({ attachment: a, documentName: name });
    }
  }
  for (const GroupName of [...groups].sort()) {
    out.remove.push(iamCli.removeUserFromGroup({ UserName: identity.name, GroupName }));
    out.restore.push(iamCli.addUserToGroup({ UserName: identity.name, GroupName }));
  }
  return out;
}
