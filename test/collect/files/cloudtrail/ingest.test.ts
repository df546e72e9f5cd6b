import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCloudTrailActionMapper, type CloudTrailActionMapper } from '../../../../src/catalog/cloudtrail-actions.js';
import {
  accountIdFromCloudTrailPath,
  discoverCloudTrailFiles,
  ingestCloudTrailFiles,
  readCloudTrailFile,
} from '../../../../src/collect/files/cloudtrail/index.js';
import { describeFixtures, fixture } from '../../../helpers/fixtures.js';

let mapper: CloudTrailActionMapper;
let tmp: string;
beforeAll(async () => {
  mapper = await loadCloudTrailActionMapper();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-cloudtrail-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const A = '111122223333';
const B = '444455556666';

function record(account: string, i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLEUSER00001',
      arn: `arn:aws:iam::${account}:user/deployer`,
      accountId: account,
      accessKeyId: 'AKIAEXAMPLEKEY000001',
      userName: 'deployer',
    },
    eventTime: `2024-08-0${1 + (i % 2)}T10:00:${String(i % 60).padStart(2, '0')}Z`,
    eventSource: 's3.amazonaws.com',
    eventName: i % 3 === 0 ? 'ListBuckets' : 'GetObject',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.30 Python/3.11.8',
    requestParameters: { bucketName: 'prod-data', key: `k/${i}` },
    responseElements: null,
    requestID: `R${i}`,
    eventID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: account,
    ...overrides,
  };
}

/** Writes a file under the real S3 export layout and returns its path. */
function logFile(account: string, name: string, content: Buffer | string): string {
  const dir = path.join(tmp, 'AWSLogs', account, 'CloudTrail', 'eu-west-1', '2024', '08', '01');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${account}_CloudTrail_eu-west-1_20240801T1005Z_${name}`);
  writeFileSync(file, content);
  return file;
}

describe('CloudTrail files', () => {
  let files: Record<string, string>;
  beforeAll(() => {
    const wrapped = (account: string, n: number, start = 0) =>
      JSON.stringify({ Records: Array.from({ length: n }, (_, i) => record(account, start + i)) });
    const goodGz = gzipSync(wrapped(A, 30));
    files = {
      goodGz: logFile(A, 'good.json.gz', goodGz),
      // a bare, pretty-printed array as plain JSON (the stratus capture format)
      plainArray: logFile(B, 'plain.json', JSON.stringify([record(B, 1), record(B, 2)], null, 2)),
      // the same bytes under another name: must not be counted twice
      duplicate: logFile(A, 'copy-of-good.json.gz', goodGz),
      // cut short: a download that did not finish
      truncated: logFile(B, 'truncated.json.gz', gzipSync(wrapped(B, 50, 100)).subarray(0, 900)),
      malformed: logFile(A, 'malformed.json.gz', gzipSync('{"Records":[{"eventName":"GetObject",}]}')),
      // decompressed on download but still named .gz
      notReallyGz: logFile(A, 'decompressed.json.gz', wrapped(A, 3, 500)),
    };
    const digestDir = path.join(tmp, 'AWSLogs', A, 'CloudTrail-Digest', 'eu-west-1', '2024', '08', '01');
    mkdirSync(digestDir, { recursive: true });
    writeFileSync(
      path.join(digestDir, `${A}_CloudTrail-Digest_eu-west-1_trail_us-east-1_20240801T100500Z.json.gz`),
      gzipSync('{"awsAccountId":"111122223333","logFiles":[]}'),
    );
    writeFileSync(path.join(tmp, 'notes.txt'), 'not a log');
  });

  it('discovers .json and .json.gz files in the AWSLogs tree, sorted, without digest files', async () => {
    const found = await discoverCloudTrailFiles(tmp);
    expect(found).toEqual(Object.values(files).sort());
    expect(found.some((f) => f.includes('Digest'))).toBe(false);
  });

  it('names the folder when it cannot be read', async () => {
    await expect(discoverCloudTrailFiles(path.join(tmp, 'nope'))).rejects.toThrow(/CloudTrail folder .*nope cannot be read/);
  });

  it('finds the account of a file from its S3 key', () => {
    expect(accountIdFromCloudTrailPath(files.truncated!)).toBe(B);
    expect(accountIdFromCloudTrailPath('/x/AWSLogs/o-abc123/210987654321/CloudTrail/us-east-1/2024/01/01/f.json.gz')).toBe('210987654321');
    expect(accountIdFromCloudTrailPath('/x/capture.json')).toBeUndefined();
  });

  it('names the file and the problem for corrupt gzip, unreadable files and directories', async () => {
    const corrupt = path.join(tmp, 'corrupt.json.gz');
    writeFileSync(corrupt, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('definitely not deflate data')]));
    await expect(readCloudTrailFile(corrupt, () => {})).rejects.toThrow(`${corrupt}: corrupt gzip`);
    await expect(readCloudTrailFile(path.join(tmp, 'missing.json'), () => {})).rejects.toThrow(/missing\.json: cannot read file \(ENOENT/);
    rmSync(corrupt);
  });

  it('lets a failing record consumer fail as itself, not as a file problem', async () => {
    const boom = new TypeError('consumer bug');
    await expect(
      readCloudTrailFile(files.goodGz!, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
  });

  it('hashes the stored bytes while reading', async () => {
    const read = await readCloudTrailFile(files.goodGz!, () => {});
    expect(read.digest).toBe(createHash('sha256').update(readFileSync(files.goodGz!)).digest('hex'));
    expect(read).toMatchObject({ records: 30, gzip: true });
    expect((await readCloudTrailFile(files.notReallyGz!, () => {})).gzip).toBe(false);
  });

  it('ingests good files, reports each bad file as a gap naming it, and never double-counts', async () => {
    const found = await discoverCloudTrailFiles(tmp);
    const result = await ingestCloudTrailFiles(found, { mapper });

    expect(result.stats).toMatchObject({
      files: 6,
      ingestedFiles: 3,
      failedFiles: 2,
      alreadyIngestedFiles: 1,
      events: 35,
    });
    // 30 + 3 records of account A (the copy skipped), 2 of B
    const a = result.usage.filter((u) => u.identityArn === `arn:aws:iam::${A}:user/deployer`);
    expect(a.reduce((n, u) => n + u.count, 0)).toBe(33);
    expect(a.map((u) => [u.action, u.day, u.count])).toEqual([
      // even i -> Aug 1, odd -> Aug 2; i % 3 === 0 -> ListBuckets (i = 0..29 and 500..502)
      ['s3:GetObject', '2024-08-01', 12],
      ['s3:ListAllMyBuckets', '2024-08-01', 5],
      ['s3:GetObject', '2024-08-02', 10],
      ['s3:ListAllMyBuckets', '2024-08-02', 6],
    ]);

    const gaps = result.coverage.filter((c) => c.status === 'gap');
    expect(gaps.map((g) => g.scope).sort()).toEqual([files.malformed, files.truncated].sort());
    const truncated = gaps.find((g) => g.scope === files.truncated)!;
    expect(truncated.reason).toMatch(/^.*truncated\.json\.gz: truncated gzip \(unexpected end of file\)/);
    expect(truncated.reason).not.toContain('\n');
    const malformed = gaps.find((g) => g.scope === files.malformed)!;
    expect(malformed.reason).toContain("malformed.json.gz: invalid CloudTrail JSON at byte 37: expected a key or '}', found '}'");

    // each account's summary says which days CloudTrail speaks for, and is partial when one of its files failed
    const accountA = result.coverage.find((c) => c.scope === `aws:${A}`)!;
    expect(accountA).toMatchObject({ status: 'partial', detail: { days: ['2024-08-01', '2024-08-02'], regions: ['eu-west-1'], events: 33, files: 2 } });
    expect(accountA.reason).toContain('malformed.json.gz');
    expect(result.coverage.find((c) => c.scope === `aws:${B}`)).toMatchObject({ status: 'partial', detail: { events: 2, files: 1 } });

    // of two identical files the first in path order is ingested, the other skipped
    expect(result.ingested.map((i) => i.location)).toEqual([files.duplicate, files.notReallyGz, files.plainArray]);
    expect(result.ingested[0]).toMatchObject({
      digest: createHash('sha256').update(readFileSync(files.goodGz!)).digest('hex'),
      events: 30,
    });
    expect(result.daysSeen).toContainEqual({ accountId: B, region: 'eu-west-1', day: '2024-08-01', events: 1 });
    expect(result.userAgents.find((u) => u.identityArn.includes(B))?.userAgents).toEqual([
      { userAgent: 'aws-cli/2.15.30 Python/3.11.8', count: 2, lastSeen: '2024-08-02T10:00:01Z' },
    ]);

    // a second import of the same files adds nothing
    const ingestedDigests = new Set(result.ingested.map((i) => i.digest));
    const again = await ingestCloudTrailFiles(found, { mapper, alreadyIngested: (d) => ingestedDigests.has(d) });
    expect(again.usage).toEqual([]);
    expect(again.ingested).toEqual([]);
    expect(again.stats).toMatchObject({ alreadyIngestedFiles: 4, failedFiles: 2, events: 0 });
  });

  it('gives the same result whichever concurrency is used', async () => {
    const found = await discoverCloudTrailFiles(tmp);
    const one = await ingestCloudTrailFiles(found, { mapper, concurrency: 1 });
    const four = await ingestCloudTrailFiles(found, { mapper, concurrency: 4 });
    expect(four).toEqual(one);
  });

  it('reports a gap, not an empty result, when there are no files', async () => {
    const result = await ingestCloudTrailFiles([], { mapper });
    expect(result.coverage).toEqual([
      { scope: 'aws', source: 'cloudtrail', status: 'gap', reason: 'no CloudTrail files were given: usage is unknown' },
    ]);
  });

  it('marks every account partial when a failed file cannot be tied to an account', async () => {
    const odd = path.join(tmp, 'odd');
    mkdirSync(odd, { recursive: true });
    writeFileSync(path.join(odd, 'a.json'), JSON.stringify([record(A, 1)]));
    writeFileSync(path.join(odd, 'b.json'), '[{"eventName":');
    const result = await ingestCloudTrailFiles(await discoverCloudTrailFiles(odd), { mapper });
    expect(result.coverage.find((c) => c.scope === `aws:${A}`)).toMatchObject({ status: 'partial' });
    expect(result.coverage.find((c) => c.scope.endsWith('b.json'))).toMatchObject({ status: 'gap' });
  });

  it('records a partial file when some records lack essential fields', async () => {
    const dir = path.join(tmp, 'partial');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'p.json');
    writeFileSync(file, JSON.stringify([record(A, 1), record(A, 2, { eventTime: null })]));
    const result = await ingestCloudTrailFiles([file], { mapper });
    expect(result.stats.malformedRecords).toBe(1);
    expect(result.coverage.find((c) => c.scope === file)).toMatchObject({
      status: 'partial',
      reason: `${file}: 1 of 2 records lack a readable eventTime, eventSource or eventName and were not counted`,
    });
  });
});

describeFixtures('CloudTrail ingest of the 35 stratus-red-team captures', () => {
  let result: Awaited<ReturnType<typeof ingestCloudTrailFiles>>;
  beforeAll(async () => {
    const dir = path.dirname(fixture('aws/cloudtrail-stratus/aws.persistence.iam-create-admin-user.json'));
    const files = await discoverCloudTrailFiles(dir);
    expect(files).toHaveLength(35);
    result = await ingestCloudTrailFiles(files, { mapper });
  });

  it('reads every event and file', () => {
    expect(result.stats).toMatchObject({
      files: 35,
      ingestedFiles: 35,
      failedFiles: 0,
      events: 310,
      denied: 51,
      unmapped: 1,
      skippedServiceEvents: 0,
      malformedRecords: 0,
    });
    expect(result.unmapped).toEqual([{ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', count: 1 }]);
    expect(result.coverage.every((c) => c.status === 'ok')).toBe(true);
  });

  it('iam-create-admin-user: christophe created the user, its key and attached AdministratorAccess', () => {
    const rows = result.usage.filter((u) => u.identityArn === 'arn:aws:iam::229654561268:user/christophe');
    expect(rows).toEqual(
      ['iam:AttachUserPolicy', 'iam:CreateAccessKey', 'iam:CreateUser'].map((action) => ({
        identityArn: 'arn:aws:iam::229654561268:user/christophe',
        credentialId: 'AKIAOZUDECYXYM4ONAN4',
        action,
        day: '2024-08-01',
        count: 1,
        denied: 0,
        lastSeen: '2024-08-01T13:33:28Z',
      })),
    );
  });

  it('ec2-steal-instance-credentials: the instance role is used from outside, attributed to the role', () => {
    const role = 'arn:aws:iam::017622104382:role/stratus-red-team-ec2-steal-credentials-role';
    expect(result.usage.filter((u) => u.identityArn === role).map((u) => [u.action, u.credentialId, u.count])).toEqual([
      ['ec2:DescribeInstances', 'ASIAP5CT9NN8EYVU1FXV', 1],
      ['sts:GetCallerIdentity', 'ASIAP5CT9NN8EYVU1FXV', 1],
    ]);
    const user = result.usage.filter((u) => u.identityArn === 'arn:aws:iam::017622104382:user/christophe');
    expect(user.map((u) => [u.action, u.count])).toEqual([
      ['ssm:DescribeInstanceInformation', 38],
      ['ssm:GetCommandInvocation', 4],
      ['ssm:SendCommand', 1],
    ]);
  });

  it('ec2-get-password-data: 30 refused GetPasswordData calls are denied, not usage', () => {
    const rows = result.usage.filter((u) => u.identityArn.startsWith('arn:aws:iam::457448411975:'));
    expect(rows.map((u) => [u.identityArn.split(':')[5], u.action, u.count, u.denied])).toEqual([
      ['role/stratus-red-team-ec2-get-password-data-role', 'ec2:GetPasswordData', 0, 30],
      ['user/christophe', 'sts:AssumeRole', 2, 2],
    ]);
  });

  it('sts-federation-token: the federated session is attributed to the user that minted it', () => {
    expect(
      result.usage.filter((u) => u.identityArn === 'arn:aws:iam::742491224508:user/stratus-red-team-user-federation-user').map((u) => [u.action, u.credentialId]),
    ).toEqual([
      ['sts:GetCallerIdentity', 'ASIASTJKC5GCM7ZE6LUP'],
      ['sts:GetFederationToken', 'AKIA6V1GNZTT65XQH36M'],
    ]);
  });

  it('lambda versioned event names become plain actions', () => {
    const lambda = result.usage.filter((u) => u.action.startsWith('lambda:')).map((u) => u.action).sort();
    expect(lambda).toEqual(['lambda:AddPermission', 'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration']);
  });
});
