/**
 * Finding account folders in an export directory, telling which account
 * each is, and turning unusable files into gaps that name them.
 */
import { readFileSync, symlinkSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ExportFileError, readAccountExports, toSnapshotParts } from '../../../../src/collect/files/iam/index.js';
import { describeFixtures, fixture } from '../../../helpers/fixtures.js';
import { makeExportDir } from './export-dir.js';

const DEMO = 'aws/cloudmapper-demo';
const role = (account: string, name: string) => ({
  RoleName: name,
  Arn: `arn:aws:iam::${account}:role/${name}`,
  AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
  RolePolicyList: [],
  AttachedManagedPolicies: [],
  Tags: [],
});
const authz = (account: string, ...roles: string[]) => ({
  UserDetailList: [],
  GroupDetailList: [],
  RoleDetailList: roles.map((r) => role(account, r)),
  Policies: [],
});

describe('account folders', () => {
  it('finds account folders at any depth and leaves CloudTrail folders alone', () => {
    const dir = makeExportDir();
    dir.write('org/prod/account.json', {
      AccountId: '111111111111',
      AccountAliases: ['acme-prod'],
      Tags: [{ Key: 'env', Value: 'production' }, { Key: 'owner', Value: 'platform' }],
    });
    dir.write('org/prod/iam-get-account-authorization-details.json', authz('111111111111', 'deploy'));
    dir.write('org/staging/account.json', { AccountId: '222222222222', AccountAliases: ['acme-staging'], Tags: { env: 'staging' } });
    dir.write('org/staging/iam-get-account-authorization-details.json', authz('222222222222', 'agent'));
    dir.write('333333333333/iam-get-account-authorization-details.json', authz('333333333333', 'sandbox'));
    dir.write(
      'cloudtrail/AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/14/111111111111_CloudTrail_us-east-1_20261114T0000Z_abcdefghijklmnop.json.gz',
      gzipSync('{"Records":[]}').toString('latin1'),
    );
    dir.write('.git/iam-get-account-authorization-details.json', '{}');

    const read = readAccountExports(dir.root);
    expect(read.coverage).toEqual([]);
    expect(read.accounts.map((a) => [a.accountId, a.accountIdSource, a.alias ?? null, a.tags])).toEqual([
      ['333333333333', 'folder-name', null, {}],
      ['111111111111', 'account.json', 'acme-prod', { env: 'production', owner: 'platform' }],
      ['222222222222', 'account.json', 'acme-staging', { env: 'staging' }],
    ]);
    expect(toSnapshotParts(read.accounts[1]!).account).toEqual({
      provider: 'aws',
      accountId: '111111111111',
      alias: 'acme-prod',
      tags: { env: 'production', owner: 'platform' },
    });
  });

  it('prefers account.json over the folder name and notes when they, or the ARNs, disagree', () => {
    const dir = makeExportDir();
    const accountFile = dir.write('111111111111/account.json', { AccountId: '444444444444' });
    dir.write('111111111111/iam-get-account-authorization-details.json', authz('111111111111', 'a', 'b'));
    const [account] = readAccountExports(dir.root).accounts;
    expect(account!.accountId).toBe('444444444444');
    expect(account!.coverage.map((c) => [c.status, c.reason])).toEqual([
      ['partial', `${accountFile}: says account 444444444444, but its folder is named 111111111111; using 444444444444`],
      ['partial', `${dir.path('111111111111')}: is account 444444444444 (from account.json), but most ARNs in its files name account 111111111111`],
    ]);
  });

  it('does not import a folder whose account cannot be told, nor a second folder for the same account', () => {
    const dir = makeExportDir();
    dir.write('a/credential-report.csv', 'user,arn,user_creation_time\n<root_account>,arn:aws:iam::000000000000:root,N/A\n'.replace('000000000000', 'unknown'));
    dir.write('b/iam-get-account-authorization-details.json', authz('555555555555', 'x'));
    dir.write('c/555555555555/iam-get-account-authorization-details.json', authz('555555555555', 'y'));
    const read = readAccountExports(dir.root);
    expect(read.accounts.map((a) => a.dir)).toEqual([dir.path('b')]);
    expect(read.coverage.map((c) => [c.scope, c.status, c.reason])).toEqual([
      [dir.path('a'), 'gap', expect.stringMatching(/^.*\/a: cannot tell which account this is/)],
      ['aws:555555555555', 'gap', `${dir.path('c/555555555555')}: also account 555555555555, already imported from ${dir.path('b')}; not imported`],
    ]);
  });

  it('reports an export directory with no account folder as a gap, and a missing one as an error naming it', () => {
    const dir = makeExportDir();
    dir.write('notes/readme.txt', 'nothing here');
    const read = readAccountExports(dir.root);
    expect(read.accounts).toEqual([]);
    expect(read.coverage).toEqual([expect.objectContaining({ scope: dir.root, status: 'gap', source: 'export-layout' })]);
    expect(() => readAccountExports(dir.path('missing'))).toThrow(ExportFileError);
    expect(() => readAccountExports(dir.path('missing'))).toThrow(`${dir.path('missing')}: cannot be read (ENOENT)`);
  });

  it('rejects an account.json AccountId that is not a 12-digit id', () => {
    const dir = makeExportDir();
    const file = dir.write('666666666666/account.json', { AccountId: 'acme-prod' });
    dir.write('666666666666/iam-get-account-authorization-details.json', authz('666666666666', 'r'));
    const [account] = readAccountExports(dir.root).accounts;
    expect(account!.accountId).toBe('666666666666');
    expect(account!.coverage[0]!.reason).toBe(`${file}: AccountId "acme-prod" is not a 12-digit AWS account id`);
  });
});

describeFixtures('unusable files become gaps naming the file (cloudmapper demo)', () => {
  const ACCOUNT = '123456789012';

  it('imports the credential report and Access Advisor when authorization details are truncated', () => {
    const dir = makeExportDir();
    // The real export cut short, as an interrupted download leaves it.
    const full = readFileSync(fixture(`${DEMO}/iam-get-account-authorization-details.json`), 'utf8');
    const authzFile = dir.write(`${ACCOUNT}/iam-get-account-authorization-details.json`, full.slice(0, full.length / 2));
    dir.link(fixture(`${DEMO}/iam-get-credential-report.json`), `${ACCOUNT}/iam-get-credential-report.json`);
    const encoded = 'arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fexfiller';
    dir.link(fixture(`${DEMO}/iam-generate-service-last-accessed-details/${encoded}`), `${ACCOUNT}/iam-generate-service-last-accessed-details/${encoded}`);
    dir.link(
      fixture(`${DEMO}/iam-get-service-last-accessed-details/a2b53fd9-88bc-d0b5-1b9a-af9c4af22371`),
      `${ACCOUNT}/iam-get-service-last-accessed-details/a2b53fd9-88bc-d0b5-1b9a-af9c4af22371`,
    );
    const read = readAccountExports(dir.root);
    const account = read.accounts[0]!;
    // The folder name gives the account; the broken file is one gap that names it.
    expect(account.accountId).toBe(ACCOUNT);
    expect(account.coverage).toEqual([
      {
        scope: `aws:${ACCOUNT}`,
        source: 'authorization-details',
        status: 'gap',
        reason: expect.stringMatching(new RegExp(`^${escape(authzFile)}: is truncated \\(`)),
        detail: { file: authzFile },
      },
    ]);
    const parts = toSnapshotParts(account);
    expect(parts.credentials).toHaveLength(6);
    expect(parts.accessAdvisor.map((r) => r.identityArn)).toEqual(['arn:aws:iam::123456789012:role/exfiller']);
    expect(parts.identities.map((i) => i.name)).toEqual(['root', 'auditor_tmp', 'user']);
    expect(parts.coverage.filter((c) => c.status === 'gap').map((c) => c.source)).toEqual(['authorization-details', 'authorization-details']);
  });

  it('names empty, non-JSON and dangling files, and keeps the good page of a paged export', () => {
    const dir = makeExportDir();
    dir.link(fixture(`${DEMO}/iam-get-account-authorization-details.json`), `${ACCOUNT}/iam-get-account-authorization-details-1.json`);
    const empty = dir.write(`${ACCOUNT}/iam-get-account-authorization-details-2.json`, '  \n');
    const html = dir.write(`${ACCOUNT}/iam-get-credential-report.json`, '<html>Access Denied</html>');
    const dangling = dir.path(`${ACCOUNT}/credential-report.csv`);
    symlinkSync(dir.path('nowhere.csv'), dangling);
    const account = readAccountExports(dir.root).accounts[0]!;
    expect(account.coverage.map((c) => [c.source, c.reason])).toEqual([
      ['export-layout', `${dangling}: is not a readable file`],
      ['authorization-details', `${empty}: is empty`],
      ['credential-report', expect.stringMatching(new RegExp(`^${escape(html)}: is not valid JSON`))],
    ]);
    const parts = toSnapshotParts(account);
    expect(parts.identities.filter((i) => i.kind === 'role')).toHaveLength(4);
    expect(parts.coverage.find((c) => c.source === 'credential-report' && c.scope === `aws:${ACCOUNT}` && !c.detail?.file)).toMatchObject({
      status: 'gap',
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
