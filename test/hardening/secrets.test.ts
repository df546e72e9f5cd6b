/**
 * Secrets hygiene: credentials that reach keywarden inside its inputs
 * (CloudTrail request and response elements, tags, descriptions, damaged
 * files, a service-account key dropped into the export, a config) never
 * reach the database, the reports, or anything the process prints. Files
 * keywarden creates are owner-only whatever the umask.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { projectRoot } from '../helpers/fixtures.js';
import { redactNamedValue, redactSecrets } from '../../src/util/secrets.js';
import { CONFIG, cliInProcess, runCli } from './cli-process.js';

const SAMPLE = path.join(projectRoot, 'samples', 'acme');

/** Random-looking characters, deterministic per label, so no two planted secrets share a fragment. */
function noise(label: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; out.length < length; i++) {
    for (const byte of createHash('sha256').update(`${label}:${i}`).digest()) out += alphabet[byte % 62];
  }
  return out.slice(0, length);
}

/** Every secret planted, by where it was planted: a leak names its origin. Shapes are the real ones. */
const SECRETS = {
  trailRequestSecretKey: noise('request', 39) + '/',
  trailResponseSecretKey: noise('response', 38) + '+a',
  trailSessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ' + noise('session', 300),
  trailUserAgentToken: 'ghp_' + noise('agent', 36),
  truncatedTrailSecret: noise('truncated', 39) + '/',
  trailTopLevelKey: 'aws_session_token=FQoGZXIvYXdzE' + noise('toplevel', 120),
  roleTagSecret: noise('role-tag', 40),
  roleTagAssignment: noise('assignment', 39) + '+',
  userTagBearer: 'eyJhbGciOiJIUzI1NiJ9.' + noise('bearer', 40) + '.' + noise('bearer-sig', 20),
  accountTagSecret: noise('account-tag', 32),
  roleDescription: noise('role-description', 39) + '/',
  policyDescription: noise('policy-description', 40),
  credentialReportExtra: noise('credential-report', 40),
  damagedPageSecret: noise('damaged-page', 39) + '/',
  privateKeyBody: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ' + noise('private-key', 200),
  privateKeyId: noise('private-key-id', 40).toLowerCase(),
  configWebhookToken: `T${noise('slack-team', 8)}/B${noise('slack-bot', 8)}/${noise('slack-secret', 24)}`,
  configBearer: 'eyJhbGciOiJSUzI1NiJ9.' + noise('config-bearer', 40),
} as const;

let tmp: string;
let exportDir: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-secrets-'));
  exportDir = path.join(tmp, 'export');
  cpSync(SAMPLE, exportDir, { recursive: true });
  plantSecrets(exportDir);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function editJson(file: string, edit: (value: any) => void): void {
  const value = JSON.parse(readFileSync(file, 'utf8'));
  edit(value);
  writeFileSync(file, JSON.stringify(value, null, 2));
}

/**
 * PEM armor for the planted key, assembled at run time: the body is generated
 * noise, and no key-shaped literal sits in the repository for scanners to flag.
 */
const pemLine = (edge: 'BEGIN' | 'END') => `-----${[edge, 'PRIVATE', 'KEY'].join(' ')}-----`;

const SERVICE_ACCOUNT_KEY = JSON.stringify({
  type: 'service_account',
  project_id: 'acme-prod',
  private_key_id: SECRETS.privateKeyId,
  private_key: `${pemLine('BEGIN')}\n${SECRETS.privateKeyBody}\n${pemLine('END')}\n`,
  client_email: 'deployer@acme-prod.iam.gserviceaccount.com',
  client_id: '123456789012345678901',
});

function plantSecrets(dir: string): void {
  const prod = path.join(dir, 'accounts', 'acme-prod');
  const staging = path.join(dir, 'accounts', 'acme-staging');
  editJson(path.join(prod, 'iam-get-account-authorization-details.json'), (details) => {
    const role = details.RoleDetailList[0];
    role.Description = SECRETS.roleDescription;
    role.Tags.push({ Key: 'deploy-secret', Value: SECRETS.roleTagSecret });
    role.Tags.push({ Key: 'notes', Value: `aws_secret_access_key=${SECRETS.roleTagAssignment}` });
    details.UserDetailList[0].Tags.push({ Key: 'ci', Value: `Authorization: Bearer ${SECRETS.userTagBearer}` });
    details.Policies[0].Description = SECRETS.policyDescription;
  });
  editJson(path.join(prod, 'account.json'), (account) => {
    account.Tags.push({ Key: 'api-token', Value: SECRETS.accountTagSecret });
  });
  editJson(path.join(prod, 'iam-get-credential-report.json'), (report) => {
    report.Secret = SECRETS.credentialReportExtra;
  });
  // A damaged page whose syntax error sits right after a secret: parsers like to quote the text around an error.
  writeFileSync(
    path.join(staging, 'iam-get-account-authorization-details', 'page-3.json'),
    `{"UserDetailList": [], "Marker": ${SECRETS.damagedPageSecret}}`,
  );
  // A service-account key dropped wherever keywarden reads files.
  for (const where of [dir, prod, path.join(prod, 'access-advisor'), path.join(staging, 'iam-get-account-authorization-details'), path.join(dir, 'cloudtrail')]) {
    writeFileSync(path.join(where, 'acme-prod-deployer-key.json'), SERVICE_ACCOUNT_KEY);
  }

  const trailDir = path.join(dir, 'cloudtrail', 'AWSLogs', '111111111111', 'CloudTrail', 'us-east-1', '2026', '11', '14');
  const base = {
    eventVersion: '1.08',
    awsRegion: 'us-east-1',
    eventType: 'AwsApiCall',
    recipientAccountId: '111111111111',
    sourceIPAddress: '203.0.113.7',
    userIdentity: {
      type: 'IAMUser',
      arn: 'arn:aws:iam::111111111111:user/automation/ci-deployer',
      accountId: '111111111111',
      accessKeyId: 'AKIACANARYKEYID00001',
      userName: 'ci-deployer',
    },
  };
  const records = [
    {
      ...base,
      eventTime: '2026-11-14T10:00:00Z',
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      userAgent: `aws-cli/2.15.0 token=${SECRETS.trailUserAgentToken}`,
      requestParameters: { roleArn: 'arn:aws:iam::111111111111:role/prod-deployer', secretAccessKey: SECRETS.trailRequestSecretKey },
      responseElements: {
        credentials: {
          accessKeyId: 'ASIACANARYSESSION001',
          secretAccessKey: SECRETS.trailResponseSecretKey,
          sessionToken: SECRETS.trailSessionToken,
          expiration: 'Nov 14, 2026, 11:00:00 AM',
        },
      },
    },
    {
      ...base,
      eventTime: '2026-11-14T10:05:00Z',
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateAccessKey',
      userAgent: 'aws-cli/2.15.0',
      requestParameters: { userName: 'ci-deployer' },
      responseElements: { accessKey: { accessKeyId: 'AKIACANARYNEWKEY0001', secretAccessKey: SECRETS.trailResponseSecretKey, status: 'Active' } },
    },
  ];
  writeFileSync(path.join(trailDir, '111111111111_CloudTrail_us-east-1_20261114T1000Z_secretsCanary.json.gz'), gzipSync(JSON.stringify({ Records: records })));
  writeFileSync(
    path.join(trailDir, '111111111111_CloudTrail_us-east-1_20261114T1005Z_truncated.json'),
    `{"Records":[{"eventVersion":"1.08","requestParameters":{"secretAccessKey":"${SECRETS.truncatedTrailSecret}"}} x`,
  );
  writeFileSync(path.join(trailDir, '111111111111_CloudTrail_us-east-1_20261114T1010Z_badkey.json'), `{"Records": [], "${SECRETS.trailTopLevelKey}" 1}`);
}

/** Every file under dir, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/**
 * The planted secrets found in `text`, by name. Any 8 characters of one
 * count (Node's JSON.parse quotes 10 characters around an error), as does
 * its base64 form, in case something encodes before storing.
 */
function leaked(text: string | Buffer): string[] {
  const haystack = Buffer.isBuffer(text) ? text.toString('latin1') : text;
  return Object.entries(SECRETS)
    .filter(([, secret]) => [...fragments(secret), Buffer.from(secret).toString('base64').slice(0, 24)].some((f) => haystack.includes(f)))
    .map(([name]) => name);
}

/** The 8-character windows of a secret that cannot match by chance: upper and lower case and a digit (not hex, not a word). */
function fragments(secret: string): string[] {
  const windows: string[] = [];
  for (let i = 0; i + 8 <= secret.length; i++) {
    const w = secret.slice(i, i + 8);
    if (/[A-Z]/.test(w) && /[a-z]/.test(w) && /\d/.test(w)) windows.push(w);
  }
  return windows;
}

describe('secrets planted in an export', () => {
  it('reach neither the database, the reports, nor stdout/stderr; keywarden still imports the rest', async () => {
    const db = path.join(tmp, 'db', 'keywarden.db');
    const out = path.join(tmp, 'reports');
    const run = await runCli(['--config', CONFIG, '--db', db, 'audit', '--from', exportDir, '--as-of', '2026-11-15', '--window', '60', '--out', out], { umask: '000' });
    expect(run.err).not.toMatch(/internal error/);
    // The damaged files are coverage gaps, the rest was imported.
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/page-3\.json/);
    expect(run.err).toMatch(/truncated\.json/);

    const store = openStore(db);
    try {
      const scan = store.latestScan('aws')!;
      expect(store.scanContents(scan.id).identities.length).toBe(16);
    } finally {
      store.close();
    }

    const written = [...filesUnder(path.dirname(db)), ...filesUnder(out)];
    expect(written.length).toBeGreaterThanOrEqual(3);
    const leaks = [
      ...leaked(run.out).map((s) => `stdout: ${s}`),
      ...leaked(run.err).map((s) => `stderr: ${s}`),
      ...written.flatMap((f) => leaked(readFileSync(f)).map((s) => `${path.relative(tmp, f)}: ${s}`)),
    ];
    expect(leaks).toEqual([]);
    console.log(`secrets: ${Object.keys(SECRETS).length} planted secrets, ${written.length} written files + stdout/stderr scanned, 0 found`);

    // Created under umask 000, still owner-only.
    for (const f of [...written, path.dirname(db), out]) expect({ f, mode: statSync(f).mode & 0o077 }).toEqual({ f, mode: 0 });
  });

  it('a config holding tokens is refused without echoing them', async () => {
    const cases = {
      'unknown-key.yaml': `notify:\n  webhook: "https://hooks.slack.com/services/${SECRETS.configWebhookToken}"\n  headers: { Authorization: "Bearer ${SECRETS.configBearer}" }\n`,
      'wrong-type.yaml': `reports: { url: "https://hooks.slack.com/services/${SECRETS.configWebhookToken}" }\n`,
      'syntax.yaml': `agents:\n  tags:\n    - { key: "Bearer ${SECRETS.configBearer}", value: "x" \n  webhook: "https://hooks.slack.com/services/${SECRETS.configWebhookToken}\n`,
      'syntax.json': `{"database": "Bearer ${SECRETS.configBearer}" "webhook": "${SECRETS.configWebhookToken}"}`,
      'bad-value.yaml': `environments:\n  accounts:\n    - { id: "${SECRETS.configBearer}", environment: production }\n`,
    };
    for (const [name, text] of Object.entries(cases)) {
      const file = path.join(tmp, name);
      writeFileSync(file, text);
      const run = await cliInProcess(['--config', file, '--db', path.join(tmp, 'config.db'), 'scans']);
      expect({ name, code: run.code }).toEqual({ name, code: 3 });
      expect(run.err).toContain(name);
      expect({ name, leaks: [...leaked(run.out), ...leaked(run.err)] }).toEqual({ name, leaks: [] });
    }
  });
});

describe('files keywarden creates', () => {
  it('are owner-only under a permissive umask: database, -wal and -shm', () => {
    const previous = process.umask(0);
    try {
      const db = path.join(tmp, 'umask', 'k.db');
      const store = openStore(db);
      try {
        store.writeScan({ provider: 'aws', source: 'test', collectedAt: '2026-11-15T00:00:00Z', accounts: [], identities: [], credentials: [], policies: [], attachments: [], accessAdvisor: [], usage: [], unmappedEvents: [], ingested: [], coverage: [] });
        const made = readdirSync(path.dirname(db)).map((f) => path.join(path.dirname(db), f));
        expect(made.map((f) => path.basename(f)).sort()).toEqual(['k.db', 'k.db-shm', 'k.db-wal']);
        for (const f of [...made, path.dirname(db)]) expect({ f, mode: statSync(f).mode & 0o077 }).toEqual({ f, mode: 0 });
      } finally {
        store.close();
      }
    } finally {
      process.umask(previous);
    }
  });
});

describe('redaction', () => {
  it('removes secret shapes and keeps what identifies without granting', () => {
    // All but the two recognisable only by their tag name (a 32-character tag value, a key id).
    const byShape = Object.entries(SECRETS).filter(([name]) => name !== 'accountTagSecret' && name !== 'privateKeyId');
    for (const [name, value] of byShape) {
      const planted = name === 'configWebhookToken' ? `https://hooks.slack.com/services/${value}` : value;
      expect({ name, leaks: leaked(redactNamedValue('note', `x ${planted} y`)) }).toEqual({ name, leaks: [] });
    }
    const kept = [
      'AKIAIOSFODNN7EXAMPLE',
      'ASIACANARYSESSION001',
      'arn:aws:iam::111111111111:role/service/data-pipeline',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4', // a git commit (hex)
      'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64 prompt/off command/iam.list-roles',
      'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 lang/python#3.12.1',
      'claude-code/1.0.3 agent',
    ];
    for (const text of kept) expect(redactSecrets(text)).toBe(text);
    expect(redactNamedValue('db-password', 'hunter2')).toBe('[redacted]');
    expect(redactNamedValue('owner', 'platform-team')).toBe('platform-team');
  });
});
