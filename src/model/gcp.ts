/**
 * GCP-specific parts of a snapshot: the resource hierarchy, allow-policy
 * bindings with the level they were set at, deny rules, role definitions,
 * key details and usage evidence that the provider-neutral Snapshot does
 * not carry. Service accounts and keys themselves are ordinary Identity
 * (key = email, accountId = project id) and Credential (id = key id) rows.
 */

export type GcpResourceKind = 'organization' | 'folder' | 'project';

/** One node of the resource hierarchy; `name` is `organizations/1`, `folders/2` or `projects/<project-id>`. */
export interface GcpResource {
  name: string;
  kind: GcpResourceKind;
  /** Parent resource name; absent for the organisation or when not known. */
  parent?: string;
  displayName?: string;
  labels: Record<string, string>;
  /**
   * Resource Manager tags in effect (bound here or inherited), namespaced key
   * (`123456/environment`) -> short value (`production`). Absent: not read.
   */
  tags?: Record<string, string>;
}

/** Where an allow-policy binding was set: a hierarchy node or one service account (who may act on it). */
export type GcpBindingLevel = GcpResourceKind | 'service-account';

export interface GcpCondition {
  title?: string;
  expression: string;
}

/** One member of one binding of one allow policy. */
export interface GcpBinding {
  /** `organizations/1`, `folders/2`, `projects/p`, or `serviceAccounts/<email>`. */
  resource: string;
  level: GcpBindingLevel;
  role: string;
  /** As the policy writes it: `serviceAccount:x@p.iam.gserviceaccount.com`, `user:…`, `group:…`, `allUsers`… */
  member: string;
  condition?: GcpCondition;
}

/** One deny rule of an IAM v2 deny policy; permissions as v2 writes them (`iam.googleapis.com/roles.update`). */
export interface GcpDenyRule {
  /** Resource the policy is attached to (`organizations/1`, `folders/2`, `projects/p`). */
  attachedTo: string;
  policyName: string;
  deniedPrincipals: string[];
  exceptionPrincipals: string[];
  deniedPermissions: string[];
  exceptionPermissions: string[];
  condition?: GcpCondition;
}

export type GcpRoleSource = 'predefined' | 'custom';

/** A role with its permissions; predefined roles are cached across scans by etag. */
export interface GcpRole {
  name: string;
  title?: string;
  etag?: string;
  stage?: string;
  source: GcpRoleSource;
  deleted?: boolean;
  permissions: string[];
}

export interface GcpKeyDetail {
  keyId: string;
  serviceAccount: string;
  keyType: string;
  keyOrigin?: string;
  keyAlgorithm?: string;
  validAfter?: string;
  /** Absent when the key never expires (9999-12-31T23:59:59Z). */
  validBefore?: string;
  disabled: boolean;
}

/** Policy Analyzer `serviceAccountLastAuthentication` / `serviceAccountKeyLastAuthentication`. */
export interface GcpLastAuthentication {
  subject: 'service-account' | 'key';
  /** Email (service account) or key id. */
  id: string;
  serviceAccount: string;
  /** Absent: observed over the period and never authenticated. */
  lastAuthenticated?: string;
  observedUntil?: string;
}

/** An ACTIVE `google.iam.policy.Insight` for one service account's role binding. */
export interface GcpPermissionInsight {
  name: string;
  serviceAccount: string;
  role: string;
  resource: string;
  exercised: string[];
  inferred: string[];
  currentTotal?: number;
  observationDays?: number;
  lastRefresh?: string;
}

/**
 * An ACTIVE IAM role recommendation for one service account's binding: the
 * role Google suggests removing and the roles it suggests instead (none when
 * the advice is to remove the binding).
 */
export interface GcpRoleRecommendation {
  name: string;
  serviceAccount: string;
  /** The binding's resource: `projects/p`, `folders/1`, `organizations/1`. */
  resource: string;
  role: string;
  replacements: string[];
  /** `REMOVE_ROLE`, `REPLACE_ROLE`, `REPLACE_ROLE_CUSTOMIZABLE`, … */
  subtype?: string;
  description?: string;
  priority?: string;
  lastRefresh?: string;
  /** Insight names the recommendation is based on. */
  insights: string[];
}

export interface GcpSnapshotPart {
  resources: GcpResource[];
  bindings: GcpBinding[];
  denyRules: GcpDenyRule[];
  /** Custom roles seen in this scan and predefined roles delivered with it (both go to the role cache). */
  roles: GcpRole[];
  keys: GcpKeyDetail[];
  lastAuthentications: GcpLastAuthentication[];
  insights: GcpPermissionInsight[];
  serviceAccounts: GcpServiceAccountDetail[];
  /** ACTIVE `google.iam.policy.Recommender` recommendations about service-account bindings. */
  recommendations: GcpRoleRecommendation[];
  /** Per project, where audit-log reading has got to: the next read skips what is at or before it. */
  logCursors: GcpLogCursor[];
}

/** The newest audit-log entry time folded into usage for a project, and the entries at that instant. */
export interface GcpLogCursor {
  projectId: string;
  timestamp: string;
  insertIds: string[];
}

export interface GcpServiceAccountDetail {
  email: string;
  disabled: boolean;
  description?: string;
}

/** The email inside a `serviceAccount:` member, or undefined (deleted accounts are `deleted:serviceAccount:…?uid=…`). */
export function serviceAccountOfMember(member: string): string | undefined {
  return member.startsWith('serviceAccount:') ? member.slice('serviceAccount:'.length).toLowerCase() : undefined;
}

/** validBeforeTime gcloud prints for a key that never expires. */
export const NEVER_EXPIRES = '9999-12-31T23:59:59Z';
