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
}

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

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function setString<T extends object>(target: T, key: string, value: unknown): void {
  if (typeof value === 'string') (target as Record<string, unknown>)[key] = value;
}
