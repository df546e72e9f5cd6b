/**
 * Credential report -> credentials and the root identity, on cloudmapper's
 * real report (Content as plain CSV) and on variants in the other shapes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readAccountExports, toSnapshotParts } from '../../../../src/collect/files/iam/index.js';
import { parseCsv } from '../../../../src/collect/files/iam/csv.js';
import type { WireCredentialReport } from '../../../../src/model/aws-wire.js';
import { describeFixtures, fixture } from '../../../helpers/fixtures.js';
import { makeExportDir } from './export-dir.js';

const REPORT = 'aws/cloudmapper-demo/iam-get-credential-report.json';
const AUTHZ = 'aws/cloudmapper-demo/iam-get-account-authorization-details.json';
const ACCOUNT = '123456789012';

function importAccount(dir: string) {
  const read = readAccountExports(dir);
  expect(read.accounts).toHaveLength(1);
  return toSnapshotParts(read.accounts[0]!);
}

describeFixtures('cloudmapper demo credential report (real export)', () => {
  const dir = makeExportDir();
  dir.link(fixture(AUTHZ), `${ACCOUNT}/iam-get-account-authorization-details.json`);
  dir.link(fixture(REPORT), `${ACCOUNT}/iam-get-credential-report.json`);
  const parts = importAccount(dir.root);
  const credential = (id: string) => parts.credentials.find((c) => c.id === id);

  it('makes the <root_account> row a root identity with its active key used 2018-11-27 via ecr', () => {
    expect(parts.identities.find((i) => i.kind === 'root')).toEqual({
      provider: 'aws',
      arn: 'arn:aws:iam::123456789012:root',
      accountId: ACCOUNT,
      kind: 'root',
      name: 'root',
      createdAt: '2018-08-12T17:20:55.000Z',
      tags: {},
    });
    expect(credential('arn:aws:iam::123456789012:root#access_key_1')).toEqual({
      provider: 'aws',
      id: 'arn:aws:iam::123456789012:root#access_key_1',
      identityArn: 'arn:aws:iam::123456789012:root',
      accountId: ACCOUNT,
      kind: 'access-key',
      active: true,
      rotatedAt: '2018-11-23T16:01:14.000Z',
      lastUsedAt: '2018-11-27T00:02:00.000Z',
      lastUsedService: 'ecr',
      lastUsedRegion: 'us-east-1',
    });
    // access_key_2 is `false` with N/A everywhere: there is no second root key.
    expect(credential('arn:aws:iam::123456789012:root#access_key_2')).toBeUndefined();
    // password_enabled is not_supported for root, but password_last_used records its console sign-in.
    expect(credential('arn:aws:iam::123456789012:root#password')).toMatchObject({
      kind: 'password',
      active: null,
      lastUsedAt: '2019-03-03T16:58:16.000Z',
    });
  });

  it('keeps auditor_tmp\'s never-used key without inventing a last use', () => {
    const key = credential('arn:aws:iam::123456789012:user/auditor_tmp#access_key_1');
    expect(key).toEqual({
      provider: 'aws',
      id: 'arn:aws:iam::123456789012:user/auditor_tmp#access_key_1',
      identityArn: 'arn:aws:iam::123456789012:user/auditor_tmp',
      accountId: ACCOUNT,
      kind: 'access-key',
      active: true,
      rotatedAt: '2019-05-07T15:35:55.000Z',
    });
  });

  it('gives user both keys (key 2 used via s3) and a password credential', () => {
    const ids = parts.credentials.filter((c) => c.identityArn === 'arn:aws:iam::123456789012:user/user').map((c) => c.id);
    expect(ids).toEqual([
      'arn:aws:iam::123456789012:user/user#access_key_1',
      'arn:aws:iam::123456789012:user/user#access_key_2',
      'arn:aws:iam::123456789012:user/user#password',
    ]);
    expect(credential('arn:aws:iam::123456789012:user/user#access_key_2')).toMatchObject({
      active: true,
      lastUsedAt: '2018-05-07T15:35:54.000Z',
      lastUsedService: 's3',
      lastUsedRegion: 'us-east-1',
    });
    expect(credential('arn:aws:iam::123456789012:user/user#password')).toMatchObject({
      kind: 'password',
      active: true,
      lastUsedAt: '2018-05-07T15:35:54.000Z',
    });
    // root: key 1 and password; auditor_tmp: key 1; user: keys 1 and 2 and password.
    expect(parts.credentials).toHaveLength(6);
  });

  it('keeps report users missing from the authorization details, each with a gap', () => {
    const fromReport = parts.identities.filter((i) => i.kind === 'user' && !i.uniqueId).map((i) => i.arn);
    expect(fromReport).toEqual(['arn:aws:iam::123456789012:user/auditor_tmp', 'arn:aws:iam::123456789012:user/user']);
    const gaps = parts.coverage.filter((c) => c.status === 'gap' && c.source === 'authorization-details');
    expect(gaps.map((g) => g.scope)).toEqual(['aws:123456789012:user/auditor_tmp', 'aws:123456789012:user/user']);
    // And the two export users the report does not list make the report partial.
    const report = parts.coverage.find((c) => c.source === 'credential-report')!;
    expect(report.status).toBe('partial');
    expect(report.detail?.missing).toEqual(['arn:aws:iam::aws:user/USER_WITH_BAD_INLINE_POLICY', 'arn:aws:iam::aws:user/USER']);
  });

  const csv = (JSON.parse(readFileSync(fixture(REPORT), 'utf8')) as WireCredentialReport).Content as string;

  it('reads base64 Content (as CLI v2 prints it) and a bare CSV file the same way', () => {
    const base64 = makeExportDir();
    base64.write(`${ACCOUNT}/iam-get-credential-report.json`, {
      Content: Buffer.from(csv).toString('base64'),
      ReportFormat: 'text/csv',
      GeneratedTime: '2019-05-07T15:40:22+00:00',
    });
    const bare = makeExportDir();
    bare.write(`${ACCOUNT}/credential-report.csv`, csv + '\n');
    const fromBase64 = importAccount(base64.root);
    const fromCsv = importAccount(bare.root);
    expect(fromBase64.credentials).toEqual(parts.credentials);
    expect(fromCsv.credentials).toEqual(parts.credentials);
    expect(fromBase64.coverage.find((c) => c.source === 'credential-report')).toMatchObject({
      status: 'ok',
      detail: { rows: 3, generatedTime: '2019-05-07T15:40:22.000Z' },
    });
  });

  it('reports a row with the wrong number of fields and keeps the others', () => {
    const lines = csv.split('\n');
    lines[2] = lines[2]!.split(',').slice(0, 10).join(',');
    const dir = makeExportDir();
    const file = dir.write(`${ACCOUNT}/credential-report.csv`, lines.join('\n'));
    const result = importAccount(dir.root);
    expect(result.coverage).toContainEqual(
      expect.objectContaining({ status: 'partial', reason: `${file}: line 3 has 10 fields, the header has 22; row skipped` }),
    );
    expect(result.credentials.some((c) => c.identityArn.endsWith('auditor_tmp'))).toBe(false);
    expect(result.credentials.some((c) => c.identityArn.endsWith(':root'))).toBe(true);
  });
});

describe('credential report edge cases', () => {
  it('treats inactive keys that exist as credentials and no_information as absent', () => {
    const header =
      'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
    const row =
      '"ops,legacy",arn:aws:iam::111122223333:user/ops-legacy,2020-01-01T00:00:00+00:00,true,no_information,2020-01-02T00:00:00+00:00,N/A,false,false,2020-01-01T00:05:00+00:00,2020-03-01T10:00:00+00:00,eu-west-1,sqs,false,N/A,N/A,N/A,N/A,true,2021-05-05T00:00:00+00:00,false,N/A';
    const dir = makeExportDir();
    dir.write('111122223333/credential-report.csv', `${header}\r\n${row}\r\n`);
    const parts = importAccount(dir.root);
    expect(parts.credentials.map((c) => [c.id.split('#')[1], c.kind, c.active, c.lastUsedAt ?? null])).toEqual([
      ['access_key_1', 'access-key', false, '2020-03-01T10:00:00.000Z'],
      ['password', 'password', true, null],
      ['cert_1', 'signing-certificate', true, null],
    ]);
    // The quoted name with a comma survives; without authorization details there is one account gap, not one per user.
    expect(parts.identities).toEqual([expect.objectContaining({ name: 'ops,legacy', kind: 'user' })]);
    expect(parts.coverage.filter((c) => c.status === 'gap').map((c) => `${c.scope} ${c.source}`)).toEqual([
      'aws:111122223333 authorization-details',
      'aws:111122223333 access-advisor',
    ]);
  });

  it('flags a last-used date it cannot read instead of letting the key look unused', () => {
    const header = 'user,arn,user_creation_time,password_enabled,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service';
    const row = 'deploy,arn:aws:iam::111122223333:user/deploy,2024-01-01T00:00:00+00:00,false,true,2024-01-01T00:00:00+00:00,yesterday,us-east-1,s3';
    const dir = makeExportDir();
    const file = dir.write('111122223333/credential-report.csv', `${header}\n${row}\n`);
    const parts = importAccount(dir.root);
    expect(parts.credentials[0]!.lastUsedAt).toBeUndefined();
    expect(parts.coverage).toContainEqual(
      expect.objectContaining({ status: 'partial', reason: `${file}: user deploy: access_key_1_last_used_date "yesterday" is not a date; left unknown` }),
    );
  });

  it('rejects Content that is neither CSV nor base64 CSV, naming the file', () => {
    const dir = makeExportDir();
    const file = dir.write('111122223333/iam-get-credential-report.json', { Content: 'PGh0bWw+', ReportFormat: 'text/csv' });
    const read = readAccountExports(dir.root);
    expect(read.accounts[0]!.coverage).toEqual([
      {
        scope: 'aws:111122223333',
        source: 'credential-report',
        status: 'gap',
        reason: `${file}: Content is neither a credential report CSV nor base64 of one`,
        detail: { file },
      },
    ]);
  });

  it('parses quoted CSV fields with commas, quotes and newlines', () => {
    expect(parseCsv('a,b\n"x,1","say ""hi""\nthere"\n').map((r) => [r.line, r.fields])).toEqual([
      [1, ['a', 'b']],
      [2, ['x,1', 'say "hi"\nthere']],
    ]);
    expect(() => parseCsv('a\n"open')).toThrow(/unterminated quoted field starting on line 2/);
  });
});
