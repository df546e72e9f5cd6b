/**
 * The resources a CloudTrail event acted on, as ARNs: the record's own
 * `resources[].ARN`, or else the ARN derived from the identifier the common
 * services put in requestParameters (S3 bucket/key, DynamoDB table, Lambda
 * function, SQS queue URL, SNS topic, KMS key, Secrets Manager secret, EC2
 * instance). Only identifiers are read, never parameter values, and an ARN
 * is kept only when it is short, printable and not secret-shaped: a name is
 * cloud text and may hold anything.
 *
 * S3 object keys are kept as their "directory" (`bucket/logs/2024/*`), not
 * the object name itself: object names are data, and per-object ARNs would
 * not make a useful policy anyway.
 */
import { redactSecrets } from '../../../util/secrets.js';
import type { CloudTrailRecordFields } from './record-fields.js';

/** Longer ARNs are not kept (IAM's own limit for a resource ARN in a policy is 2,048; real ones are far shorter). */
export const MAX_RESOURCE_ARN_LENGTH = 512;

const ACCOUNT = /^\d{12}$/;
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\s]/;

/** The partition of a region: aws-cn for China, aws-us-gov for GovCloud, aws otherwise. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * Decisions of keptArn, remembered: a trail names the same few resources
 * millions of times, and the secret check is the costly part of ingest
 * otherwise. The string remembered is returned, so the tallies downstream
 * compare one instance instead of equal copies. Bounded: cleared when full.
 */
const keepable = new Map<string, string | false>();
const KEEPABLE_MEMO_SIZE = 50_000;

/** The ARN as kept (one shared instance of it), or undefined when it cannot be stored as a resource ARN. */
function keptArn(arn: string): string | undefined {
  let kept = keepable.get(arn);
  if (kept === undefined) {
    if (keepable.size >= KEEPABLE_MEMO_SIZE) keepable.clear();
    keepable.set(arn, (kept = judgeArn(arn) && arn));
  }
  return kept === false ? undefined : kept;
}

const isClean = (text: string) => redactSecrets(text) === text;

function judgeArn(arn: string): boolean {
  return (
    arn.startsWith('arn:') &&
    arn.length <= MAX_RESOURCE_ARN_LENGTH &&
    arn.split(':').length >= 6 &&
    !UNPRINTABLE.test(arn) &&
    // Separators read as spaces, in one pass: the ARN's own `secret:` would otherwise read as a
    // `secret: value` assignment. (Slightly stricter than segment by segment; a refused ARN is only unresolved.)
    isClean(arn.replace(/[:/]/g, ' '))
  );
}

/** A name that can sit inside an ARN: no separators a forged name could use to point elsewhere. */
const plainName = (name: string | undefined): name is string => name !== undefined && name !== '' && !/[:/*?]/.test(name);

/** Where an event happened: region and the account that received it (the resource owner for cross-account calls). */
interface Place {
  partition: string;
  region: string;
  account: string;
}

type Deriver = (params: NonNullable<CloudTrailRecordFields['requestParameters']>, at: Place) => string | undefined;

/** An object's "directory" pattern: `bucket/a/b/*` for key `a/b/c`, `bucket/*` for a top-level key. */
const objectPrefix = (bucketArn: string, key: string) => {
  const slash = key.lastIndexOf('/');
  return `${bucketArn}/${slash < 0 ? '' : key.slice(0, slash + 1)}*`;
};

const s3: Deriver = ({ bucketName, key }, at) => {
  if (!plainName(bucketName)) return undefined;
  const bucket = `arn:${at.partition}:s3:::${bucketName}`;
  return key === undefined ? bucket : objectPrefix(bucket, key);
};

const isS3Object = (arn: string) => /^arn:[^:]+:s3:::[^/]+\//.test(arn);
const isS3Bucket = (arn: string) => /^arn:[^:]+:s3:::[^/]+$/.test(arn);

/** resources[] names S3 objects by their full key: kept as the key's prefix, like a derived one. */
function normalised(arn: string): string {
  if (arn.length > MAX_RESOURCE_ARN_LENGTH * 4 || !arn.includes(':s3:::')) return arn;
  const m = /^(arn:[^:]+:s3:::[^/]+)\/(.*)$/s.exec(arn);
  return m ? objectPrefix(m[1]!, m[2]!) : arn;
}

const arnOr = (value: string | undefined, build: (name: string) => string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (value.startsWith('arn:')) return value;
  return plainName(value) ? build(value) : undefined;
};

const regional = (service: string, resource: string, at: Place) => `arn:${at.partition}:${service}:${at.region}:${at.account}:${resource}`;

const DERIVERS: Record<string, Deriver> = {
  's3.amazonaws.com': s3,
  'dynamodb.amazonaws.com': (p, at) => arnOr(p.tableName, (name) => regional('dynamodb', `table/${name}`, at)),
  'lambda.amazonaws.com': (p, at) => arnOr(p.functionName, (name) => regional('lambda', `function:${name}`, at)),
  'sqs.amazonaws.com': (p, at) => {
    // https://sqs.<region>.amazonaws.com/<account>/<queue>
    const m = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(\d{12})\/([A-Za-z0-9_-]+(?:\.fifo)?)$/.exec(p.queueUrl ?? '');
    return m ? `arn:${partitionOf(m[1]!)}:sqs:${m[1]}:${m[2]}:${m[3]}` : undefined;
  },
  'sns.amazonaws.com': (p) => (p.topicArn?.startsWith('arn:') ? p.topicArn : undefined),
  // An alias names no key ARN a policy can use: not derivable.
  'kms.amazonaws.com': (p, at) =>
    arnOr(p.keyId, (id) => (/^[0-9a-f-]{36}$|^mrk-[0-9a-f]{32}$/.test(id) ? regional('kms', `key/${id}`, at) : undefined)),
  // A secret's ARN ends in a 6-character suffix a name does not carry: `name-??????` is the documented pattern.
  'secretsmanager.amazonaws.com': (p, at) => arnOr(p.secretId, (name) => regional('secretsmanager', `secret:${name}-??????`, at)),
  'ec2.amazonaws.com': (p, at) => (p.instanceId && /^i-[0-9a-fA-F]{8,17}$/.test(p.instanceId) ? regional('ec2', `instance/${p.instanceId}`, at) : undefined),
};

/**
 * The ARNs an event names (deduplicated, each keepable), or an empty list
 * when none is observable for it.
 */
export function resourceArnsOf(rec: CloudTrailRecordFields): string[] {
  // Runs once per ingested call: plain arrays and string tests, no sets or spreads.
  const arns: string[] = [];
  for (const r of rec.resources ?? []) {
    // Judged as kept (an object's prefix, not its name): S3 data events name a new object in nearly
    // every call, and judging each full name would miss the memo every time.
    const arn = keptArn(normalised(r.ARN));
    if (arn !== undefined && !arns.includes(arn)) arns.push(arn);
  }
  if (arns.length > 0) {
    // S3 data events list the bucket beside the object; an object action is authorised on the object.
    return arns.length > 1 && arns.some(isS3Object) ? arns.filter((arn) => !isS3Bucket(arn)) : arns;
  }
  const params = rec.requestParameters;
  const derive = rec.eventSource === undefined ? undefined : DERIVERS[rec.eventSource];
  const region = rec.awsRegion ?? '';
  const account = rec.recipientAccountId ?? rec.userIdentity?.accountId ?? '';
  if (!params || !derive || !ACCOUNT.test(account) || !/^[a-z0-9-]+$/.test(region)) return [];
  const derived = derive(params, { partition: partitionOf(region), region, account });
  const arn = derived === undefined ? undefined : keptArn(derived);
  return arn === undefined ? [] : [arn];
}
