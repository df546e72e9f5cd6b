/**
 * Known GCP privilege-escalation methods, as data (DESIGN: each entry is
 * tested from a minimal binding granting exactly it, and from a scoped
 * variant that must not be found: test/catalog/gcp-escalation-methods.test.ts).
 *
 * A method is held when every permission in `permissions` is effective
 * (after deny policies) through some binding, and its target is met:
 *   - `service-account`: the first permission (or, with `actAs`, the
 *     `iam.serviceAccounts.actAs` grant) covers some other service account:
 *     a binding on that account, or one on a project, folder or the
 *     organisation (which covers every account below it, present or future).
 *     Holding it only on itself gains nothing.
 *   - `scope`: the permission rewrites what the scope allows (its allow
 *     policy, its organisation policies): the holder can grant itself
 *     anything there. Graph edges go to a capability node per resource.
 *   - `held-custom-role`: the holder is bound to a custom role defined at or
 *     below the resource where it may update roles.
 *
 * Sources: Rhino Security Labs' GCP privilege-escalation research and the
 * GCP IAM documentation on impersonation and actAs.
 */

export type GcpEscalationTarget = 'service-account' | 'scope' | 'held-custom-role';

export interface GcpEscalationMethod {
  /** Stable id; findings name it (`Escalation::<id>`). */
  id: string;
  title: string;
  /** Every one is needed. */
  permissions: readonly string[];
  /** Also needs iam.serviceAccounts.actAs on the account the new resource runs as. */
  actAs?: boolean;
  target: GcpEscalationTarget;
  /** Reach-graph edge kind for service-account targets (default `escalation:<id>`). */
  edge?: string;
  how: string;
  references: readonly string[];
}

export const ACT_AS = 'iam.serviceAccounts.actAs';

/** Edge kinds: becoming another account outright, or running code as it. */
export const GCP_IMPERSONATION_EDGE = 'gcp-impersonation';
export const GCP_ACT_AS_EDGE = 'gcp-act-as';

const RHINO = 'https://rhinosecuritylabs.com/gcp/privilege-escalation-google-cloud-platform-part-1/';
const RHINO2 = 'https://rhinosecuritylabs.com/cloud-security/privilege-escalation-google-cloud-platform-part-2/';
const IMPERSONATION = 'https://cloud.google.com/iam/docs/service-account-impersonation';
const ACT_AS_DOC = 'https://cloud.google.com/iam/docs/service-accounts-actas';

const deploy = (id: string, title: string, permissions: string[], how: string): GcpEscalationMethod => ({
  id,
  title,
  permissions,
  actAs: true,
  target: 'service-account',
  edge: GCP_ACT_AS_EDGE,
  how,
  references: [RHINO, ACT_AS_DOC],
});

export const GCP_ESCALATION_METHODS: readonly GcpEscalationMethod[] = [
  { id: 'gcp:iam.serviceAccounts.getAccessToken', title: 'Mint access tokens for another service account', permissions: ['iam.serviceAccounts.getAccessToken'], target: 'service-account', edge: GCP_IMPERSONATION_EDGE, how: 'requests OAuth access tokens for another account and calls APIs as it', references: [RHINO, IMPERSONATION] },
  { id: 'gcp:iam.serviceAccounts.signJwt', title: 'Sign JWTs as another service account', permissions: ['iam.serviceAccounts.signJwt'], target: 'service-account', edge: GCP_IMPERSONATION_EDGE, how: "signs a JWT with another account's key and exchanges it for a token", references: [RHINO, IMPERSONATION] },
  { id: 'gcp:iam.serviceAccounts.signBlob', title: 'Sign blobs as another service account', permissions: ['iam.serviceAccounts.signBlob'], target: 'service-account', edge: GCP_IMPERSONATION_EDGE, how: "signs an assertion with another account's key and exchanges it for a token", references: [RHINO, IMPERSONATION] },
  { id: 'gcp:iam.serviceAccounts.implicitDelegation', title: 'Impersonate through a delegation chain', permissions: ['iam.serviceAccounts.implicitDelegation'], target: 'service-account', edge: GCP_IMPERSONATION_EDGE, how: 'uses another account as a delegate to obtain tokens for whatever that account may impersonate', references: [RHINO, IMPERSONATION] },
  { id: 'gcp:iam.serviceAccountKeys.create', title: 'Create a key for another service account', permissions: ['iam.serviceAccountKeys.create'], target: 'service-account', how: 'creates a long-lived key for another account and authenticates as it', references: [RHINO] },
  { id: 'gcp:iam.serviceAccounts.setIamPolicy', title: "Rewrite another service account's allow policy", permissions: ['iam.serviceAccounts.setIamPolicy'], target: 'service-account', how: 'grants itself Token Creator on another account, then impersonates it', references: [RHINO] },
  { id: 'gcp:storage.hmacKeys.create', title: 'Create an HMAC key for another service account', permissions: ['storage.hmacKeys.create'], target: 'service-account', how: "creates an HMAC key for another account and uses its Cloud Storage access", references: [RHINO2] },
  deploy('gcp:actAs+cloudfunctions.functions.create', 'Deploy a Cloud Function running as another service account', ['cloudfunctions.functions.create', 'cloudfunctions.functions.sourceCodeSet'], 'deploys a function whose code runs with the attached account and returns its token'),
  deploy('gcp:actAs+cloudfunctions.functions.update', 'Redeploy an existing Cloud Function as another service account', ['cloudfunctions.functions.update', 'cloudfunctions.functions.sourceCodeSet'], "replaces a function's code and service account and reads the token"),
  deploy('gcp:actAs+cloudbuild.builds.create', 'Run a Cloud Build as another service account', ['cloudbuild.builds.create'], 'submits a build whose steps run as the chosen account'),
  deploy('gcp:actAs+compute.instances.create', 'Create a VM running as another service account', ['compute.instances.create'], 'creates an instance with the account attached and reads its token from the metadata server'),
  deploy('gcp:actAs+run.services.create', 'Deploy a Cloud Run service as another service account', ['run.services.create'], 'deploys a container running as the chosen account'),
  deploy('gcp:actAs+deploymentmanager.deployments.create', 'Create a Deployment Manager deployment', ['deploymentmanager.deployments.create'], 'creates resources with the Google APIs service account, which holds Editor on the project'),
  { id: 'gcp:resourcemanager.projects.setIamPolicy', title: "Rewrite a project's allow policy", permissions: ['resourcemanager.projects.setIamPolicy'], target: 'scope', how: 'grants itself any role on the project', references: [RHINO] },
  { id: 'gcp:resourcemanager.folders.setIamPolicy', title: "Rewrite a folder's allow policy", permissions: ['resourcemanager.folders.setIamPolicy'], target: 'scope', how: 'grants itself any role on the folder and every project below it', references: [RHINO] },
  { id: 'gcp:resourcemanager.organizations.setIamPolicy', title: "Rewrite the organisation's allow policy", permissions: ['resourcemanager.organizations.setIamPolicy'], target: 'scope', how: 'grants itself any role anywhere in the organisation', references: [RHINO] },
  { id: 'gcp:orgpolicy.policy.set', title: 'Change organisation policy constraints', permissions: ['orgpolicy.policy.set'], target: 'scope', how: 'lifts guard rails such as iam.disableServiceAccountKeyCreation or domain-restricted sharing', references: [RHINO2] },
  { id: 'gcp:iam.roles.update', title: 'Add permissions to a custom role it holds', permissions: ['iam.roles.update'], target: 'held-custom-role', how: 'adds any permission to a custom role bound to it', references: [RHINO] },
];
