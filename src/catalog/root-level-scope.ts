/**
 * Risk-defining data for the `aws.root-level-scope` rule (DESIGN: catalog
 * entries that define risk are data, each with a test asserting it is
 * detected from a minimal policy granting exactly it; see
 * test/rules/root-level-scope.test.ts).
 *
 * - ROOT_LEVEL_SERVICES: services whose every action, held on every
 *   resource, amounts to control over who may do what in the account or the
 *   organisation (identities, policies, credentials, keys, SSO). Holding the
 *   whole service (`iam:*`) is one finding, not one per action.
 * - ROOT_LEVEL_ACTIONS: single actions that are root-level on `*` whatever
 *   their access level (sts:AssumeRole is `Write`, yet on `*` it reaches
 *   every role that trusts the account).
 * - NEAR_ALL_MAX_MISSING_SHARE: an identity holding on every resource all
 *   but this share of the catalog (PowerUserAccess, `NotAction: iam:*`) is
 *   one `Action::*-except` finding naming what it lacks, not hundreds.
 * - READ_ONLY_VERBS: a few catalog actions named Get/List/Describe… are
 *   classed `Permissions management` by the Service Authorization Reference
 *   (e.g. backup:ListIndexedRecoveryPointsForSearch); they change no
 *   permission and are not reported one by one (they still count towards
 *   `*` and service-wide findings).
 * - ADMIN_POLICY_NAMES: AWS-managed policies known to grant `*` on `*`; used
 *   to name the policy in evidence. Detection never relies on the name: an
 *   identity is flagged because its effective grant holds every action.
 */

export interface RootLevelService {
  /** IAM service prefix as the catalog spells it. */
  service: string;
  /** Why holding all of it is root-level, in one line for evidence. */
  why: string;
}

export const ROOT_LEVEL_SERVICES: readonly RootLevelService[] = [
  { service: 'iam', why: 'creates identities and credentials and writes any policy: full control of the account' },
  { service: 'organizations', why: 'controls the organisation: accounts, SCPs and delegated administrators' },
  { service: 'sts', why: 'assumes roles and federates: acts as any principal that trusts this one' },
  { service: 'kms', why: 'controls encryption keys and their key policies: decrypts or destroys encrypted data' },
  { service: 'sso', why: 'manages IAM Identity Center permission sets and assignments across accounts' },
  { service: 'sso-directory', why: 'manages IAM Identity Center directory users and groups' },
  { service: 'identitystore', why: 'manages the Identity Center identity store: users, groups, memberships' },
  { service: 'account', why: 'changes account settings, contacts, regions and alternate contacts' },
];

export interface RootLevelAction {
  /** `service:Action` as the catalog spells it. */
  action: string;
  why: string;
}

export const ROOT_LEVEL_ACTIONS: readonly RootLevelAction[] = [
  { action: 'sts:AssumeRole', why: 'on every resource it may assume any role, in any account, whose trust policy admits it' },
];

/** AWS-managed policies that are `Allow * on *` by definition (named in evidence, never used to decide). */
export const ADMIN_POLICY_NAMES: readonly string[] = ['AdministratorAccess'];

/** Whether a policy ARN is one of ADMIN_POLICY_NAMES as AWS manages it, in any partition. */
export function isAwsManagedAdminPolicy(policyArn: string | undefined): boolean {
  const m = policyArn === undefined ? null : /^arn:aws[a-z-]*:iam::aws:policy\/(.+)$/.exec(policyArn);
  return m !== null && ADMIN_POLICY_NAMES.includes(m[1]!);
}

/** At most this share of catalog actions may be missing for a near-total grant to be one `Action::*-except` finding. */
export const NEAR_ALL_MAX_MISSING_SHARE = 0.05;

/** Action-name prefixes that read rather than change permissions (see the module comment). */
export const READ_ONLY_VERBS: readonly string[] = ['Get', 'List', 'Describe', 'Search', 'View'];

/** Whether a catalog action name (without service) starts with a read-only verb followed by a capital letter. */
export function isReadOnlyName(name: string): boolean {
  return READ_ONLY_VERBS.some((v) => name.startsWith(v) && (name.length === v.length || /[A-Z]/.test(name.charAt(v.length))));
}
