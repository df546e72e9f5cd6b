/**
 * The live collector against real SDK clients over HTTP: a local server
 * speaking the IAM/STS Query and Organizations JSON protocols, with
 * pagination, throttling, 5xx, a job that never completes, AccessDenied on
 * one API and on one account.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectAwsLive, type LiveAwsCollection } from '../../../src/collect/aws/collect-aws.js';
import { openStore } from '../../../src/store/index.js';
import { fastPoll, startFakeAws, liveOptions, type FakeAws } from '../../servers/aws/harness.js';
import { EXTERNAL_ID, HOME, MEMBER, NO_ROLE, testWorld } from './world.js';

describe('collectAwsLive over HTTP', () => {
  let aws: FakeAws;
  let result: LiveAwsCollection;
  let dir: string;

  beforeAll(async () => {
    aws = await startFakeAws(testWorld());
    dir = mkdtempSync(path.join(os.tmpdir(), 'kw-live-'));
    result = await collectAwsLive(
      aws.factory,
      liveOptions({ organizations: true, auditRole: { name: 'keywarden-audit', externalId: EXTERNAL_ID, sessionName: 'keywarden-test' } }),
    );
  }, 30_000);
  afterAll(async () => {
    await aws.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const gaps = () => result.snapshot.coverage.filter((c) => c.status === 'gap');

  it('audits the home account and the member reached through the audit role with its external id', () => {
    expect(result.homeAccountId).toBe(HOME);
    expect(result.snapshot.accounts.map((a) => a.accountId).sort()).toEqual([HOME, MEMBER]);
    const member = result.snapshot.accounts.find((a) => a.accountId === MEMBER)!;
    expect(member).toMatchObject({ alias: 'acme-prod', tags: { env: 'production' } });
    const assume = aws.server.calls('AssumeRole');
    expect(assume.map((r) => r.params.RoleArn).sort()).toEqual([
      `arn:aws:iam::${MEMBER}:role/keywarden-audit`,
      `arn:aws:iam::${NO_ROLE}:role/keywarden-audit`,
    ]);
    expect(assume.every((r) => r.params.ExternalId === EXTERNAL_ID)).toBe(true);
    // The member's IAM calls were made with the assumed credentials, not the home ones.
    expect(aws.server.calls('GetAccountAuthorizationDetails', MEMBER).length).toBeGreaterThan(0);
    // Suspended accounts are not tried.
    expect(assume.some((r) => r.params.RoleArn?.includes('444444444444'))).toBe(false);
  });

  it('records the account without an audit role as a gap and continues', () => {
    const gap = gaps().find((c) => c.scope === `aws:${NO_ROLE}`);
    expect(gap?.source).toBe('assume-role');
    expect(gap?.reason).toMatch(/AccessDenied \(403\).*sts:AssumeRole/);
    expect(result.snapshot.identities.some((i) => i.accountId === NO_ROLE)).toBe(false);
  });

  it('reads every page of authorization details, retrying the throttled ones', () => {
    const calls = aws.server.calls('GetAccountAuthorizationDetails', HOME);
    const throttled = calls.filter((c) => c.status === 400);
    expect(throttled).toHaveLength(2);
    // 2 users + 1 group + 3 roles + 1 policy at 3 entries per page = 3 pages, plus the 2 retries.
    expect(calls.filter((c) => c.status === 200)).toHaveLength(3);
    expect(calls.map((c) => c.params.Marker ?? '')).toEqual(['', '', '', 'Mw==', 'Ng==']);
    const home = result.snapshot.identities.filter((i) => i.accountId === HOME);
    expect(home.map((i) => `${i.kind}:${i.name}`).sort()).toEqual([
      'role:agent-runner',
      'role:reader',
      'role:stuck-job-role',
      'root:root',
      'user:alice',
      'user:ci-bot',
    ]);
    expect(gaps().filter((c) => c.scope === `aws:${HOME}` && c.source === 'authorization-details')).toEqual([]);
  });

  it('decodes URL-encoded policies once and resolves group, managed and inline grants', () => {
    const ci = result.snapshot.attachments.filter((a) => a.identityArn === `arn:aws:iam::${HOME}:user/ci-bot`);
    expect(ci).toEqual([expect.objectContaining({ kind: 'group-inline', groupName: 'deployers', policyName: 'deploy' })]);
    const doc = result.snapshot.policies.find((p) => p.hash === ci[0]!.policyHash)?.document;
    expect(doc).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['lambda:UpdateFunctionCode', 'iam:PassRole'], Resource: '*' }] });
    const runner = result.snapshot.identities.find((i) => i.name === 'agent-runner')!;
    expect(runner.trustPolicy).toBeUndefined();
    expect(runner.tags).toEqual({ agent: 'true' });
    expect(runner.lastUsed).toEqual({ at: '2026-11-10T08:00:00.000Z', region: 'us-east-1', source: 'role-last-used' });
  });

  it('reads access keys with their real ids, retrying the 5xx', () => {
    expect(aws.server.calls('ListAccessKeys', HOME).some((c) => c.status === 500)).toBe(true);
    const keys = result.snapshot.credentials.filter((c) => c.identityArn === `arn:aws:iam::${HOME}:user/ci-bot`);
    expect(keys.map((k) => [k.id, k.active, k.lastUsedService ?? null])).toEqual([
      ['AKIAHOMECIBOT0000001', true, 's3'],
      ['AKIAHOMECIBOT0000002', false, null],
    ]);
    expect(keys[0]).toMatchObject({ createdAt: '2024-01-02T03:04:05.000Z', lastUsedAt: '2026-11-01T10:00:00.000Z', lastUsedRegion: 'eu-west-1' });
  });

  it('polls the credential report until COMPLETE; AccessDenied on it in one account is a gap there only', () => {
    expect(aws.server.calls('GenerateCredentialReport', HOME).map((c) => c.status)).toEqual([200, 200, 200]);
    expect(result.snapshot.credentials.some((c) => c.id === `arn:aws:iam::${HOME}:user/alice#password`)).toBe(true);
    expect(result.snapshot.identities.some((i) => i.arn === `arn:aws:iam::${HOME}:root`)).toBe(true);
    const denied = gaps().filter((c) => c.source === 'credential-report');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ scope: `aws:${MEMBER}` });
    expect(denied[0]!.reason).toMatch(/^GenerateCredentialReport\/GetCredentialReport failed: AccessDenied \(403\)/);
    // Keys of the member still come from ListAccessKeys.
    expect(result.snapshot.credentials.some((c) => c.id === 'AKIAMEMBERLEGACY0001')).toBe(true);
  });

  it('reads Access Advisor per principal across result pages, and a job that never completes is a gap', () => {
    const runner = result.snapshot.accessAdvisor.find((r) => r.identityArn.endsWith('role/agent-runner'))!;
    expect(runner.granularity).toBe('ACTION_LEVEL');
    expect(runner.services.map((s) => s.namespace)).toEqual(['s3', 'iam', 'ec2']);
    expect(runner.services[0]!.trackedActions).toEqual([
      { action: 's3:GetObject', lastAccessed: '2026-11-09T00:00:00.000Z', region: 'us-east-1' },
      { action: 's3:PutObject' },
    ]);
    const generated = aws.server.calls('GenerateServiceLastAccessedDetails');
    expect(generated.every((g) => g.params.Granularity === 'ACTION_LEVEL')).toBe(true);
    // One job per user and role of both reached accounts.
    expect(generated).toHaveLength(5 + 3);
    const stuck = gaps().find((c) => c.source === 'access-advisor' && c.scope.endsWith('role/stuck-job-role'));
    expect(stuck?.reason).toMatch(/still IN_PROGRESS after/);
    expect(result.snapshot.accessAdvisor.some((r) => r.identityArn.endsWith('role/stuck-job-role'))).toBe(false);
    const account = result.snapshot.coverage.find((c) => c.scope === `aws:${HOME}` && c.source === 'access-advisor' && c.status !== 'gap');
    expect(account?.status).toBe('partial');
  });

  it('stores the scan, and no secret handed out by AssumeRole reaches the database', () => {
    const dbPath = path.join(dir, 'kw.db');
    const store = openStore(dbPath);
    const scanId = store.writeScan(result.snapshot, result.extras);
    const contents = store.scanContents(scanId);
    expect(contents.identities.length).toBe(result.snapshot.identities.length);
    store.close();
    const bytes = readFileSync(dbPath).toString('latin1');
    expect(aws.server.issuedSecrets.length).toBeGreaterThan(0);
    for (const secret of aws.server.issuedSecrets) expect(bytes.includes(secret)).toBe(false);
    expect(bytes.includes('home-secret-never-stored')).toBe(false);
  });

  // Last: it runs a second collection against the same server, whose call counts the tests above read.
  it('without a trail bucket, CloudTrail usage is a gap, unless Athena loads it', async () => {
    expect(gaps().find((c) => c.source === 'cloudtrail')?.reason).toMatch(/no CloudTrail bucket configured/);
    const withAthena = await collectAwsLive(aws.factory, { ...liveOptions({ auditRole: { name: 'keywarden-audit', externalId: EXTERNAL_ID, sessionName: 'kw' } }), cloudTrailFromAthena: 'keywarden.cloudtrail' });
    expect(withAthena.snapshot.coverage.filter((c) => c.source === 'cloudtrail')).toEqual([
      { scope: 'aws', source: 'cloudtrail', status: 'ok', reason: 'CloudTrail usage comes from Athena loads of keywarden.cloudtrail (keywarden collect athena); the audit counts the days they cover' },
    ]);
  });
});

describe('collectAwsLive when whole APIs fail', () => {
  let aws: FakeAws;
  let result: LiveAwsCollection;

  beforeAll(async () => {
    aws = await startFakeAws(
      testWorld({
        faults: [
          { action: 'ListAccounts', kind: 'AccessDenied' },
          // Throttled for ever in the member account: the SDK gives up after maxAttempts.
          { action: 'GetAccountAuthorizationDetails', account: MEMBER, kind: 'Throttling' },
          { action: 'GenerateServiceLastAccessedDetails', account: HOME, kind: 'AccessDenied' },
        ],
      }),
      { maxAttempts: 3 },
    );
    result = await collectAwsLive(
      aws.factory,
      liveOptions({ organizations: true, accounts: [MEMBER], auditRole: { name: 'keywarden-audit', externalId: EXTERNAL_ID, sessionName: 'kw' }, iam: { concurrency: 1, accessAdvisor: fastPoll(), credentialReport: fastPoll(2000) } }),
    );
  }, 60_000);
  afterAll(() => aws.stop());

  const gap = (scope: string, source: string) => result.snapshot.coverage.filter((c) => c.status === 'gap' && c.scope === scope && c.source === source);

  it('Organizations denied: a gap, and the configured accounts are still audited', () => {
    expect(gap('aws', 'organizations')[0]?.reason).toMatch(/ListAccounts failed: AccessDeniedException/);
    expect(result.snapshot.accounts.map((a) => a.accountId).sort()).toEqual([HOME, MEMBER]);
    expect(aws.server.calls('AssumeRole').map((r) => r.params.RoleArn)).toEqual([`arn:aws:iam::${MEMBER}:role/keywarden-audit`]);
  });

  it('throttling that outlasts maxAttempts is a gap for that API only, after exactly maxAttempts requests', () => {
    expect(aws.server.calls('GetAccountAuthorizationDetails', MEMBER)).toHaveLength(3);
    const [authz] = gap(`aws:${MEMBER}`, 'authorization-details');
    expect(authz?.reason).toMatch(/^GetAccountAuthorizationDetails failed: Throttling \(400\): Rate exceeded/);
    // Identities and grants unknown there, but the credential report still gave its users and root.
    expect(result.snapshot.identities.filter((i) => i.accountId === MEMBER).map((i) => i.kind).sort()).toEqual(['root', 'user']);
  });

  it('Access Advisor denied: one job is tried, the rest are not started, and the account says why', () => {
    expect(aws.server.calls('GenerateServiceLastAccessedDetails', HOME)).toHaveLength(1);
    expect(gap(`aws:${HOME}`, 'access-advisor')[0]?.reason).toMatch(/Access Advisor denied .*AccessDenied.*usage of 5 of 5 users and roles unknown/);
    expect(result.snapshot.accessAdvisor.filter((r) => r.identityArn.includes(HOME))).toEqual([]);
  });
});
