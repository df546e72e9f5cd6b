/**
 * Data: where a CloudTrail event's source or name differs from the IAM action
 * that authorised it. Everything not listed here follows the general rule
 * (IAM prefix = host part of `eventSource` before `.amazonaws.com`, action =
 * `eventName`), and every result is checked against the AWS action catalog,
 * so a wrong entry here shows up as an unmapped event, never a made-up action.
 */

/** `eventSource` host (without `.amazonaws.com`) -> IAM service prefix, where they differ. */
export const SOURCE_PREFIX_OVERRIDES: Readonly<Record<string, string>> = {
  monitoring: 'cloudwatch',
  email: 'ses',
  tagging: 'tag',
  // Cloud Control API is authorised with cloudformation:*Resource actions.
  cloudcontrolapi: 'cloudformation',
  'application-insights': 'applicationinsights',
  'mturk-requester': 'mechanicalturk',
  // Multi-label hosts: the service is the last label.
  'models.lex': 'lex',
  'runtime.lex': 'lex',
  'runtime.sagemaker': 'sagemaker',
  'streams.dynamodb': 'dynamodb',
  'data.iot': 'iot',
};

/**
 * Event sources whose events are not IAM-authorised API calls (console
 * sign-in and its MFA/role-switch steps). They are reported as unmapped.
 */
export const NON_ACTION_SOURCES: ReadonlySet<string> = new Set(['signin.amazonaws.com']);

/**
 * `prefix:EventName` -> the IAM action CloudTrail's event is authorised by,
 * where the names differ. Keyed on the event name after any API-version
 * suffix is removed (Lambda's `GetFunction20150331v2` -> `GetFunction`).
 */
export const EVENT_NAME_OVERRIDES: Readonly<Record<string, string>> = {
  // S3: the REST operation names differ from the permission names.
  's3:ListBuckets': 's3:ListAllMyBuckets',
  's3:HeadObject': 's3:GetObject',
  's3:HeadBucket': 's3:ListBucket',
  's3:ListObjects': 's3:ListBucket',
  's3:ListObjectsV2': 's3:ListBucket',
  's3:ListObjectVersions': 's3:ListBucketVersions',
  's3:ListMultipartUploads': 's3:ListBucketMultipartUploads',
  's3:ListParts': 's3:ListMultipartUploadParts',
  's3:CreateMultipartUpload': 's3:PutObject',
  's3:UploadPart': 's3:PutObject',
  's3:UploadPartCopy': 's3:PutObject',
  's3:CompleteMultipartUpload': 's3:PutObject',
  's3:CopyObject': 's3:PutObject',
  's3:DeleteObjects': 's3:DeleteObject',
  's3:SelectObjectContent': 's3:GetObject',
  's3:GetBucketEncryption': 's3:GetEncryptionConfiguration',
  's3:PutBucketEncryption': 's3:PutEncryptionConfiguration',
  's3:DeleteBucketEncryption': 's3:PutEncryptionConfiguration',
  's3:GetBucketLifecycle': 's3:GetLifecycleConfiguration',
  's3:GetBucketLifecycleConfiguration': 's3:GetLifecycleConfiguration',
  's3:PutBucketLifecycle': 's3:PutLifecycleConfiguration',
  's3:PutBucketLifecycleConfiguration': 's3:PutLifecycleConfiguration',
  's3:DeleteBucketLifecycle': 's3:PutLifecycleConfiguration',
  's3:GetBucketReplication': 's3:GetReplicationConfiguration',
  's3:PutBucketReplication': 's3:PutReplicationConfiguration',
  's3:DeleteBucketReplication': 's3:PutReplicationConfiguration',
  's3:DeleteBucketCors': 's3:PutBucketCORS',
  's3:DeleteBucketTagging': 's3:PutBucketTagging',
  's3:DeleteBucketPublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  's3:DeleteBucketOwnershipControls': 's3:PutBucketOwnershipControls',
  's3:GetObjectLockConfiguration': 's3:GetBucketObjectLockConfiguration',
  's3:PutObjectLockConfiguration': 's3:PutBucketObjectLockConfiguration',
  's3:GetBucketAccelerateConfiguration': 's3:GetAccelerateConfiguration',
  's3:PutBucketAccelerateConfiguration': 's3:PutAccelerateConfiguration',
  's3:GetBucketAnalyticsConfiguration': 's3:GetAnalyticsConfiguration',
  's3:ListBucketAnalyticsConfigurations': 's3:GetAnalyticsConfiguration',
  's3:PutBucketAnalyticsConfiguration': 's3:PutAnalyticsConfiguration',
  's3:DeleteBucketAnalyticsConfiguration': 's3:PutAnalyticsConfiguration',
  's3:GetBucketInventoryConfiguration': 's3:GetInventoryConfiguration',
  's3:ListBucketInventoryConfigurations': 's3:GetInventoryConfiguration',
  's3:PutBucketInventoryConfiguration': 's3:PutInventoryConfiguration',
  's3:DeleteBucketInventoryConfiguration': 's3:PutInventoryConfiguration',
  's3:GetBucketMetricsConfiguration': 's3:GetMetricsConfiguration',
  's3:ListBucketMetricsConfigurations': 's3:GetMetricsConfiguration',
  's3:PutBucketMetricsConfiguration': 's3:PutMetricsConfiguration',
  's3:DeleteBucketMetricsConfiguration': 's3:PutMetricsConfiguration',
  's3:GetBucketIntelligentTieringConfiguration': 's3:GetIntelligentTieringConfiguration',
  's3:ListBucketIntelligentTieringConfigurations': 's3:GetIntelligentTieringConfiguration',
  's3:PutBucketIntelligentTieringConfiguration': 's3:PutIntelligentTieringConfiguration',
  's3:DeleteBucketIntelligentTieringConfiguration': 's3:PutIntelligentTieringConfiguration',
  's3:GetBucketNotificationConfiguration': 's3:GetBucketNotification',
  's3:PutBucketNotificationConfiguration': 's3:PutBucketNotification',
  // Lambda data events are named after the API operation, not the permission.
  'lambda:Invoke': 'lambda:InvokeFunction',
};

/**
 * API Gateway's control plane is authorised by HTTP verb (`apigateway:GET`
 * on a resource path), not by operation name: map the operation's verb.
 */
export const APIGATEWAY_VERB_BY_OPERATION_PREFIX: ReadonlyArray<readonly [string, string]> = [
  ['Get', 'GET'],
  ['Create', 'POST'],
  ['Generate', 'POST'],
  ['Test', 'POST'],
  ['Update', 'PATCH'],
  ['Delete', 'DELETE'],
  ['Flush', 'DELETE'],
  ['Untag', 'DELETE'],
  ['Put', 'PUT'],
  ['Import', 'PUT'],
  ['Tag', 'PUT'],
];

/**
 * Version suffixes some services append to event names: Lambda
 * (`20150331`, `20150331v2`, `20181031`), CloudFront (`2020_05_31`).
 */
export const API_VERSION_SUFFIX = /(?:\d{8}(?:v\d+)?|\d{4}_\d{2}_\d{2})$/;
