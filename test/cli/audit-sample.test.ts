/**
 * End to end through the CLI entry point: the README's sample audit, a
 * re-import that must not double-count, and bad input that must not lose
 * what was stored.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { reportSchema, type AuditReport } from '../../src/report/json-schema.js';
import { openStore } from '../../src/store/index.js';
import { projectRoot } from '../helpers/fixtures.js';

const SAMPLE = path.join(projectRoot, 'samples', 'acme');
const CONFIG = path.join(projectRoot, 'examples', 'keywarden.example.yaml');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(['node', 'keywarden', ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

function sampleAudit(db: string, out: string, from = SAMPLE, ...extra: string[]) {
  return cli('--config', CONFIG, '--db', db, 'audit', '--from', from, '--as-of', '2026-11-15', '--window', '60', '--out', out, ...extra);
}

function readReport(dir: string): AuditReport {
  return reportSchema.parse(JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8')));
}

function usageTotal(db: string): number {
  const store = openStore(db);
  try {
    return store.usageFor({ from: '2026-01-01', to: '2026-12-31' }).reduce((n, u) => n + u.count + u.denied, 0);
  } finally {
    store.close();
  }
}

describe('keywarden audit on the bundled sample', () => {
  it('writes a schema-valid granted-vs-used report with complete coverage', async () => {
    const db = path.join(tmp, 'a.db');
    const out = path.join(tmp, 'reports-a');
    const run = await sampleAudit(db, out);
    expect(run.err).not.toMatch(/internal error/);
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['index.html', 'keywarden-2026-11-15-scan1.html', 'keywarden-2026-11-15-scan1.json', 'latest.html', 'latest.json']);
    expect(statSync(path.join(out, 'latest.json')).mode & 0o077).toBe(0);

    const report = readReport(out);
    expect(report.coverage.complete).toBe(true);
    expect(report.accounts.map((a) => [a.accountId, a.alias])).toEqual([
      ['111111111111', 'acme-prod'],
      ['222222222222', 'acme-staging'],
    ]);
    expect(report.accounts.every((a) => a.cloudTrailDays >= 59)).toBe(true);
    expect(report.cloudTrail.unmappedEvents).toEqual([]);

    // The broad agent user: many actions granted, a handful used, the rest unused or unknown.
    const claude = report.identities.find((i) => i.name === 'claude-code-agent')!;
    expect(claude.agent?.agent).toBe(true);
    expect(claude.environment?.environment).toBe('production');
    expect(claude.granted.actions).toBeGreaterThan(500);
    expect(claude.used.actions).toBeGreaterThan(0);
    expect(claude.used.actions).toBeLessThan(30);
    expect(claude.unused.actions).toBeGreaterThan(claude.used.actions);
    expect(claude.usedRatio).toBeLessThan(0.05);
    for (const a of claude.services.flatMap((s) => s.usedActions)) expect(a.lastUsed! >= report.window.from).toBe(true);

    // Every identity's counts add up, and unknown is never folded into unused.
    for (const i of report.identities) expect(i.used.actions + i.unused.actions + i.unknown.actions).toBe(i.granted.actions);
    // Listed services plus the omitted sum give the whole grant; administrators are bounded.
    for (const i of report.identities) {
      const listed = i.services.reduce((n, s) => n + s.granted, 0);
      expect(listed + (i.servicesOmitted?.granted ?? 0)).toBe(i.granted.actions);
      expect(i.services.reduce((n, s) => n + s.unused, 0) + (i.servicesOmitted?.unused ?? 0)).toBe(i.unused.actions);
    }
    const admin = report.identities.find((i) => i.name === 'ops-ai-agent')!;
    expect(admin.granted.services).toBeGreaterThan(400);
    expect(admin.services.filter((s) => s.status !== 'used')).toHaveLength(20);
    expect(admin.servicesOmitted!.services).toBe(admin.granted.services - admin.services.length);
    // The most dangerous unused services come first among those without use: permissions management.
    expect(admin.services.find((s) => s.status !== 'used')!.unusedByAccessLevel['Permissions management']).toBeGreaterThan(0);

    // The terminal summary has one line per identity and says how coverage went.
    expect(run.out).toContain('coverage: complete');
    for (const i of report.identities) expect(run.out).toContain(i.name.slice(0, 30));
  });

  it('does not double-count CloudTrail when the same export is imported again', async () => {
    const db = path.join(tmp, 'b.db');
    const out = path.join(tmp, 'reports-b');
    expect((await sampleAudit(db, out)).code).toBe(0);
    const first = usageTotal(db);
    expect(first).toBeGreaterThan(2000);
    const again = await sampleAudit(db, out);
    expect(again.code).toBe(0);
    expect(again.err).toMatch(/224 already imported, skipped/);
    expect(usageTotal(db)).toBe(first);
    expect(readReport(out).scan.id).toBe(2);
  });

  it('imports what it can from damaged input, names each bad file, and keeps the stored history', async () => {
    const db = path.join(tmp, 'c.db');
    const out = path.join(tmp, 'reports-c');
    expect((await sampleAudit(db, out)).code).toBe(0);
    const before = usageTotal(db);

    const damaged = path.join(tmp, 'damaged');
    cpSync(SAMPLE, damaged, { recursive: true });
    const prodAuth = path.join(damaged, 'accounts/acme-prod/iam-get-account-authorization-details.json');
    writeFileSync(prodAuth, readFileSync(prodAuth, 'utf8').slice(0, 5000));
    const ctDir = path.join(damaged, 'cloudtrail/AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/14');
    const gz = path.join(ctDir, readdirSync(ctDir)[0]!);
    truncateSync(gz, Math.floor(statSync(gz).size / 2));
    // A new, valid file alongside: it must still be imported.
    const fresh = path.join(ctDir, '111111111111_CloudTrail_us-east-1_20261114T2355Z_freshfile0000001.json');
    writeFileSync(
      fresh,
      JSON.stringify({
        Records: [
          {
            eventVersion: '1.09',
            userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111111111111:user/dns-automation', accountId: '111111111111', accessKeyId: 'AKIAEXAMPLEFRESH0001', userName: 'dns-automation' },
            eventTime: '2026-11-14T23:55:00Z',
            eventSource: 'route53.amazonaws.com',
            eventName: 'ListHostedZones',
            awsRegion: 'us-east-1',
            sourceIPAddress: '198.51.100.7',
            userAgent: 'aws-cli/2.15.30',
            eventID: 'f0f0f0f0-0000-4000-8000-000000000001',
            eventType: 'AwsApiCall',
            recipientAccountId: '111111111111',
          },
        ],
      }),
    );

    const run = await sampleAudit(db, out, damaged);
    expect(run.code).toBe(2);
    expect(run.err).toContain('iam-get-account-authorization-details.json');
    expect(run.err).toContain(path.basename(gz));
    expect(run.out).toContain('COVERAGE INCOMPLETE');
    // The fresh file was imported; the truncated one added nothing; nothing stored was lost.
    expect(usageTotal(db)).toBe(before + 1);
    const report = readReport(out);
    expect(report.coverage.complete).toBe(false);
    expect(report.identities.some((i) => i.accountId === '222222222222')).toBe(true);

    // The previous complete scan is intact.
    const store = openStore(db);
    try {
      expect(store.scanContents(1).identities.filter((i) => i.accountId === '111111111111').length).toBeGreaterThan(5);
    } finally {
      store.close();
    }

    expect((await sampleAudit(db, path.join(tmp, 'reports-c2'), damaged, '--allow-partial')).code).toBe(0);
  });

  it('gives one clear line and exit 3 for a missing export directory or a bad option', async () => {
    const missing = await cli('--db', path.join(tmp, 'd.db'), 'audit', '--from', path.join(tmp, 'nope'));
    expect(missing.code).toBe(3);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toContain('nope');
    expect((await cli('audit', '--window', 'ninety')).code).toBe(3);
  });

  it('filters the terminal summary to agent identities with --agents-only, keeping the JSON complete', async () => {
    const out = path.join(tmp, 'reports-agents');
    const run = await sampleAudit(path.join(tmp, 'e.db'), out, SAMPLE, '--agents-only');
    expect(run.code).toBe(0);
    const report = readReport(out);
    const agents = report.identities.filter((i) => i.agent?.agent);
    const humans = report.identities.filter((i) => !i.agent?.agent);
    expect(agents.length).toBeGreaterThan(3);
    expect(humans.map((i) => i.name)).toContain('alice.admin');
    expect(run.out).toContain(`showing the ${agents.length} agent identities of ${report.identities.length}`);
    expect(run.out).not.toContain('alice.admin');
    expect(run.out).toContain('claude-code-agent');
  });

  it('lists every command in --help', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const command of ['audit', 'import', 'report', 'scans', 'rules', 'schema']) expect(help.out).toMatch(new RegExp(`\\n\\s+${command}\\b`));
  });
});
