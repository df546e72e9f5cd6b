/**
 * Which IAM actions a default trail can see. Trails record management events
 * by default; data events (object reads and writes, function invokes, item
 * reads) only when configured, at extra cost, so most accounts never log
 * them. An action a trail does not record cannot be called "unused" on
 * CloudTrail's word: it is `unknown` unless another source observes it.
 */

/** Data-event actions, as IAM action patterns (case-insensitive, `*` wildcard). */
export const DATA_EVENT_ACTION_PATTERNS: readonly string[] = [
  // S3 object-level API and object listing
  's3:GetObject*',
  's3:PutObject*',
  's3:DeleteObject*',
  's3:RestoreObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
  's3:ListBucket',
  's3:ListBucketVersions',
  's3:ListBucketMultipartUploads',
  's3:BypassGovernanceRetention',
  's3-object-lambda:*',
  // Lambda invocation
  'lambda:InvokeFunction',
  'lambda:InvokeFunctionUrl',
  'lambda:InvokeAsync',
  // DynamoDB items and streams
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:PartiQL*',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  // Streams and queues whose message APIs are data events
  'kinesis:PutRecord',
  'kinesis:PutRecords',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:SubscribeToShard',
  'sqs:SendMessage',
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sns:Publish',
  // Secrets/parameters are management events; EBS direct APIs are data events
  'ebs:GetSnapshotBlock',
  'ebs:ListSnapshotBlocks',
  'ebs:ListChangedBlocks',
  'ebs:PutSnapshotBlock',
];

function toRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

const dataEventMatchers = DATA_EVENT_ACTION_PATTERNS.map(toRegExp);

/** True when a default (management-events-only) trail records calls of this action. */
export function recordedByManagementTrail(action: string): boolean {
  return !dataEventMatchers.some((re) => re.test(action));
}
