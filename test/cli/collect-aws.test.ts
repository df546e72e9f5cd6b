/**
 * The live source end to end through the CLI: `collect aws` and `audit`
 * without --from against the local IAM/STS/Organizations server and s3rver
 * (credentials from the standard chain's environment variables), and
 * `export aws` whose directory `import` reads back to the same identities
 * and grants.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { reportSchema } from '../../src/report/json-schema.js';
import { openStore } from '../../src/store/index.js';
import { FakeAwsServer } from '../servers/aws/query-server.js';
import { S3RVER_CREDENTIALS, startLocalS3, TRAIL_BUCKET, trailKey, trailObject, type LocalS3 } from '../servers/aws/s3-harness.js';
import { EXTERNAL_ID, HOME, MEMBER, NO_ROLE, testWorld } from '../collect/aws/world.js';

let tmp: string;
let iam: FakeAwsServer;
let s3: LocalS3;
let config: string;
const savedEnv = { ...process.env };
const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(['node', 'keywarden', '--config', config, ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kw-cli-live-'));
  // Fewer faults than the collector test: the point here is the command layer.
  const world = testWorld({ homeAccessKeys: [S3RVER_CREDENTIALS.accessKeyId], faults: [{ action: 'GetAccountAuthorizationDetails', kind: 'Throttling', times: 1 }] });
  // The CLI polls at its production pace (1 s first wait, 1 s timeout here): a job done on the second poll always makes it.
  world.accounts[0]!.accessAdvisor![`arn:aws:iam::${HOME}:role/agent-runner`]!.pollsUntilComplete = 1;
  iam = new FakeAwsServer(world);
  const endpoint = await iam.start();
  s3 = await startLocalS3();
  await s3.put(
    trailKey({ account: HOME, region: 'us-east-1', day, id: 'x1' }),
    trailObject([{ roleArn: `arn:aws:iam::${HOME}:role/reader`, accessKeyId: 'ASIAREADER0000000001', eventSource: 's3.amazonaws.com', eventName: 'GetObject', eventTime: `${day}T10:00:00Z`, region: 'us-east-1' }]),
  );
  config = path.join(tmp, 'keywarden.yaml');
  writeFileSync(
    config,
    [
      'liveAws:',
      `  homeAccount: '${HOME}'`,
      '  organizations: true',
      `  auditRole: { name: keywarden-audit, externalId: ${EXTERNAL_ID} }`,
      '  accessAdvisorTimeoutSeconds: 1',
      '  maxAttempts: 3',
      `  endpoints: { iam: '${endpoint}', sts: '${endpoint}', organizations: '${endpoint}', s3: '${s3.endpoint}' }`,
      `  cloudTrail: { bucket: ${TRAIL_BUCKET}, lookbackDays: 10 }`,
    ].join('\n') + '\n',
  );
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' });
  delete process.env.AWS_PROFILE;
  delete process.env.CI;
}, 30_000);

afterAll(async () => {
  process.env = savedEnv;
  await iam.stop();
  await s3.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('keywarden collect aws / audit (live) / export aws', () => {
  it('collect aws stores one scan with IAM of the reachable accounts and CloudTrail usage from S3', async () => {
    const db = path.join(tmp, 'collect.db');
    // One member account cannot be reached: a gap, so the scan is stored and the run fails closed (2) unless --allow-partial.
    const { code, err } = await cli('--db', db, 'collect', 'aws');
    expect(code).toBe(2);
    expect(err).toMatch(/warning: aws:333333333333 \[assume-role\]/);
    expect(err).toMatch(/could not be read .*exit code 2; pass --allow-partial/);
    expect(err).toMatch(/scan 1: 2 account\(s\), \d+ identities, 1 CloudTrail events from 1 new S3 object/);
    // Not a TTY here: plain progress lines.
    expect(err).toMatch(/Z 111111111111: access-advisor, \d+\/\d+/);
    const store = openStore(db);
    const scan = store.scanContents(1);
    expect(scan.identities.map((i) => i.accountId).sort().filter((v, i, a) => a.indexOf(v) === i)).toEqual([HOME, MEMBER]);
    expect(store.usageDays({ from: day, to: day }).map((u) => [u.identityArn, u.action, u.count])).toEqual([[`arn:aws:iam::${HOME}:role/reader`, 's3:GetObject', 1]]);
    store.close();
    expect((await cli('--db', db, 'collect', 'aws', '--allow-partial')).code).toBe(0);
  }, 30_000);

  it('audit without --from collects live, reports, and exits 2 because coverage has gaps', async () => {
    const db = path.join(tmp, 'audit.db');
    const out = path.join(tmp, 'reports');
    const { code, err } = await cli('--db', db, 'audit', '--out', out);
    expect(code).toBe(2);
    expect(err).toMatch(/coverage is incomplete/);
    const report = reportSchema.parse(JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')));
    expect(report.coverage.complete).toBe(false);
    expect(JSON.stringify(report)).toContain(`aws:${NO_ROLE}`);
  }, 30_000);

  it('export aws writes the offline layout that import reads back to the same identities, grants and usage', async () => {
    const dir = path.join(tmp, 'export');
    expect((await cli('--db', path.join(tmp, 'unused.db'), 'export', 'aws', dir)).code).toBe(0);
    const authz = path.join(dir, 'accounts', HOME, 'iam-get-account-authorization-details.json');
    expect(statSync(authz).mode & 0o777).toBe(0o600);
    const details = JSON.parse(readFileSync(authz, 'utf8'));
    // Decoded as the CLI prints it, not URL-encoded.
    const stuck = details.RoleDetailList.find((r: { RoleName: string }) => r.RoleName === 'stuck-job-role');
    expect(stuck.RolePolicyList[0].PolicyDocument).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }] });

    // CloudTrail objects are copied unchanged in the AWSLogs layout.
    const log = path.join(dir, 'cloudtrail', trailKey({ account: HOME, region: 'us-east-1', day, id: 'x1' }));
    expect(statSync(log).mode & 0o777).toBe(0o600);

    const liveDb = path.join(tmp, 'collect.db');
    const importedDb = path.join(tmp, 'imported.db');
    expect((await cli('--db', importedDb, 'import', dir)).code).toBe(0);
    const live = openStore(liveDb);
    const imported = openStore(importedDb);
    const shape = (store: typeof live) => {
      const c = store.scanContents(store.latestScan('aws')!.id);
      return {
        identities: c.identities.map((i) => ({ arn: i.arn, kind: i.kind, tags: i.tags, trust: i.trustPolicy ?? null, boundary: i.permissionsBoundaryArn ?? null })).sort((a, b) => a.arn.localeCompare(b.arn)),
        attachments: c.attachments.map((a) => `${a.identityArn} ${a.kind} ${a.policyName} ${a.policyHash}`).sort(),
        accessAdvisor: [...store.latestAccessAdvisor('aws').keys()].sort(),
        usage: store.usageDays({ from: day, to: day }).map((u) => `${u.identityArn} ${u.action} ${u.count}`),
      };
    };
    const a = shape(live);
    const b = shape(imported);
    expect(a.identities.length).toBeGreaterThan(5);
    expect(a.usage).toEqual([`arn:aws:iam::${HOME}:role/reader s3:GetObject 1`]);
    expect(b).toEqual(a);
    live.close();
    imported.close();
  }, 30_000);

  it('credentials of another account than liveAws.homeAccount: exit 3, one line, nothing stored', async () => {
    const wrong = path.join(tmp, 'wrong.yaml');
    writeFileSync(wrong, readFileSync(config, 'utf8').replace(`homeAccount: '${HOME}'`, "homeAccount: '999999999999'"));
    let err = '';
    const db = path.join(tmp, 'wrong.db');
    const code = await main(['node', 'keywarden', '--config', wrong, '--db', db, 'collect', 'aws'], { out: () => {}, err: (s) => void (err += s) });
    expect(code).toBe(3);
    expect(err).toMatch(/^keywarden: the AWS credentials belong to account 111111111111, but the home account is configured as 999999999999/m);
    const store = openStore(db);
    expect(store.listScans()).toEqual([]);
    store.close();
  });

  it('without liveAws in the config, collect aws is a user error (exit 3, one line)', async () => {
    const bare = path.join(tmp, 'bare.yaml');
    writeFileSync(bare, 'thresholds: { unusedDays: 30 }\n');
    let err = '';
    const code = await main(['node', 'keywarden', '--config', bare, '--db', path.join(tmp, 'x.db'), 'collect', 'aws'], { out: () => {}, err: (s) => void (err += s) });
    expect(code).toBe(3);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/no liveAws section/);
  });
});
