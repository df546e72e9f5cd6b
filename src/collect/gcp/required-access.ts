/**
 * keywarden's own GCP access: every REST method the collectors call, the
 * IAM permission it needs, and the read-only predefined roles that cover
 * them. docs/gcp-access.md is written from this; a test runs the collectors
 * against the local API server and checks each call made is listed here and
 * covered by these roles (with the real role definitions).
 */

export interface GcpApiMethod {
  /** REST method as the API reference names it. */
  method: string;
  /** `METHOD /path` pattern of the call on the wire. */
  route: RegExp;
  permission: string;
}

export const GCP_API_METHODS: readonly GcpApiMethod[] = [
  { method: 'cloudresourcemanager.organizations.get', route: /^GET \/v3\/organizations\/[^/:]+$/, permission: 'resourcemanager.organizations.get' },
  { method: 'cloudresourcemanager.organizations.getIamPolicy', route: /^POST \/v3\/organizations\/[^/]+:getIamPolicy$/, permission: 'resourcemanager.organizations.getIamPolicy' },
  { method: 'cloudresourcemanager.folders.list', route: /^GET \/v3\/folders$/, permission: 'resourcemanager.folders.list' },
  { method: 'cloudresourcemanager.folders.getIamPolicy', route: /^POST \/v3\/folders\/[^/]+:getIamPolicy$/, permission: 'resourcemanager.folders.getIamPolicy' },
  { method: 'cloudresourcemanager.projects.list', route: /^GET \/v3\/projects$/, permission: 'resourcemanager.projects.list' },
  { method: 'cloudresourcemanager.projects.get', route: /^GET \/v3\/projects\/[^/:]+$/, permission: 'resourcemanager.projects.get' },
  { method: 'cloudresourcemanager.projects.getIamPolicy', route: /^POST \/v3\/projects\/[^/]+:getIamPolicy$/, permission: 'resourcemanager.projects.getIamPolicy' },
  { method: 'cloudresourcemanager.effectiveTags.list (project tags, bound or inherited)', route: /^GET \/v3\/effectiveTags$/, permission: 'resourcemanager.hierarchyNodes.listEffectiveTags' },
  { method: 'iam.policies.listPolicies (v2, denypolicies)', route: /^GET \/v2\/policies\/.+\/denypolicies$/, permission: 'iam.denypolicies.list' },
  { method: 'iam.policies.get (v2, denypolicies)', route: /^GET \/v2\/policies\/.+\/denypolicies\/[^/]+$/, permission: 'iam.denypolicies.get' },
  { method: 'iam.projects.serviceAccounts.list', route: /^GET \/v1\/projects\/[^/]+\/serviceAccounts$/, permission: 'iam.serviceAccounts.list' },
  { method: 'iam.projects.serviceAccounts.keys.list', route: /^GET \/v1\/projects\/-\/serviceAccounts\/[^/]+\/keys$/, permission: 'iam.serviceAccountKeys.list' },
  { method: 'iam.projects.serviceAccounts.getIamPolicy', route: /^POST \/v1\/projects\/-\/serviceAccounts\/[^/]+:getIamPolicy$/, permission: 'iam.serviceAccounts.getIamPolicy' },
  { method: 'iam.roles.list (predefined; view BASIC to compare etags, FULL to fetch all)', route: /^GET \/v1\/roles$/, permission: 'iam.roles.list' },
  { method: 'iam.roles.get (a new or changed predefined role)', route: /^GET \/v1\/roles\/[^/]+$/, permission: 'iam.roles.get' },
  { method: 'iam.organizations.roles.list (custom, view FULL)', route: /^GET \/v1\/organizations\/[^/]+\/roles$/, permission: 'iam.roles.list' },
  { method: 'iam.projects.roles.list (custom, view FULL)', route: /^GET \/v1\/projects\/[^/]+\/roles$/, permission: 'iam.roles.list' },
  { method: 'recommender.projects.locations.insightTypes.insights.list (google.iam.policy.Insight)', route: /^GET \/v1\/projects\/[^/]+\/locations\/global\/insightTypes\/google\.iam\.policy\.Insight\/insights$/, permission: 'recommender.iamPolicyInsights.list' },
  { method: 'recommender.projects.locations.recommenders.recommendations.list (google.iam.policy.Recommender)', route: /^GET \/v1\/projects\/[^/]+\/locations\/global\/recommenders\/google\.iam\.policy\.Recommender\/recommendations$/, permission: 'recommender.iamPolicyRecommendations.list' },
  { method: 'policyanalyzer.projects.locations.activityTypes.activities.query (serviceAccountLastAuthentication)', route: /^GET \/v1\/projects\/[^/]+\/locations\/global\/activityTypes\/serviceAccountLastAuthentication\/activities:query$/, permission: 'policyanalyzer.serviceAccountLastAuthenticationActivities.query' },
  { method: 'policyanalyzer.projects.locations.activityTypes.activities.query (serviceAccountKeyLastAuthentication)', route: /^GET \/v1\/projects\/[^/]+\/locations\/global\/activityTypes\/serviceAccountKeyLastAuthentication\/activities:query$/, permission: 'policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query' },
  { method: 'logging.entries.list (audit logs)', route: /^POST \/v2\/entries:list$/, permission: 'logging.logEntries.list' },
  { method: 'logging.entries.list (Data Access audit logs)', route: /^POST \/v2\/entries:list$/, permission: 'logging.privateLogEntries.list' },
];

/** Read-only predefined roles to grant keywarden's identity on the organisation (or each project). */
export const KEYWARDEN_GCP_ROLES: readonly { role: string; why: string }[] = [
  { role: 'roles/iam.securityReviewer', why: 'allow policies at every level, service accounts, keys (metadata only), roles, IAM insights and role recommendations, audit logs' },
  { role: 'roles/browser', why: 'organisation, folders and projects (hierarchy, labels)' },
  { role: 'roles/iam.denyReviewer', why: 'deny policies with their rules' },
  { role: 'roles/resourcemanager.tagViewer', why: 'effective Resource Manager tags of each project (environment)' },
  { role: 'roles/policyanalyzer.activityAnalysisViewer', why: 'last authentication of service accounts and keys (Activity Analyzer)' },
];

export function apiMethodForCall(call: string): GcpApiMethod[] {
  return GCP_API_METHODS.filter((m) => m.route.test(call));
}
