/**
 * samples/acme, the bundled organisation, imports cleanly and says what its
 * README promises; and it is exactly what scripts/make-sample.ts generates.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readAccountExports, toSnapshotParts, type SnapshotParts } from '../../../../src/collect/files/iam/index.js';
import { asArray, type PolicyDocument } from '../../../../src/model/policy.js';
import { projectRoot } from '../../../helpers/fixtures.js';

const SAMPLE = path.join(projectRoot, 'samples', 'acme');
const PROD = '111111111111';
const STAGING = '222222222222';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

describe('samples/acme', () => {
  const read = readAccountExports(SAMPLE);
  const parts = new Map<string, SnapshotParts>(read.accounts.map((a) => [a.accountId, toSnapshotParts(a)]));
  const prod = parts.get(PROD)!;
  const staging = parts.get(STAGING)!;
  const identity = (p: SnapshotParts, name: string) => p.identities.find((i) => i.name === name)!;
  const documentsOf = (p: SnapshotParts, name: string): PolicyDocument[] =>
    p.attachments
      .filter((a) => a.identityArn === identity(p, name).arn && a.kind !== 'permissions-boundary')
      .map((a) => p.policies.find((x) => x.hash === a.policyHash)!.document);
  const actionsOf = (p: SnapshotParts, name: string) =>
    documentsOf(p, name).flatMap((d) => asArray(d.Statement).filter((s) => s.Effect === 'Allow').flatMap((s) => asArray(s.Action)));

  it('has two accounts with aliases and env tags, and the CloudTrail folder is not one of them', () => {
    expect(read.coverage).toEqual([]);
    expect([...parts.values()].map((p) => p.account)).toEqual([
      { provider: 'aws', accountId: PROD, alias: 'acme-prod', tags: { env: 'production', owner: 'platform', 'cost-center': 'cc-1001' } },
      { provider: 'aws', accountId: STAGING, alias: 'acme-staging', tags: { env: 'staging', owner: 'platform' } },
    ]);
  });

  it('imports without a single gap or partial source', () => {
    for (const p of parts.values()) expect(p.coverage.filter((c) => c.status !== 'ok')).toEqual([]);
  });

  it('has the identities the README lists', () => {
    expect(prod.identities.map((i) => `${i.kind}:${i.name}`)).toEqual([
      'user:ci-deployer', 'user:claude-code-agent', 'user:dns-automation', 'user:alice.admin', 'user:legacy-reporting',
      'role:ops-ai-agent', 'role:backup-admin', 'role:prod-deployer', 'role:data-pipeline', 'role:legacy-etl-unused',
      'root:root',
    ]);
    expect(staging.identities.map((i) => `${i.kind}:${i.name}`)).toEqual([
      'user:ci-deployer', 'user:qa-bot', 'role:staging-agent', 'role:staging-ecs-task', 'root:root',
    ]);
    expect(identity(prod, 'claude-code-agent').tags).toMatchObject({ agent: 'claude-code' });
    expect(identity(prod, 'ops-ai-agent').arn).toBe(`arn:aws:iam::${PROD}:role/agents/ops-ai-agent`);
    expect(identity(prod, 'legacy-etl-unused').lastUsed).toBeUndefined();
    expect(identity(prod, 'ops-ai-agent').lastUsed).toMatchObject({ source: 'role-last-used', region: 'us-east-1' });
  });

  it('gives ci-deployer two active keys, one 400 days old last used in early October', () => {
    const keys = prod.credentials.filter((c) => c.identityArn === identity(prod, 'ci-deployer').arn);
    expect(keys.map((k) => [k.id.split('#')[1], k.active, k.rotatedAt])).toEqual([
      ['access_key_1', true, '2025-10-11T09:14:27.000Z'],
      ['access_key_2', true, '2026-09-01T07:55:02.000Z'],
    ]);
    expect((Date.parse('2026-11-15') - Date.parse(keys[0]!.rotatedAt!)) / 86_400_000).toBeCloseTo(400, 0);
    expect(keys[0]!.lastUsedAt!.slice(0, 10)).toBe('2026-10-05');
    const neverUsed = prod.credentials.find((c) => c.identityArn === identity(prod, 'legacy-reporting').arn)!;
    expect(neverUsed).toMatchObject({ active: true });
    expect(neverUsed.lastUsedAt).toBeUndefined();
  });

  it('grants what the story needs', () => {
    expect(documentsOf(prod, 'ops-ai-agent')).toEqual([{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }]);
    expect(documentsOf(prod, 'dns-automation')).toEqual([{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'route53:*', Resource: '*' }] }]);
    expect(actionsOf(prod, 'backup-admin')).toEqual(expect.arrayContaining(['rds:DeleteDBSnapshot', 's3:DeleteObject', 's3:DeleteBucket', 'backup:DeleteRecoveryPoint']));
    expect(actionsOf(staging, 'staging-agent')).toContain('sts:AssumeRole');
    const assume = documentsOf(staging, 'staging-agent').flatMap((d) => asArray(d.Statement)).find((s) => s.Action === 'sts:AssumeRole')!;
    expect(assume.Resource).toBe(`arn:aws:iam::${PROD}:role/prod-deployer`);
    expect(identity(prod, 'prod-deployer').trustPolicy!.Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${STAGING}:role/agents/staging-agent` }, Action: 'sts:AssumeRole' },
    ]);
    // alice gets AdministratorAccess through the admins group.
    expect(prod.attachments.filter((a) => a.identityArn === identity(prod, 'alice.admin').arn)).toEqual([
      expect.objectContaining({ kind: 'group-managed', groupName: 'admins', policyName: 'AdministratorAccess', policyVersion: 'v1' }),
    ]);
  });

  it('uses default versions that are not the latest, and dedupes the same document across accounts', () => {
    const broad = (p: SnapshotParts, name: string) => p.attachments.find((a) => a.identityArn === identity(p, name).arn && a.policyName === 'acme-agent-broad')!;
    expect(broad(prod, 'claude-code-agent').policyVersion).toBe('v2');
    expect(broad(staging, 'staging-agent').policyHash).toBe(broad(prod, 'claude-code-agent').policyHash);
    expect(actionsOf(prod, 'claude-code-agent')).toEqual(expect.arrayContaining(['iam:*', 'ec2:*', 's3:*']));
    const deploy = prod.attachments.find((a) => a.policyName === 'acme-deploy-common')!;
    expect(deploy).toMatchObject({ kind: 'group-managed', groupName: 'deployers', policyVersion: 'v3' });
  });

  it('puts a permissions boundary and a conditioned, resource-scoped grant on data-pipeline', () => {
    const role = identity(prod, 'data-pipeline');
    expect(role.permissionsBoundaryArn).toBe(`arn:aws:iam::${PROD}:policy/boundaries/acme-boundary-data`);
    expect(prod.attachments.filter((a) => a.identityArn === role.arn).map((a) => a.kind).sort()).toEqual(['inline', 'permissions-boundary']);
    const statements = documentsOf(prod, 'data-pipeline').flatMap((d) => asArray(d.Statement));
    expect(statements.find((s) => s.Action === 'kms:Decrypt')!.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } });
    expect(statements.every((s) => asArray(s.Resource).every((r) => r !== '*'))).toBe(true);
  });

  it('has ACTION_LEVEL Access Advisor for every user and role, in both layouts', () => {
    expect(prod.accessAdvisor).toHaveLength(10);
    expect(staging.accessAdvisor).toHaveLength(4);
    for (const report of [...prod.accessAdvisor, ...staging.accessAdvisor]) expect(report.granularity).toBe('ACTION_LEVEL');
    const agent = staging.accessAdvisor.find((r) => r.identityArn === identity(staging, 'staging-agent').arn)!;
    expect(agent.jobId).toMatch(/^[0-9a-f-]{36}$/);
    const claude = prod.accessAdvisor.find((r) => r.identityArn === identity(prod, 'claude-code-agent').arn)!;
    const iam = claude.services.find((s) => s.namespace === 'iam')!;
    // Granted iam:*, never used it.
    expect(iam.lastAuthenticated).toBeUndefined();
    expect(iam.trackedActions!.map((t) => t.action)).toContain('iam:CreateUser');
    const s3 = claude.services.find((s) => s.namespace === 's3')!;
    expect(s3.trackedActions!.find((t) => t.action === 's3:ListAllMyBuckets')!.lastAccessed).toBeDefined();
    const unused = prod.accessAdvisor.find((r) => r.identityArn === identity(prod, 'legacy-etl-unused').arn)!;
    expect(unused.services.length).toBeGreaterThan(5);
    expect(unused.services.every((s) => s.lastAuthenticated === undefined)).toBe(true);
  });

  it('stores the credential report base64-encoded and staging authorization details as two CLI pages', () => {
    const report = JSON.parse(readFileSync(path.join(SAMPLE, 'accounts/acme-prod/iam-get-credential-report.json'), 'utf8')) as { Content: string };
    expect(report.Content.startsWith('user,')).toBe(false);
    expect(Buffer.from(report.Content, 'base64').toString('utf8').startsWith('user,arn,')).toBe(true);
    const stagingAccount = read.accounts.find((a) => a.accountId === STAGING)!;
    expect(stagingAccount.authorizationDetails!.files).toHaveLength(2);
  });

  it('has realistic CloudTrail log files over ~60 days, well under 2 MB in all', () => {
    const files = walk(path.join(SAMPLE, 'cloudtrail'));
    const name = /AWSLogs\/(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/\1_CloudTrail_\2_\3\4\5T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/;
    const records: Record<string, unknown>[] = [];
    for (const file of files) {
      expect(file).toMatch(name);
      const body = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { Records: Record<string, unknown>[] };
      records.push(...body.Records);
    }
    expect(records.length).toBeGreaterThan(500);
    expect(records.length).toBeLessThan(5000);
    const days = new Set(records.map((r) => String(r.eventTime).slice(0, 10)));
    expect(days.size).toBeGreaterThanOrEqual(58);
    for (const day of days) expect(day >= '2026-08-01' && day < '2026-11-15').toBe(true);
    const types = new Set(records.map((r) => (r.userIdentity as { type: string }).type));
    expect([...types].sort()).toEqual(['AWSAccount', 'AWSService', 'AssumedRole', 'IAMUser']);
    expect(records.some((r) => r.errorCode === 'AccessDenied')).toBe(true);
    expect(records.some((r) => String(r.userAgent).startsWith('claude-code/'))).toBe(true);
    // No secrets in the sample: no session tokens, no secret keys.
    expect(JSON.stringify(records)).not.toMatch(/sessionToken|secretAccessKey/i);
    const total = walk(SAMPLE).reduce((sum, f) => sum + statSync(f).size, 0);
    expect(total).toBeLessThan(2 * 1024 * 1024);
  });

  it('is exactly what scripts/make-sample.ts generates', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'keywarden-sample-'));
    try {
      execFileSync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts/make-sample.ts'), out], { cwd: projectRoot, stdio: 'pipe' });
      const relative = (root: string) => walk(root).map((f) => path.relative(root, f)).sort();
      expect(relative(out)).toEqual(relative(SAMPLE));
      for (const file of relative(out)) {
        expect(readFileSync(path.join(out, file)).equals(readFileSync(path.join(SAMPLE, file))), file).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
