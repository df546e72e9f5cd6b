/**
 * The few CloudTrail record fields keywarden reads. Field names and nesting
 * follow the CloudTrail record format exactly (so a test can project a
 * JSON.parse result onto the same shape); everything else in a record is
 * skipped unread. A field whose value is not a string (null, absent, or a
 * value of the wrong type) is left undefined.
 */
export interface CloudTrailSessionIssuer {
  type?: string;
  arn?: string;
  userName?: string;
}

export interface CloudTrailUserIdentity {
  type?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  principalId?: string;
  userName?: string;
  invokedBy?: string;
  sessionContext?: { sessionIssuer?: CloudTrailSessionIssuer };
}

export interface CloudTrailRecordFields {
  eventTime?: string;
  eventSource?: string;
  eventName?: string;
  eventID?: string;
  awsRegion?: string;
  recipientAccountId?: string;
  errorCode?: string;
  userAgent?: string;
  sourceIPAddress?: string;
  eventType?: string;
  userIdentity?: CloudTrailUserIdentity;
  /** The resource identifiers of `requestParameters` keywarden derives resource ARNs from (identifiers only, never values). */
  requestParameters?: CloudTrailRequestParameters;
  /** `resources[]`: only entries whose ARN is a string, present when the record's `resources` is an array. */
  resources?: { ARN: string }[];
}

export type CloudTrailRequestParameters = Partial<Record<(typeof REQUEST_PARAMETER_FIELDS)[number], string>>;

/** Projects a fully parsed record onto the fields above (the reference the byte-level reader must match). */
export function pickRecordFields(record: unknown): CloudTrailRecordFields {
  const r = asObject(record) ?? {};
  const out: CloudTrailRecordFields = {};
  for (const key of RECORD_STRING_FIELDS) setString(out, key, r[key]);
  const ui = asObject(r.userIdentity);
  if (ui) {
    const identity: CloudTrailUserIdentity = {};
    for (const key of IDENTITY_STRING_FIELDS) setString(identity, key, ui[key]);
    const context = asObject(ui.sessionContext);
    if (context) {
      identity.sessionContext = {};
      const issuer = asObject(context.sessionIssuer);
      if (issuer) {
        const si: CloudTrailSessionIssuer = {};
        for (const key of ISSUER_STRING_FIELDS) setString(si, key, issuer[key]);
        identity.sessionContext.sessionIssuer = si;
      }
    }
    out.userIdentity = identity;
  }
  const params = asObject(r.requestParameters);
  if (params) {
    const picked: CloudTrailRequestParameters = {};
    for (const key of REQUEST_PARAMETER_FIELDS) setString(picked, key, params[key]);
    out.requestParameters = picked;
  }
  if (Array.isArray(r.resources)) {
    out.resources = r.resources.flatMap((entry) => {
      const arn = asObject(entry)?.ARN;
      return typeof arn === 'string' ? [{ ARN: arn }] : [];
    });
  }
  return out;
}

export const RECORD_STRING_FIELDS = [
  'eventTime',
  'eventSource',
  'eventName',
  'eventID',
  'awsRegion',
  'recipientAccountId',
  'errorCode',
  'userAgent',
  'sourceIPAddress',
  'eventType',
] as const;
export const IDENTITY_STRING_FIELDS = [
  'type',
  'arn',
  'accountId',
  'accessKeyId',
  'principalId',
  'userName',
  'invokedBy',
] as const;
export const ISSUER_STRING_FIELDS = ['type', 'arn', 'userName'] as const;
/** requestParameters members that name a resource (see resource-arns.ts); values such as policy text or secrets are never read. */
export const REQUEST_PARAMETER_FIELDS = [
  'bucketName',
  'key',
  'tableName',
  'functionName',
  'queueUrl',
  'topicArn',
  'keyId',
  'secretId',
  'instanceId',
] as const;

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function setString<T extends object>(target: T, key: string, value: unknown): void {
  if (typeof value === 'string') (target as Record<string, unknown>)[key] = value;
}
