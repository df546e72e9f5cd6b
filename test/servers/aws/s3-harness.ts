/**
 * s3rver (a real S3 implementation) on a random port with a temp directory,
 * holding gzip CloudTrail objects in the real key layout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface LocalS3 {
  endpoint: string;
  client: S3Client;
  put(key: string, body: Buffer): Promise<void>;
  stop(): Promise<void>;
}

export const TRAIL_BUCKET = 'acme-cloudtrail';
/** s3rver's built-in account. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startLocalS3(bucket = TRAIL_BUCKET): Promise<LocalS3> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'kw-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    client,
    put: async (key, body) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
    },
    stop: async () => {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface TrailEvent {
  roleArn: string;
  accessKeyId: string;
  eventSource: string;
  eventName: string;
  eventTime: string;
  region: string;
  errorCode?: string;
  userAgent?: string;
}

/** One CloudTrail record as the service writes it (an assumed-role caller). */
export function trailRecord(e: TrailEvent, i: number): Record<string, unknown> {
  const account = e.roleArn.split(':')[4]!;
  const roleName = e.roleArn.split('/').pop()!;
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE:${roleName}-session`,
      arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${roleName}-session`,
      accountId: account,
      accessKeyId: e.accessKeyId,
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: e.roleArn, accountId: account, userName: roleName },
        attributes: { creationDate: e.eventTime, mfaAuthenticated: 'false' },
      },
    },
    eventTime: e.eventTime,
    eventSource: e.eventSource,
    eventName: e.eventName,
    awsRegion: e.region,
    sourceIPAddress: '203.0.113.10',
    userAgent: e.userAgent ?? 'aws-sdk-js/3.600.0',
    ...(e.errorCode ? { errorCode: e.errorCode, errorMessage: 'denied' } : {}),
    requestParameters: { bucketName: 'acme-data', key: `obj-${i}` },
    responseElements: null,
    requestID: `REQ${i}`,
    eventID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: account,
  };
}

/** The gzip log object CloudTrail delivers. */
export function trailObject(events: TrailEvent[], offset = 0): Buffer {
  return gzipSync(JSON.stringify({ Records: events.map((e, i) => trailRecord(e, offset + i)) }));
}

/** `AWSLogs/[o-org/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<account>_CloudTrail_<region>_<stamp>_<id>.json.gz` */
export function trailKey(opts: { prefix?: string; org?: string; account: string; region: string; day: string; id: string }): string {
  const [y, m, d] = opts.day.split('-');
  const base = `${opts.prefix ? `${opts.prefix}/` : ''}AWSLogs/${opts.org ? `${opts.org}/` : ''}${opts.account}`;
  return `${base}/CloudTrail/${opts.region}/${y}/${m}/${d}/${opts.account}_CloudTrail_${opts.region}_${y}${m}${d}T0005Z_${opts.id}.json.gz`;
}
