/**
 * The shape each gcloud export file must have for the fields keywarden
 * reads, checked when the file is read: a file with a wrong-typed field
 * (a name that is a list, members that are a number) is a coverage gap
 * naming the file and the field, instead of a crash or a wrong snapshot
 * further on. Only the fields the importer uses are checked; others pass
 * through unread. The types stay those of gcp-wire.ts (the SDKs' own).
 */
import { z } from 'zod';

const str = z.string().nullish();
const strings = z.array(z.string()).nullish();
const obj = <T extends z.core.$ZodLooseShape>(shape: T) => z.looseObject(shape);
const condition = obj({ title: str, expression: str }).nullish();

const allowPolicy = obj({
  bindings: z.array(obj({ role: str, members: strings, condition })).nullish(),
});
const denyPolicies = z.array(
  obj({
    name: str,
    displayName: str,
    rules: z.array(
      obj({
        denyRule: obj({ deniedPrincipals: strings, exceptionPrincipals: strings, deniedPermissions: strings, exceptionPermissions: strings, denialCondition: condition }).nullish(),
      }),
    ).nullish(),
  }),
);
const roles = z.array(obj({ name: z.string().min(1), title: str, etag: str, stage: str, deleted: z.boolean().nullish(), includedPermissions: strings }));
const resourceNode = obj({ name: str, displayName: str, parent: str });
const project = obj({
  projectId: str,
  projectNumber: str,
  name: str,
  displayName: str,
  parent: z.union([z.string(), obj({ type: str, id: str })]).nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
});
const serviceAccounts = z.array(obj({ email: str, projectId: str, displayName: str, uniqueId: str, description: str, disabled: z.boolean().nullish() }));
const keys = z.array(obj({ name: str, keyType: str, keyOrigin: str, keyAlgorithm: str, validAfterTime: str, validBeforeTime: str, disabled: z.boolean().nullish() }));
const resourceRef = obj({ fullResourceName: str }).nullish();
const activities = z.array(
  obj({
    fullResourceName: str,
    observationPeriod: obj({ endTime: str }).nullish(),
    activity: obj({ serviceAccount: resourceRef, serviceAccountKey: resourceRef, lastAuthenticatedTime: str }).nullish(),
  }),
);
const permissions = z.array(obj({ permission: str })).nullish();
const insights = z.array(
  obj({
    name: str,
    insightSubtype: str,
    stateInfo: obj({ state: str }).nullish(),
    targetResources: strings,
    observationPeriod: str,
    lastRefreshTime: str,
    content: obj({ role: str, member: str, exercisedPermissions: permissions, inferredPermissions: permissions, currentTotalPermissionsCount: z.union([z.string(), z.number()]).nullish() }).nullish(),
  }),
);
const logEntries = z.array(
  obj({
    timestamp: str,
    receiveTimestamp: str,
    insertId: str,
    logName: str,
    protoPayload: obj({
      authenticationInfo: obj({ principalEmail: str, serviceAccountKeyName: str }).nullish(),
      authorizationInfo: z.array(obj({ permission: str, granted: z.boolean().nullish() })).nullish(),
      requestMetadata: obj({ callerSuppliedUserAgent: str }).nullish(),
    }).nullish(),
  }),
);

const effectiveTags = z.array(obj({ namespacedTagKey: str, namespacedTagValue: str, tagKey: str, tagValue: str, inherited: z.boolean().nullish() }));
const operation = obj({ action: str, resource: str, path: str });
const recommendations = z.array(
  obj({
    name: str,
    recommenderSubtype: str,
    description: str,
    priority: str,
    lastRefreshTime: str,
    stateInfo: obj({ state: str }).nullish(),
    associatedInsights: z.array(obj({ insight: str })).nullish(),
    content: obj({ operationGroups: z.array(obj({ operations: z.array(operation).nullish() })).nullish() }).nullish(),
  }),
);

/** Per coverage source (as read-gcp-export names them): the shape its file must have. */
export const GCP_FILE_SHAPES: Readonly<Record<string, z.ZodType>> = {
  organization: resourceNode,
  folder: resourceNode,
  project,
  'allow-policy': allowPolicy,
  'service-account-policy': allowPolicy,
  'deny-policy': denyPolicies,
  'custom-roles': roles,
  'predefined-roles': roles,
  'service-accounts': serviceAccounts,
  'service-account-keys': keys,
  'activity-analyzer': activities,
  recommender: insights,
  'audit-logs': logEntries,
  tags: effectiveTags,
  'recommender:recommendations': recommendations,
};

/** Undefined when the value has the shape; otherwise where it first does not (a path and what was expected, never the value). */
export function shapeProblem(source: string, value: unknown): string | undefined {
  const shape = GCP_FILE_SHAPES[source];
  if (!shape) return undefined;
  const result = shape.safeParse(value);
  if (result.success) return undefined;
  const issue = result.error.issues[0]!;
  const where = issue.path.length ? issue.path.map(String).join('.') : 'top level';
  return `${where}: ${issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.code.replace(/_/g, ' ')}`;
}
