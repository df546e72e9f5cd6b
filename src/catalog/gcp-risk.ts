/**
 * GCP grants that define risk, as data (each entry has a test granting
 * exactly it). Permission patterns use `*` for one dotted segment.
 */

/** Basic roles: thousands of permissions across every service. */
export const GCP_BASIC_ROLES: readonly { role: string; why: string }[] = [
  { role: 'roles/owner', why: 'full control of every resource, including IAM policy' },
  { role: 'roles/editor', why: 'write access to nearly every service' },
];

/** Permissions that change who can do what. */
export const GCP_IAM_CHANGING: readonly { pattern: string; why: string }[] = [
  { pattern: '*.*.setIamPolicy', why: 'rewrites the allow policy of a resource (grant itself anything on it)' },
  { pattern: '*.*.*.setIamPolicy', why: 'rewrites the allow policy of a nested resource' },
  { pattern: 'iam.roles.update', why: 'adds permissions to a custom role others hold' },
  { pattern: 'iam.roles.create', why: 'defines new custom roles' },
  { pattern: 'iam.denypolicies.delete', why: 'removes deny policies that constrain it' },
  { pattern: 'iam.denypolicies.update', why: 'rewrites deny policies that constrain it' },
];

/** Permissions that let the holder act as another service account. */
export const GCP_IMPERSONATION: readonly { permission: string; why: string }[] = [
  { permission: 'iam.serviceAccounts.actAs', why: 'attaches a service account to resources it deploys (runs as it)' },
  { permission: 'iam.serviceAccounts.getAccessToken', why: 'mints OAuth access tokens for a service account' },
  { permission: 'iam.serviceAccounts.signBlob', why: 'signs arbitrary bytes as a service account' },
  { permission: 'iam.serviceAccounts.signJwt', why: 'signs JWTs as a service account (self-issued tokens)' },
  { permission: 'iam.serviceAccounts.implicitDelegation', why: 'impersonates through a delegation chain' },
  { permission: 'iam.serviceAccounts.getOpenIdToken', why: 'mints OpenID Connect ID tokens for a service account' },
  { permission: 'iam.serviceAccountKeys.create', why: 'creates long-lived keys for a service account' },
];

/** Whether a dotted permission matches a pattern where `*` stands for exactly one segment. */
export function permissionMatches(pattern: string, permission: string): boolean {
  const p = pattern.split('.');
  const q = permission.split('.');
  return p.length === q.length && p.every((seg, i) => seg === '*' || seg === q[i]);
}

/** The patterns as regular expressions, built once: rules test every granted permission (Editor has ~12,000). */
const IAM_CHANGING_COMPILED = GCP_IAM_CHANGING.map((e) => ({ entry: e, re: new RegExp(`^${e.pattern.split('.').map((s) => (s === '*' ? '[^.]+' : s)).join('\\.')}$`) }));

export function iamChangingEntry(permission: string): (typeof GCP_IAM_CHANGING)[number] | undefined {
  return IAM_CHANGING_COMPILED.find((c) => c.re.test(permission))?.entry;
}

export function impersonationEntry(permission: string): (typeof GCP_IMPERSONATION)[number] | undefined {
  return GCP_IMPERSONATION.find((e) => e.permission === permission);
}

/** Default service accounts Google creates with Editor on the project. */
export function isDefaultServiceAccount(email: string): boolean {
  return /^\d+-compute@developer\.gserviceaccount\.com$/.test(email) || /@appspot\.gserviceaccount\.com$/.test(email);
}

/** Verbs that only read: a permission ending in one of these changes nothing. */
export const GCP_READ_VERBS: readonly string[] = ['get', 'list', 'getIamPolicy', 'search', 'query', 'lookup', 'read', 'watch', 'testIamPermissions'];

export function isReadOnlyPermission(permission: string): boolean {
  const verb = permission.slice(permission.lastIndexOf('.') + 1);
  return GCP_READ_VERBS.includes(verb);
}
