/**
 * Access Advisor results tied to their principals: cloudmapper's real jobs
 * (two-folder layout) and the direct access-advisor/<ARN>.json layout.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAccountExports, toSnapshotParts } from '../../../../src/collect/files/iam/index.js';
import { describeFixtures, fixture, fixturesDir } from '../../../helpers/fixtures.js';
import { makeExportDir, type ExportDir } from './export-dir.js';

const DEMO = 'aws/cloudmapper-demo';
const ACCOUNT = '123456789012';
const GENERATE = 'iam-generate-service-last-accessed-details';
const RESULT = 'iam-get-service-last-accessed-details';

/** cloudmapper's demo account folder, linked file by file. */
function linkDemo(dir: ExportDir, into: string, { withAuthz = true } = {}) {
  if (withAuthz) dir.link(fixture(`${DEMO}/iam-get-account-authorization-details.json`), `${into}/iam-get-account-authorization-details.json`);
  for (const sub of [GENERATE, RESULT]) {
    for (const name of readdirSync(path.join(fixturesDir, DEMO, sub))) dir.link(fixture(`${DEMO}/${sub}/${name}`), `${into}/${sub}/${name}`);
  }
}

describeFixtures('cloudmapper demo Access Advisor jobs (real export)', () => {
  const dir = makeExportDir();
  linkDemo(dir, ACCOUNT);
  const read = readAccountExports(dir.root);
  const parts = toSnapshotParts(read.accounts[0]!);

  it('ties each of the 4 results to the role named by its url-encoded job file', () => {
    expect(read.accounts[0]!.coverage).toEqual([]);
    expect(parts.accessAdvisor.map((r) => [r.identityArn, r.jobId])).toEqual([
      ['arn:aws:iam::123456789012:role/bad_role', 'a2b53fd9-88bc-d0b5-1b9a-af9c4af22373'],
      ['arn:aws:iam::123456789012:role/exfiller', 'a2b53fd9-88bc-d0b5-1b9a-af9c4af22371'],
      ['arn:aws:iam::123456789012:role/level3', 'a2b53fd9-88bc-d0b5-1b9a-af9c4af22375'],
      ['arn:aws:iam::123456789012:role/service-role/level1', 'a2b53fd9-88bc-d0b5-1b9a-af9c4af22374'],
    ]);
    // Every one names a role that is in the authorization details.
    const roles = new Set(parts.identities.filter((i) => i.kind === 'role').map((i) => i.arn));
    for (const r of parts.accessAdvisor) expect(roles.has(r.identityArn)).toBe(true);
  });

  it('maps the service-level result', () => {
    // bad_role's result says LastAuthenticatedEntity service-role/bad_role: the file name, not that field, decides.
    expect(parts.accessAdvisor[0]).toEqual({
      identityArn: 'arn:aws:iam::123456789012:role/bad_role',
      jobId: 'a2b53fd9-88bc-d0b5-1b9a-af9c4af22373',
      granularity: 'SERVICE_LEVEL',
      completedAt: '2019-05-03T21:56:43.085Z',
      services: [{ namespace: 'logs', name: 'Amazon CloudWatch Logs', lastAuthenticated: '2019-04-15T04:19:00.000Z' }],
    });
    expect(parts.coverage.find((c) => c.source === 'access-advisor')).toMatchObject({
      status: 'partial',
      detail: { reports: 4, missing: ['arn:aws:iam::aws:user/USER_WITH_BAD_INLINE_POLICY', 'arn:aws:iam::aws:user/USER'] },
    });
  });

  it('reads the same layout inside access-advisor/', () => {
    const nested = makeExportDir();
    nested.link(fixture(`${DEMO}/iam-get-account-authorization-details.json`), `${ACCOUNT}/iam-get-account-authorization-details.json`);
    linkDemo(nested, `${ACCOUNT}/access-advisor`, { withAuthz: false });
    const again = toSnapshotParts(readAccountExports(nested.root).accounts[0]!);
    expect(again.accessAdvisor).toEqual(parts.accessAdvisor);
  });

  it('makes a result without a job file, and a job without its result, gaps naming the file', () => {
    const broken = makeExportDir();
    broken.link(fixture(`${DEMO}/iam-get-account-authorization-details.json`), `${ACCOUNT}/iam-get-account-authorization-details.json`);
    const orphan = broken.link(fixture(`${DEMO}/${RESULT}/a2b53fd9-88bc-d0b5-1b9a-af9c4af22371`), `${ACCOUNT}/${RESULT}/a2b53fd9-88bc-d0b5-1b9a-af9c4af22371`);
    const jobFile = broken.link(
      fixture(`${DEMO}/${GENERATE}/arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Flevel3`),
      `${ACCOUNT}/${GENERATE}/arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Flevel3`,
    );
    const account = readAccountExports(broken.root).accounts[0]!;
    expect(account.accessAdvisor).toEqual([]);
    expect(account.coverage.map((c) => [c.status, c.reason])).toEqual([
      ['gap', `${jobFile}: names job a2b53fd9-88bc-d0b5-1b9a-af9c4af22375, but ${broken.path(`${ACCOUNT}/${RESULT}/a2b53fd9-88bc-d0b5-1b9a-af9c4af22375`)} is not in the export`],
      ['gap', `${orphan}: no ${GENERATE}/<principal ARN> file names job a2b53fd9-88bc-d0b5-1b9a-af9c4af22371, so its principal cannot be determined`],
    ]);
    expect(toSnapshotParts(account).coverage.find((c) => c.scope === `aws:${ACCOUNT}` && c.source === 'access-advisor')).toMatchObject({ status: 'gap' });
  });
});

describe('access-advisor/<url-encoded ARN>.json', () => {
  const role = 'arn:aws:iam::111122223333:role/agents/ops-ai-agent';
  const user = 'arn:aws:iam::111122223333:user/ci';
  const authz = {
    UserDetailList: [{ UserName: 'ci', Arn: user, UserPolicyList: [], AttachedManagedPolicies: [], GroupList: [], Tags: [] }],
    GroupDetailList: [],
    RoleDetailList: [
      {
        RoleName: 'ops-ai-agent',
        Arn: role,
        Path: '/agents/',
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        RolePolicyList: [],
        AttachedManagedPolicies: [],
        Tags: [],
      },
    ],
    Policies: [],
  };
  const actionLevel = {
    JobStatus: 'COMPLETED',
    JobType: 'ACTION_LEVEL',
    JobCreationDate: '2026-11-15T06:01:00.000000+00:00',
    ServicesLastAccessed: [
      {
        ServiceName: 'Amazon S3',
        LastAuthenticated: '2026-11-14T10:50:40+00:00',
        LastAuthenticatedEntity: role,
        LastAuthenticatedRegion: 'us-east-1',
        ServiceNamespace: 's3',
        TotalAuthenticatedEntities: 1,
        TrackedActionsLastAccessed: [
          { ActionName: 'ListAllMyBuckets', LastAccessedEntity: role, LastAccessedRegion: 'us-east-1', LastAccessedTime: '2026-11-14T10:50:40+00:00' },
          { ActionName: 'DeleteBucket' },
        ],
      },
      { ServiceName: 'AWS Backup', ServiceNamespace: 'backup', TotalAuthenticatedEntities: 0 },
    ],
    JobCompletionDate: '2026-11-15T06:01:04.210000+00:00',
    IsTruncated: false,
  };

  it('maps ACTION_LEVEL results with tracked actions as service:Action', () => {
    const dir = makeExportDir();
    dir.write('111122223333/iam-get-account-authorization-details.json', authz);
    dir.write(`111122223333/access-advisor/${encodeURIComponent(role)}.json`, actionLevel);
    dir.write(`111122223333/access-advisor/${encodeURIComponent(user)}.json`, { ...actionLevel, JobType: undefined, ServicesLastAccessed: [] });
    const parts = toSnapshotParts(readAccountExports(dir.root).accounts[0]!);
    expect(parts.accessAdvisor).toEqual([
      {
        identityArn: role,
        granularity: 'ACTION_LEVEL',
        completedAt: '2026-11-15T06:01:04.210Z',
        services: [
          {
            namespace: 's3',
            name: 'Amazon S3',
            lastAuthenticated: '2026-11-14T10:50:40.000Z',
            lastAuthenticatedRegion: 'us-east-1',
            trackedActions: [
              { action: 's3:ListAllMyBuckets', lastAccessed: '2026-11-14T10:50:40.000Z', region: 'us-east-1' },
              { action: 's3:DeleteBucket' },
            ],
          },
          { namespace: 'backup', name: 'AWS Backup' },
        ],
      },
      { identityArn: user, granularity: 'SERVICE_LEVEL', completedAt: '2026-11-15T06:01:04.210Z', services: [] },
    ]);
    expect(parts.coverage.find((c) => c.source === 'access-advisor')).toEqual({
      scope: 'aws:111122223333',
      source: 'access-advisor',
      status: 'ok',
      detail: { reports: 2 },
    });
  });

  it('makes unfinished jobs and unnamed results gaps naming the file, never empty reports', () => {
    const dir = makeExportDir();
    dir.write('111122223333/iam-get-account-authorization-details.json', authz);
    const inProgress = dir.write(`111122223333/access-advisor/${encodeURIComponent(role)}.json`, {
      JobStatus: 'IN_PROGRESS',
      JobCreationDate: '2026-11-15T06:01:00+00:00',
    });
    const failed = dir.write(`111122223333/access-advisor/${encodeURIComponent(user)}.json`, {
      JobStatus: 'FAILED',
      JobCreationDate: '2026-11-15T06:01:00+00:00',
      Error: { Code: 'ServiceFailure', Message: 'Job failed, retry later' },
    });
    const unnamed = dir.write('111122223333/access-advisor/ops-ai-agent.json', actionLevel);
    const truncated = dir.write('111122223333/access-advisor/arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fother.json', '{"JobStatus": "COMPLETED", "ServicesLastAccessed": [');
    const read = readAccountExports(dir.root);
    const parts = toSnapshotParts(read.accounts[0]!);
    expect(parts.accessAdvisor).toEqual([]);
    const gaps = parts.coverage.filter((c) => c.source === 'access-advisor' && c.status === 'gap');
    expect(gaps).toHaveLength(5);
    expect(gaps.map((g) => g.reason)).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^${escape(unnamed)}: file name is not a URL-encoded IAM ARN`)),
      expect.stringMatching(new RegExp(`^${escape(truncated)}: is truncated`)),
      `${inProgress}: Access Advisor job is IN_PROGRESS; usage of ${role} unknown`,
      `${failed}: Access Advisor job is FAILED: ServiceFailure Job failed, retry later; usage of ${user} unknown`,
      'no usable Access Advisor results in the export: service-level usage unknown',
    ]));
    expect(gaps.find((g) => g.reason?.includes('IN_PROGRESS'))!.scope).toBe('aws:111122223333:role/agents/ops-ai-agent');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
