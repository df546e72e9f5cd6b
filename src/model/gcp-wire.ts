/**
 * GCP response shapes as `gcloud … --format=json` prints them: the APIs'
 * own JSON (camelCase). Derived from the Google clients' typings; where a
 * field is a protobuf Struct/Timestamp in the gax typings, the JSON mapping
 * (plain object, RFC 3339 string) replaces it.
 */
import type { iam_v1 } from '@googleapis/iam';
import type { protos as rmProtos } from '@google-cloud/resource-manager';
import type { protos as iamProtos } from '@google-cloud/iam';
import type { protos as recommenderProtos } from '@google-cloud/recommender';

export type GcpServiceAccount = iam_v1.Schema$ServiceAccount;
export type GcpServiceAccountKey = iam_v1.Schema$ServiceAccountKey;
export type GcpAllowPolicy = iam_v1.Schema$Policy;
export type GcpBindingWire = iam_v1.Schema$Binding;
export type GcpRoleWire = iam_v1.Schema$Role;

type IProject = rmProtos.google.cloud.resourcemanager.v3.IProject;
type IFolder = rmProtos.google.cloud.resourcemanager.v3.IFolder;
type IOrganization = rmProtos.google.cloud.resourcemanager.v3.IOrganization;

/**
 * `gcloud projects describe` (v1: `parent: {type, id}`, `lifecycleState`)
 * or the v3 API (`parent: "folders/123"`, `state`); both are read.
 */
export type GcpProjectWire = Omit<IProject, 'parent' | 'labels' | 'state' | 'createTime' | 'updateTime' | 'deleteTime'> & {
  parent?: string | { type?: string; id?: string };
  labels?: Record<string, string>;
  state?: string;
  /** v1 */
  projectNumber?: string;
  lifecycleState?: string;
};

export type GcpFolderWire = Omit<IFolder, 'state' | 'createTime' | 'updateTime' | 'deleteTime'> & { state?: string };
export type GcpOrganizationWire = Omit<IOrganization, 'state' | 'createTime' | 'updateTime' | 'deleteTime'> & { state?: string };

type IDenyRule = iamProtos.google.iam.v2.IDenyRule;
type IPolicyV2 = iamProtos.google.iam.v2.IPolicy;
type IPolicyRule = iamProtos.google.iam.v2.IPolicyRule;
export type GcpDenyRuleWire = Omit<IDenyRule, 'denialCondition'> & {
  denialCondition?: { expression?: string; title?: string; description?: string } | null;
};
/** IAM v2 Policy (kind denypolicies) as `gcloud iam policies get` prints it. */
export type GcpDenyPolicyWire = Omit<IPolicyV2, 'rules' | 'createTime' | 'updateTime' | 'deleteTime'> & {
  rules?: (Omit<IPolicyRule, 'denyRule'> & { denyRule?: GcpDenyRuleWire | null })[] | null;
};

type IInsight = recommenderProtos.google.cloud.recommender.v1.IInsight;
/** `google.iam.policy.Insight` content (JSON form of the Struct). */
export interface GcpPolicyInsightContent {
  role?: string;
  member?: string;
  condition?: unknown;
  exercisedPermissions?: { permission?: string; exercised?: boolean }[];
  inferredPermissions?: { permission?: string; inferred?: boolean }[];
  currentTotalPermissionsCount?: string | number;
}
export type GcpInsightWire = Omit<IInsight, 'content' | 'lastRefreshTime' | 'observationPeriod' | 'stateInfo'> & {
  content?: GcpPolicyInsightContent;
  lastRefreshTime?: string;
  /** Duration, e.g. "7776000s". */
  observationPeriod?: string;
  stateInfo?: { state?: string };
};

/**
 * Policy Analyzer activity (`gcloud policy-intelligence query-activity`,
 * REST `activities:query`). There is no client library, hence hand-declared
 * from the REST reference.
 */
export interface GcpActivityWire {
  fullResourceName?: string;
  activityType?: string;
  observationPeriod?: { startTime?: string; endTime?: string };
  activity?: {
    /** `serviceAccountLastAuthentication`: the service account's email. */
    serviceAccount?: { serviceAccountId?: string; fullResourceName?: string; projectNumber?: string };
    /** `serviceAccountKeyLastAuthentication` */
    serviceAccountKey?: { serviceAccountId?: string; fullResourceName?: string; projectNumber?: string };
    lastAuthenticatedTime?: string;
  };
}

/**
 * A Cloud Audit Logs entry (`gcloud logging read --format=json`). The Node
 * logging client cannot decode AuditLog payloads, so these are read as JSON;
 * only the fields keywarden uses are declared.
 */
export interface GcpAuditLogEntryWire {
  logName?: string;
  timestamp?: string;
  receiveTimestamp?: string;
  insertId?: string;
  resource?: { type?: string; labels?: Record<string, string> };
  protoPayload?: {
    '@type'?: string;
    serviceName?: string;
    methodName?: string;
    resourceName?: string;
    status?: { code?: number; message?: string };
    authenticationInfo?: {
      principalEmail?: string;
      serviceAccountKeyName?: string;
      serviceAccountDelegationInfo?: unknown[];
    };
    authorizationInfo?: { permission?: string; granted?: boolean; resource?: string }[];
    requestMetadata?: { callerSuppliedUserAgent?: string };
  };
}

type IEffectiveTag = rmProtos.google.cloud.resourcemanager.v3.IEffectiveTag;
/**
 * One effective tag of a resource (`gcloud resource-manager tags bindings
 * list --parent=… --effective --format=json`, REST `effectiveTags.list`):
 * `namespacedTagKey` `123456/environment`, `namespacedTagValue`
 * `123456/environment/production`, `inherited` when bound above.
 */
export type GcpEffectiveTagWire = IEffectiveTag;

type IRecommendation = recommenderProtos.google.cloud.recommender.v1.IRecommendation;
type IOperation = recommenderProtos.google.cloud.recommender.v1.IOperation;
/** One operation of a recommendation in its JSON form (`value` and `pathFilters` are Struct values). */
export type GcpRecommendationOperationWire = Omit<IOperation, 'value' | 'pathFilters' | 'valueMatcher' | 'pathValueMatchers'> & {
  value?: unknown;
  pathFilters?: Record<string, unknown>;
};
/** `google.iam.policy.Recommender` recommendation as `gcloud recommender recommendations list --format=json` prints it. */
export type GcpRecommendationWire = Omit<IRecommendation, 'content' | 'lastRefreshTime' | 'stateInfo' | 'priority' | 'primaryImpact' | 'additionalImpact'> & {
  content?: { operationGroups?: { operations?: GcpRecommendationOperationWire[] }[] };
  lastRefreshTime?: string;
  stateInfo?: { state?: string };
  priority?: string;
  primaryImpact?: { category?: string };
};
