/**
 * get-account-authorization-details -> identities, policies and attachments,
 * on the real cloudsplaining exports, plus pages and policy-document variants
 * derived from them.
 */
import { describe as describePlain, expect, it } from 'vitest';
import { readAccountExports, toSnapshotParts } from '../../../../src/collect/files/iam/index.js';
import { policyHash } from '../../../../src/model/policy-hash.js';
import type { WireAuthorizationDetails } from '../../../../src/model/aws-wire.js';
import { describeFixtures, fixture } from '../../../helpers/fixtures.js';
import { makeExportDir, readJson } from './export-dir.js';

const EXAMPLE = 'aws/authz-cloudsplaining-example.json';
const TEACHING = 'aws/authz-cloudsplaining-teaching.json';

function importSingle(dir: string) {
  const read = readAccountExports(dir);
  expect(read.coverage).toEqual([]);
  expect(read.accounts).toHaveLength(1);
  return { exported: read.accounts[0]!, parts: toSnapshotParts(read.accounts[0]!) };
}

describeFixtures('cloudsplaining example account (real export)', () => {
  const dir = makeExportDir();
  dir.link(fixture(EXAMPLE), '200611803367/iam-get-account-authorization-details.json');
  const { exported, parts } = importSingle(dir.root);
  const byName = (name: string) => parts.identities.find((i) => i.name === name)!;

  it('imports every user and role as an identity, and no group', () => {
    const details = exported.authorizationDetails!.details;
    expect(details.UserDetailList).toHaveLength(44);
    expect(details.GroupDetailList).toHaveLength(5);
    expect(details.RoleDetailList).toHaveLength(78);
    expect(details.Policies).toHaveLength(84);
    expect(parts.identities.filter((i) => i.kind === 'user')).toHaveLength(44);
    expect(parts.identities.filter((i) => i.kind === 'role')).toHaveLength(78);
    expect(parts.identities).toHaveLength(122);
    expect(parts.account).toEqual({ provider: 'aws', accountId: '200611803367', tags: {} });
    expect(exported.accountIdSource).toBe('folder-name');
  });

  it('maps role details: trust policy, RoleLastUsed, tags, normalised timestamps', () => {
    const role = byName('AWS-QuickSetup-EnableCRecording-1clff_ap-northeast-1');
    expect(role).toMatchObject({
      kind: 'role',
      arn: 'arn:aws:iam::200611803367:role/AWS-QuickSetup-EnableCRecording-1clff_ap-northeast-1',
      accountId: '200611803367',
      uniqueId: 'AROAS5NLFGDTVAEPEVY6N',
      path: '/',
      createdAt: '2022-08-07T12:55:43.000Z',
      lastUsed: { at: '2022-08-07T12:56:48.000Z', region: 'us-east-1', source: 'role-last-used' },
      tags: { QuickSetupVersion: '1.2', QuickSetupType: 'Config Recording', QuickSetupID: '1clff' },
    });
    expect(role.trustPolicy?.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    // 26 roles carry RoleLastUsed dates, the rest `{}`: no date is invented.
    expect(parts.identities.filter((i) => i.lastUsed)).toHaveLength(26);
  });

  it('attaches group policies to each member user, naming the group', () => {
    const sre = parts.attachments.filter((a) => a.identityArn === byName('privesc-sre-user').arn);
    expect(sre).toEqual([
      expect.objectContaining({
        kind: 'group-managed',
        groupName: 'privesc-sre-group',
        policyName: 'privesc-sre-admin-policy',
        policyArn: 'arn:aws:iam::200611803367:policy/privesc-sre-admin-policy',
        policyVersion: 'v1',
      }),
    ]);
    const biden = parts.attachments.filter((a) => a.identityArn === byName('biden').arn);
    expect(biden.map((a) => `${a.kind}:${a.policyName}:${a.groupName ?? ''}`).sort()).toEqual([
      'group-inline:InlinePolicyForBidenGroup:biden',
      'group-managed:AmazonRDSFullAccess:biden',
      'inline:InsecureUserPolicy:',
      'managed:AWSLambdaFullAccess:',
    ]);
  });

  it('stores each distinct document once and every attachment points at a stored policy', () => {
    const hashes = new Set(parts.policies.map((p) => p.hash));
    expect(hashes.size).toBe(parts.policies.length);
    for (const a of parts.attachments) expect(hashes.has(a.policyHash)).toBe(true);
    for (const p of parts.policies) expect(p.hash).toBe(policyHash(p.document));
    // 2 user and 36 role inline policies, plus managed and group attachments.
    expect(parts.attachments.filter((a) => a.kind === 'inline')).toHaveLength(38);
  });

  it('notes, without rewriting, identities whose ARN names another account', () => {
    // The example embeds the teaching account's principals (012345678901).
    const foreign = parts.coverage.filter((c) => c.status === 'partial' && /does not name account/.test(c.reason ?? ''));
    expect(foreign.map((c) => c.scope).sort()).toEqual([
      'aws:200611803367:role/MyOtherRole',
      'aws:200611803367:role/MyRole',
      'aws:200611803367:role/OverprivilegedEC2',
      'aws:200611803367:user/biden',
      'aws:200611803367:user/obama',
      'aws:200611803367:user/userwithlotsofpermissions',
    ]);
    expect(byName('obama').arn).toBe('arn:aws:iam::012345678901:user/obama');
    expect(parts.coverage.filter((c) => c.status === 'gap' && c.source === 'authorization-details')).toEqual([]);
  });
});

describeFixtures('cloudsplaining teaching account (real export)', () => {
  const dir = makeExportDir();
  // No account.json and a folder name that is not an id: the account comes from the ARNs.
  dir.link(fixture(TEACHING), 'exports/teaching/iam-get-account-authorization-details.json');
  const { exported, parts } = importSingle(dir.root);

  it('derives the account id from the ARNs and maps users, groups and roles', () => {
    expect(exported.accountId).toBe('012345678901');
    expect(exported.accountIdSource).toBe('arns');
    expect(parts.identities.map((i) => `${i.kind}:${i.name}`)).toEqual([
      'user:obama',
      'user:userwithlotsofpermissions',
      'user:biden',
      'role:MyRole',
      'role:MyOtherRole',
      'role:OverprivilegedEC2',
    ]);
    const obama = parts.attachments.filter((a) => a.identityArn === 'arn:aws:iam::012345678901:user/obama');
    // AdministratorAccess directly and through the admin group: two attachments, one stored document.
    expect(obama.map((a) => a.kind).sort()).toEqual(['group-managed', 'managed']);
    expect(new Set(obama.map((a) => a.policyHash)).size).toBe(1);
    const admin = parts.policies.find((p) => p.hash === obama[0]!.policyHash)!;
    expect(admin.document.Statement).toEqual([{ Effect: 'Allow', Action: '*', Resource: '*' }]);
    expect(parts.coverage.filter((c) => c.source === 'credential-report').map((c) => c.status)).toEqual(['gap']);
  });
});

describeFixtures('variations derived from the real exports', () => {
  const raw = () => readJson<WireAuthorizationDetails>(fixture(EXAMPLE));

  it('merges pages split the way --max-items/--starting-token writes them', () => {
    const full = raw();
    const dir = makeExportDir();
    const pages = [
      { UserDetailList: full.UserDetailList!.slice(0, 30), GroupDetailList: [], RoleDetailList: [], Policies: [], NextToken: 'eyJNYXJrZXIiOiAiMSJ9' },
      { UserDetailList: full.UserDetailList!.slice(30), GroupDetailList: full.GroupDetailList, RoleDetailList: full.RoleDetailList!.slice(0, 40), Policies: [], NextToken: 'eyJNYXJrZXIiOiAiMiJ9' },
      { UserDetailList: [], GroupDetailList: [], RoleDetailList: full.RoleDetailList!.slice(40), Policies: full.Policies },
    ];
    // Page 10 sorts after page 2 only with natural ordering; the set is complete either way.
    dir.write('200611803367/iam-get-account-authorization-details/page-1.json', pages[0]!);
    dir.write('200611803367/iam-get-account-authorization-details/page-2.json', pages[1]!);
    dir.write('200611803367/iam-get-account-authorization-details/page-10.json', pages[2]!);
    const { exported, parts } = importSingle(dir.root);
    expect(exported.authorizationDetails!.files.map((f) => f.split('/').pop())).toEqual(['page-1.json', 'page-2.json', 'page-10.json']);
    expect(parts.identities).toHaveLength(122);
    expect(parts.coverage[0]).toMatchObject({ source: 'authorization-details', status: 'ok', detail: { users: 44, roles: 78, groups: 5, policies: 84 } });

    // The same import from one file gives the same attachments.
    const single = makeExportDir();
    single.link(fixture(EXAMPLE), '200611803367/iam-get-account-authorization-details.json');
    expect(importSingle(single.root).parts.attachments).toEqual(parts.attachments);
  });

  it('marks the export partial when the last page is missing', () => {
    const full = raw();
    const dir = makeExportDir();
    dir.write('200611803367/iam-get-account-authorization-details-1.json', { ...full, Policies: [], IsTruncated: true, Marker: 'AAE1' });
    const { parts } = importSingle(dir.root);
    expect(parts.coverage[0]).toMatchObject({ source: 'authorization-details', status: 'partial' });
    expect(parts.coverage[0]!.reason).toMatch(/at least one page is missing/);
    // Without Policies every attached managed policy is a gap per policy ARN.
    const missing = parts.coverage.filter((c) => c.reason?.includes('policy document not in export'));
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.some((c) => c.scope === 'arn:aws:iam::aws:policy/AdministratorAccess')).toBe(true);
  });

  it('decodes URL-encoded and JSON-string documents, as the raw API and some tools write them', () => {
    const full = raw();
    for (const role of full.RoleDetailList!) {
      role.AssumeRolePolicyDocument = encodeURIComponent(JSON.stringify(role.AssumeRolePolicyDocument));
      for (const p of role.RolePolicyList ?? []) p.PolicyDocument = encodeURIComponent(JSON.stringify(p.PolicyDocument));
    }
    for (const policy of full.Policies!) {
      for (const v of policy.PolicyVersionList ?? []) v.Document = JSON.stringify(v.Document);
    }
    const dir = makeExportDir();
    dir.write('200611803367/iam-get-account-authorization-details.json', full);
    const single = makeExportDir();
    single.link(fixture(EXAMPLE), '200611803367/iam-get-account-authorization-details.json');
    const encoded = importSingle(dir.root).parts;
    const plain = importSingle(single.root).parts;
    expect(encoded.attachments).toEqual(plain.attachments);
    expect(encoded.identities).toEqual(plain.identities);
  });

  it('uses the default version of a managed policy (here the first of two) and records it', () => {
    const full = raw();
    const codeCommit = full.Policies!.find((p) => p.PolicyName === 'AWSCodeCommitPowerUser')!;
    const v11 = codeCommit.PolicyVersionList!.find((v) => v.VersionId === 'v11')!;
    const v10 = codeCommit.PolicyVersionList!.find((v) => v.VersionId === 'v10')!;
    // Unattached in the export: attach it to one role, then flip which version is default.
    const role = full.RoleDetailList![0]!;
    role.AttachedManagedPolicies = [{ PolicyName: codeCommit.PolicyName, PolicyArn: codeCommit.Arn }];
    const dir = makeExportDir();
    dir.write('200611803367/iam-get-account-authorization-details.json', full);
    const attached = importSingle(dir.root).parts.attachments.filter((a) => a.identityArn === role.Arn && a.kind === 'managed');
    expect(attached).toEqual([expect.objectContaining({ policyName: 'AWSCodeCommitPowerUser', policyVersion: 'v11', policyHash: policyHash(v11.Document as never) })]);

    v11.IsDefaultVersion = false;
    v10.IsDefaultVersion = true;
    codeCommit.DefaultVersionId = 'v10';
    const flipped = makeExportDir();
    flipped.write('200611803367/iam-get-account-authorization-details.json', full);
    const again = importSingle(flipped.root).parts.attachments.filter((a) => a.identityArn === role.Arn && a.kind === 'managed');
    expect(again).toEqual([expect.objectContaining({ policyVersion: 'v10', policyHash: policyHash(v10.Document as never) })]);
    expect(policyHash(v10.Document as never)).not.toBe(policyHash(v11.Document as never));
  });

  it('reports an AWS-managed policy that is attached but not exported, per policy ARN', () => {
    const full = raw();
    full.Policies = full.Policies!.filter((p) => p.Arn !== 'arn:aws:iam::aws:policy/AmazonRDSFullAccess');
    const dir = makeExportDir();
    dir.write('200611803367/iam-get-account-authorization-details.json', full);
    const { parts } = importSingle(dir.root);
    const gaps = parts.coverage.filter((c) => c.scope === 'arn:aws:iam::aws:policy/AmazonRDSFullAccess');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ source: 'authorization-details', status: 'gap' });
    expect(gaps[0]!.reason).toContain('policy document not in export');
    expect(gaps[0]!.detail?.identities).toEqual(['arn:aws:iam::012345678901:user/biden']);
    expect(parts.attachments.some((a) => a.policyName === 'AmazonRDSFullAccess')).toBe(false);
  });

  it('turns a bad inline document, a missing default version and a bad entry into gaps, keeping the rest', () => {
    const full = raw();
    const role = full.RoleDetailList![0]!;
    role.RolePolicyList![0]!.PolicyDocument = '{"Version":"2012-10-17","Statement":[';
    const policy = full.Policies!.find((p) => p.PolicyName === 'privesc8-AttachGroupPolicy')!;
    policy.DefaultVersionId = 'v7';
    policy.PolicyVersionList![0]!.IsDefaultVersion = false;
    delete (full.RoleDetailList![5] as { Arn?: string }).Arn;
    const dir = makeExportDir();
    const file = dir.write('200611803367/iam-get-account-authorization-details.json', full);
    const { parts } = importSingle(dir.root);
    const gaps = parts.coverage.filter((c) => c.status === 'gap');
    expect(gaps.map((g) => g.reason)).toEqual(
      expect.arrayContaining([
        `${file}: RoleDetailList[5].Arn: Invalid input: expected string, received undefined; entry skipped`,
        expect.stringMatching(/^inline policy "AWS-QuickSetup-CFGRecording-PolicyForAutomation-ap-northeast-1-1clff" of AWS-QuickSetup-EnableCRecording-1clff_ap-northeast-1 in .*: document is not valid JSON/),
        'managed policy arn:aws:iam::200611803367:policy/privesc8-AttachGroupPolicy: default version v7 is not in its PolicyVersionList',
      ]),
    );
    expect(parts.identities.filter((i) => i.kind === 'role')).toHaveLength(77);
    expect(parts.identities.filter((i) => i.kind === 'user')).toHaveLength(44);
  });
});

describePlain('permissions boundaries', () => {
  it('records the boundary ARN and a permissions-boundary attachment with its default version', () => {
    const boundaryArn = 'arn:aws:iam::111122223333:policy/boundaries/data';
    const details: WireAuthorizationDetails = {
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: [
        {
          RoleName: 'etl',
          Arn: 'arn:aws:iam::111122223333:role/etl',
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
          PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: boundaryArn },
          RolePolicyList: [],
          AttachedManagedPolicies: [],
          Tags: [],
          RoleLastUsed: {},
        },
      ],
      Policies: [
        {
          PolicyName: 'data',
          Arn: boundaryArn,
          DefaultVersionId: 'v2',
          PolicyVersionList: [
            { VersionId: 'v3', IsDefaultVersion: false, Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } },
            { VersionId: 'v2', IsDefaultVersion: true, Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } },
          ],
        },
      ],
    };
    const dir = makeExportDir();
    dir.write('111122223333/iam-get-account-authorization-details.json', details);
    const { parts } = importSingle(dir.root);
    expect(parts.identities[0]).toMatchObject({ name: 'etl', permissionsBoundaryArn: boundaryArn });
    expect(parts.identities[0]!.lastUsed).toBeUndefined();
    expect(parts.attachments).toEqual([
      {
        identityArn: 'arn:aws:iam::111122223333:role/etl',
        policyHash: policyHash({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
        kind: 'permissions-boundary',
        policyName: 'data',
        policyArn: boundaryArn,
        policyVersion: 'v2',
      },
    ]);
  });
});
