import { beforeAll, describe, expect, it } from 'vitest';
import { loadCloudTrailActionMapper, type CloudTrailActionMapper } from '../../../../src/catalog/cloudtrail-actions.js';
import {
  CloudTrailAggregate,
  isAccessDenied,
  MAX_USER_AGENTS_PER_IDENTITY,
} from '../../../../src/collect/files/cloudtrail/aggregate.js';
import type { CloudTrailRecordFields, CloudTrailUserIdentity } from '../../../../src/collect/files/cloudtrail/record-fields.js';

let mapper: CloudTrailActionMapper;
beforeAll(async () => {
  mapper = await loadCloudTrailActionMapper();
});

const ACCOUNT = '017622104382';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/stratus-red-team-ec2-steal-credentials-role`;
const USER = `arn:aws:iam::${ACCOUNT}:user/christophe`;

// Identities shaped exactly like the stratus-red-team captures.
const assumedRole: CloudTrailUserIdentity = {
  type: 'AssumedRole',
  principalId: 'AROAJ3QBOLY61R6PZG5M6:i-786a3A8B5C0d92eF4',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/stratus-red-team-ec2-steal-credentials-role/i-786a3A8B5C0d92eF4`,
  accountId: ACCOUNT,
  accessKeyId: 'ASIAP5CT9NN8EYVU1FXV',
  sessionContext: { sessionIssuer: { type: 'Role', arn: ROLE, userName: 'stratus-red-team-ec2-steal-credentials-role' } },
};
const iamUser: CloudTrailUserIdentity = {
  type: 'IAMUser',
  principalId: 'AIDAZ49AHUAJ9OEK73O5',
  arn: USER,
  accountId: ACCOUNT,
  accessKeyId: 'AKIAAM80VXLJF8NPK4VC',
  userName: 'christophe',
};

function event(overrides: Partial<CloudTrailRecordFields> = {}): CloudTrailRecordFields {
  return {
    eventTime: '2024-08-02T08:23:56Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    eventID: 'b0b7ab5f-7f0e-4e9a-9c68-7e0a3f7d1f00',
    awsRegion: 'us-north-2r',
    recipientAccountId: ACCOUNT,
    eventType: 'AwsApiCall',
    userAgent: 'stratus-red-team_c763d13b',
    sourceIPAddress: '075.050.255.67',
    userIdentity: iamUser,
    ...overrides,
  };
}

function aggregate(records: CloudTrailRecordFields[]): CloudTrailAggregate {
  const agg = new CloudTrailAggregate(mapper);
  for (const r of records) agg.add(r);
  return agg;
}

describe('CloudTrailAggregate attribution', () => {
  it('attributes assumed-role events to the role, not the session, with the session key as credential', () => {
    const [row, ...rest] = aggregate([event({ userIdentity: assumedRole })]).usageDays();
    expect(rest).toEqual([]);
    expect(row).toEqual({
      identityArn: ROLE,
      credentialId: 'ASIAP5CT9NN8EYVU1FXV',
      action: 'ec2:DescribeInstances',
      day: '2024-08-02',
      count: 1,
      denied: 0,
      lastSeen: '2024-08-02T08:23:56Z',
    });
  });

  it('derives the role ARN from the session ARN when the issuer is missing', () => {
    const { sessionContext: _, ...noIssuer } = assumedRole;
    expect(aggregate([event({ userIdentity: noIssuer })]).usageDays()[0]!.identityArn).toBe(ROLE);
  });

  it('attributes IAM users to the user ARN, root to the account root, federated users to the issuing user', () => {
    const rows = aggregate([
      event(),
      event({ userIdentity: { type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT } }),
      event({
        eventSource: 'sts.amazonaws.com',
        eventName: 'GetCallerIdentity',
        userIdentity: {
          type: 'FederatedUser',
          arn: `arn:aws:sts::${ACCOUNT}:federated-user/stratus_red_team`,
          accountId: ACCOUNT,
          accessKeyId: 'ASIASTJKC5GCM7ZE6LUP',
          sessionContext: { sessionIssuer: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/federation-user`, userName: 'federation-user' } },
        },
      }),
    ]).usageDays();
    expect(rows.map((r) => [r.identityArn, r.credentialId, r.action])).toEqual([
      [`arn:aws:iam::${ACCOUNT}:root`, '', 'ec2:DescribeInstances'],
      [USER, 'AKIAAM80VXLJF8NPK4VC', 'ec2:DescribeInstances'],
      [`arn:aws:iam::${ACCOUNT}:user/federation-user`, 'ASIASTJKC5GCM7ZE6LUP', 'sts:GetCallerIdentity'],
    ]);
  });

  it('skips and counts calls made by AWS services', () => {
    const agg = aggregate([
      event({ userIdentity: { ...assumedRole, invokedBy: 'ec2.amazonaws.com' } }),
      event({ userIdentity: { type: 'AWSService', invokedBy: 'cloudtrail.amazonaws.com' } }),
      event({ eventType: 'AwsServiceEvent', userIdentity: { accountId: ACCOUNT, invokedBy: 'AWS Internal' } }),
      event(),
    ]);
    expect(agg.stats.skippedServiceEvents).toBe(3);
    expect(agg.usageDays()).toHaveLength(1);
    expect(agg.usageDays()[0]!.identityArn).toBe(USER);
    // CloudTrail still spoke for the day
    expect(agg.daysSeen()).toEqual([{ accountId: ACCOUNT, region: 'us-north-2r', day: '2024-08-02', events: 4 }]);
  });

  it('counts events without an attributable identity instead of dropping them silently', () => {
    const agg = aggregate([event({ userIdentity: { type: 'AWSAccount', principalId: 'AIDAEXAMPLE', accountId: '999988887777' } })]);
    expect(agg.stats.unattributed).toBe(1);
    expect(agg.usageDays()).toEqual([]);
  });
});

describe('CloudTrailAggregate counting', () => {
  it('counts access-denied errors as denied, other errors as calls', () => {
    const rows = aggregate([
      event({ errorCode: 'Client.UnauthorizedOperation' }),
      event({ errorCode: 'AccessDenied' }),
      event({ eventSource: 'iam.amazonaws.com', eventName: 'GetUser', errorCode: 'AccessDeniedException' }),
      event({ eventSource: 'iam.amazonaws.com', eventName: 'GetUser', errorCode: 'NoSuchEntityException' }),
      event({ eventSource: 'iam.amazonaws.com', eventName: 'GetUser', errorCode: 'EntityTemporarilyUnmodifiableException' }),
      event(),
    ]).usageDays();
    expect(rows.map((r) => [r.action, r.count, r.denied])).toEqual([
      ['ec2:DescribeInstances', 1, 2],
      ['iam:GetUser', 2, 1],
    ]);
  });

  it.each([
    ['AccessDenied', true],
    ['Client.UnauthorizedOperation', true],
    ['UnauthorizedOperation', true],
    ['AccessDeniedException', true],
    ['KMS.AccessDeniedException', true],
    ['NoSuchEntity', false],
    ['ThrottlingException', false],
    ['ValidationError', false],
  ])('isAccessDenied(%s) = %s', (code, denied) => {
    expect(isAccessDenied(code)).toBe(denied);
  });

  it('aggregates per identity, key, action and UTC day, keeping the latest eventTime', () => {
    const rows = aggregate([
      event({ eventTime: '2024-08-02T08:00:00Z' }),
      event({ eventTime: '2024-08-02T23:59:59Z' }),
      event({ eventTime: '2024-08-02T12:00:00Z' }),
      // a non-UTC timestamp lands on its UTC day
      event({ eventTime: '2024-08-02T23:30:00-02:00' }),
      // a leap day is a real day
      event({ eventTime: '2024-02-29T12:00:00Z' }),
      event({ eventTime: '2024-08-02T09:00:00Z', userIdentity: { ...iamUser, accessKeyId: 'AKIAOTHERKEY00000000' } }),
    ]).usageDays();
    expect(rows.map((r) => [r.credentialId, r.day, r.count, r.lastSeen])).toEqual([
      ['AKIAAM80VXLJF8NPK4VC', '2024-02-29', 1, '2024-02-29T12:00:00Z'],
      ['AKIAAM80VXLJF8NPK4VC', '2024-08-02', 3, '2024-08-02T23:59:59Z'],
      ['AKIAOTHERKEY00000000', '2024-08-02', 1, '2024-08-02T09:00:00Z'],
      ['AKIAAM80VXLJF8NPK4VC', '2024-08-03', 1, '2024-08-03T01:30:00Z'],
    ]);
  });

  it('counts unmapped events by source and name, and still records the agent', () => {
    const agg = aggregate([
      event({ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', eventType: 'AwsConsoleSignIn', userAgent: 'Mozilla/5.0' }),
      event({ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', eventType: 'AwsConsoleSignIn', userAgent: 'Mozilla/5.0' }),
      event({ eventSource: 'iam.amazonaws.com', eventName: 'NoSuchOperation' }),
    ]);
    expect(agg.stats.unmapped).toBe(3);
    expect(agg.unmappedEvents()).toEqual([
      { eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', count: 2 },
      { eventSource: 'iam.amazonaws.com', eventName: 'NoSuchOperation', count: 1 },
    ]);
    expect(agg.usageDays()).toEqual([]);
    expect(agg.identityUserAgents()[0]!.userAgents).toContainEqual({ userAgent: 'Mozilla/5.0', count: 2, lastSeen: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('counts records missing essential fields or with an impossible time as malformed', () => {
    const agg = aggregate([
      event({ eventTime: 'yesterday' }),
      event({ eventName: undefined }),
      event({ eventSource: undefined }),
      event({ eventTime: '2024-13-01T00:00:00Z' }),
      event({ eventTime: '2023-02-29T00:00:00Z' }),
      event({ eventTime: '1969-12-31T23:59:59Z' }),
    ]);
    expect(agg.stats.malformedRecords).toBe(6);
    expect(agg.stats.events).toBe(6);
    expect(agg.usageDays()).toEqual([]);
  });

  it('keeps at most 50 distinct user agents per identity and counts the overflow', () => {
    const records = Array.from({ length: MAX_USER_AGENTS_PER_IDENTITY + 10 }, (_, i) => event({ userAgent: `agent/${i}` }));
    records.push(event({ userAgent: 'agent/0' }));
    const [ua] = aggregate(records).identityUserAgents();
    expect(ua!.identityArn).toBe(USER);
    expect(ua!.userAgents).toHaveLength(MAX_USER_AGENTS_PER_IDENTITY);
    expect(ua!.userAgents[0]).toMatchObject({ userAgent: 'agent/0', count: 2 });
    expect(ua!.overflowEvents).toBe(10);
  });

  it('merging per-file aggregates equals aggregating everything at once', () => {
    const records: CloudTrailRecordFields[] = [];
    for (let i = 0; i < 200; i++) {
      records.push(
        event({
          eventTime: `2024-08-0${1 + (i % 3)}T0${i % 10}:00:00Z`,
          eventName: ['DescribeInstances', 'RunInstances', 'StopInstances'][i % 3]!,
          userIdentity: i % 2 ? iamUser : assumedRole,
          errorCode: i % 7 === 0 ? 'AccessDenied' : undefined,
          awsRegion: i % 5 ? 'us-north-2r' : 'eu-west-2r',
          userAgent: `agent/${i % 4}`,
        }),
      );
    }
    records.push(event({ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin' }));
    const whole = aggregate(records);
    const merged = aggregate(records.slice(0, 77));
    merged.merge(aggregate(records.slice(77)));
    expect(merged.usageDays()).toEqual(whole.usageDays());
    expect(merged.unmappedEvents()).toEqual(whole.unmappedEvents());
    expect(merged.daysSeen()).toEqual(whole.daysSeen());
    expect(merged.identityUserAgents()).toEqual(whole.identityUserAgents());
    expect(merged.stats).toEqual(whole.stats);
    expect(whole.stats).toMatchObject({ events: 201, attributed: 200, unmapped: 1 });
  });
});

describe('CloudTrailAggregate packed (a worker total as rows)', () => {
  it('merges to exactly what merging the aggregate gives, past the resource and user-agent caps', () => {
    const records: CloudTrailRecordFields[] = [];
    for (let i = 0; i < 600; i++) {
      const bucket = `backups-${i % 37}`;
      records.push(
        event({
          eventTime: `2024-08-0${1 + (i % 4)}T1${i % 10}:00:00Z`,
          eventSource: i % 3 ? 's3.amazonaws.com' : 'ec2.amazonaws.com',
          eventName: i % 3 ? 'GetObject' : 'DescribeInstances',
          userIdentity: i % 2 ? iamUser : assumedRole,
          errorCode: i % 11 === 0 ? 'AccessDenied' : undefined,
          userAgent: `agent/${Math.floor(i / 2) % 70}`,
          ...(i % 3 ? { resources: [{ ARN: `arn:aws:s3:::${bucket}/db/${i % 5}/dump.gz` }], requestParameters: { bucketName: bucket, key: `db/${i % 5}/dump.gz` } } : {}),
        }),
      );
    }
    records.push(event({ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin' }));
    const parts = [records.slice(0, 150), records.slice(150, 420), records.slice(420)].map(aggregate);
    const asGraph = new CloudTrailAggregate(mapper);
    const asRows = new CloudTrailAggregate(mapper);
    for (const part of parts) {
      asGraph.merge(part);
      asRows.mergePacked(structuredClone(part.pack()));
    }
    // Past both caps, so evictions and overflow are part of what is compared.
    const resources = asGraph.resourceUsage();
    expect(resources.gaps.some((g) => g.overflow > 0)).toBe(true);
    expect(asGraph.identityUserAgents().every((u) => u.overflowEvents > 0)).toBe(true);
    expect(asRows.usageDays()).toEqual(asGraph.usageDays());
    expect(asRows.resourceUsage()).toEqual(resources);
    expect(asRows.identityUserAgents()).toEqual(asGraph.identityUserAgents());
    expect(asRows.unmappedEvents()).toEqual(asGraph.unmappedEvents());
    expect(asRows.daysSeen()).toEqual(asGraph.daysSeen());
    expect(asRows.stats).toEqual(asGraph.stats);
    expect(asRows.usageDays()).toEqual(aggregate(records).usageDays());
  });
});

describe('CloudTrailAggregate call times', () => {
  it('keeps the latest call time of a cell as CloudTrail wrote it, a leap second and sub-second times included', () => {
    const agg = aggregate([
      event({ eventTime: '2016-12-31T23:59:59Z' }),
      event({ eventTime: '2016-12-31T23:59:60Z' }),
      event({ eventTime: '2016-12-31T08:00:00Z' }),
      event({ eventTime: '2016-12-30T23:00:00.123Z' }),
    ]);
    expect(agg.usageDays().map((u) => [u.day, u.count, u.lastSeen])).toEqual([
      ['2016-12-30', 1, '2016-12-30T23:00:00Z'],
      ['2016-12-31', 3, '2016-12-31T23:59:60Z'],
    ]);
  });
});

describe('CloudTrailAggregate user agents', () => {
  it('keeps the latest call time per user agent, across merges', () => {
    const a = aggregate([event({ userAgent: 'claude-code/1.0.51', eventTime: '2026-11-01T10:00:00Z' }), event({ userAgent: 'claude-code/1.0.51', eventTime: '2026-11-03T09:00:00Z' })]);
    const b = aggregate([event({ userAgent: 'claude-code/1.0.51', eventTime: '2026-11-02T08:00:00Z' })]);
    a.merge(b);
    expect(a.identityUserAgents()[0]!.userAgents).toEqual([{ userAgent: 'claude-code/1.0.51', count: 3, lastSeen: '2026-11-03T09:00:00Z' }]);
  });
});
