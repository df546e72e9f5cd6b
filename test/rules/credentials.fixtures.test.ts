/**
 * The credential rules on real data: cloudmapper's demo account (authorization
 * details, credential report with `Content` as plain CSV, Access Advisor),
 * imported through the real importer and store, audited as of the report's
 * GeneratedTime. Expectations are derived from the CSV itself, not hard-coded.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/index.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { runRules } from '../../src/rules/engine.js';
import type { Rule } from '../../src/rules/rule.js';
import { rootAccountCredentials } from '../../src/rules/aws/root-account-credentials.js';
import { staleAccessKey } from '../../src/rules/aws/stale-access-key.js';
import { unusedCredential } from '../../src/rules/aws/unused-credential.js';
import { unusedPermissions } from '../../src/rules/aws/unused-permissions.js';
import { makeExportDir } from '../collect/files/iam/export-dir.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';
import { scenarioFromSnapshot, snapshotFromExportDir } from '../helpers/snapshot-scenario.js';

const DEMO = 'aws/cloudmapper-demo';
const ACCOUNT = '123456789012';
const DAY_MS = 86_400_000;

type Row = Record<string, string>;

/** The report's CSV, read independently of the importer (the demo has no quoted fields). */
function readReport(): { generated: Date; rows: Row[] } {
  const report = JSON.parse(readFileSync(fixture(`${DEMO}/iam-get-credential-report.json`), 'utf8')) as { Content: string; GeneratedTime: string };
  expect(report.Content).not.toContain('"');
  const [header, ...lines] = report.Content.trim().split('\n').map((l) => l.split(','));
  const rows = lines.map((fields) => Object.fromEntries(header!.map((h, i) => [h, fields[i] ?? ''])));
  return { generated: new Date(report.GeneratedTime), rows };
}

const date = (v: string | undefined) => (v && /^\d{4}-\d\d-\d\d/.test(v) ? new Date(v) : undefined);

describeFixtures('credential rules on the cloudmapper demo account (real export)', () => {
  // Read in beforeAll, not in the describe body: a skipped describe still runs its body.
  let generated: Date;
  let rows: Row[];
  let windowStart: number;
  let root: string;
  let rootRow: Row;
  let userRows: Row[];
  const maxAge = DEFAULT_CONFIG.thresholds.keyMaxAgeDays;
  const recentDays = DEFAULT_CONFIG.thresholds.rootRecentUseDays;

  beforeAll(() => {
    ({ generated, rows } = readReport());
    const window = windowEndingAt(generated, DEFAULT_CONFIG.thresholds.unusedDays);
    windowStart = Date.parse(`${window.from}T00:00:00Z`);
    rootRow = rows.find((r) => r.user === '<root_account>')!;
    userRows = rows.filter((r) => r.user !== '<root_account>');
    const dir = makeExportDir();
    for (const entry of [
      'iam-get-account-authorization-details.json',
      'iam-get-credential-report.json',
      'iam-generate-service-last-accessed-details',
      'iam-get-service-last-accessed-details',
    ]) {
      dir.link(fixture(`${DEMO}/${entry}`), `${ACCOUNT}/${entry}`);
    }
    root = dir.root;
  });

  async function run(rule: Rule) {
    const facts = await scenarioFromSnapshot(snapshotFromExportDir(root, generated.toISOString()), {
      asOf: generated,
      windowDays: DEFAULT_CONFIG.thresholds.unusedDays,
      config: DEFAULT_CONFIG,
    });
    const evaluations = rule.evaluate(facts.context);
    const { findings } = runRules([rule], facts.context);
    // Every identity gets an outcome: the rule's denominator.
    expect(evaluations.map((e) => e.identityArn).sort()).toEqual(facts.context.identities.map((i) => i.identity.arn).sort());
    const keys = findings.map((f) => `${f.identityArn}|${f.credentialId ?? ''}|${f.granular ?? ''}`);
    expect(new Set(keys).size).toBe(keys.length);
    return { facts, evaluations, findings, outcome: (arn: string) => evaluations.find((e) => e.identityArn === arn)?.outcome };
  }

  const activeKeys = (row: Row) =>
    [1, 2].filter((n) => row[`access_key_${n}_active`] === 'true').map((n) => ({
      id: `${row.arn}#access_key_${n}`,
      rotated: date(row[`access_key_${n}_last_rotated`]),
      lastUsed: date(row[`access_key_${n}_last_used_date`]),
    }));

  it('root: every active root access key is a critical finding; key or console use within rootRecentUseDays is RecentUse', async () => {
    const { findings, outcome } = await run(rootAccountCredentials);
    const keys = activeKeys(rootRow);
    expect(keys.length).toBeGreaterThan(0);
    const recent = (d: Date | undefined) => d !== undefined && generated.getTime() - d.getTime() <= recentDays * DAY_MS;
    const usedRecently = keys.some((k) => recent(k.lastUsed)) || recent(date(rootRow.password_last_used));
    expect(findings.map((f) => [f.granular, f.severity]).sort()).toEqual(
      [...keys.map((k) => [`Credential::${k.id}`, 'critical']), ...(usedRecently ? [['RecentUse', 'high']] : [])].sort(),
    );
    expect(outcome(rootRow.arn!)).toBe('fail');
    // Users and roles are not this rule's business.
    for (const r of userRows) expect(outcome(r.arn!)).toBe('not-applicable');
  });

  // The root row says password_enabled=not_supported but carries password_last_used: that sign-in counts.
  it('root: a console sign-in within rootRecentUseDays (password_last_used) is RecentUse', async () => {
    const signIn = date(rootRow.password_last_used);
    expect(signIn && generated.getTime() - signIn.getTime() <= recentDays * DAY_MS).toBe(true);
    const { findings } = await run(rootAccountCredentials);
    expect(findings.some((f) => f.granular === 'RecentUse')).toBe(true);
  });

  it('unused-credential: exactly the active keys and passwords the report shows unused in the window, and users with nothing used', async () => {
    const { findings, outcome } = await run(unusedCredential);
    const expected: string[] = [];
    for (const row of userRows) {
      const unused = (lastUsed: Date | undefined) => !lastUsed || lastUsed.getTime() < windowStart;
      const keys = activeKeys(row);
      const unusedKeys = keys.filter((k) => unused(k.lastUsed));
      const password = row.password_enabled === 'true' ? { id: `${row.arn}#password`, lastUsed: date(row.password_last_used) } : undefined;
      const passwordUnused = password !== undefined && unused(password.lastUsed);
      expected.push(...unusedKeys.map((k) => `${row.arn}|Credential::${k.id}`));
      if (passwordUnused) expected.push(`${row.arn}|Credential::${password.id}`);
      const anyUsed = keys.length > unusedKeys.length || (password !== undefined && !passwordUnused);
      if (!anyUsed) expected.push(`${row.arn}|Identity`);
      expect(outcome(row.arn!)).toBe(unusedKeys.length || passwordUnused || !anyUsed ? 'fail' : 'pass');
    }
    expect(findings.map((f) => `${f.identityArn}|${f.granular}`).sort()).toEqual(expected.sort());
    // The named example: auditor_tmp's key was created minutes before the report and never used.
    const auditor = findings.find((f) => f.granular === `Credential::arn:aws:iam::${ACCOUNT}:user/auditor_tmp#access_key_1`);
    expect(auditor?.title).toBe(`active access key arn:aws:iam::${ACCOUNT}:user/auditor_tmp#access_key_1 was never used`);
    expect(outcome(rootRow.arn!)).toBe('not-applicable');
  });

  it('stale-access-key: keys last rotated more than keyMaxAgeDays before the report, and users with two active keys', async () => {
    const { findings } = await run(staleAccessKey);
    const expected: string[] = [];
    for (const row of userRows) {
      const keys = activeKeys(row);
      for (const k of keys) if (k.rotated && Math.floor((generated.getTime() - k.rotated.getTime()) / DAY_MS) > maxAge) expected.push(`${row.arn}|Credential::${k.id}`);
      if (keys.length >= 2) expected.push(`${row.arn}|TwoActiveKeys`);
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(findings.map((f) => `${f.identityArn}|${f.granular}`).sort()).toEqual(expected.sort());
  });

  it('unused-permissions: never calls unused what Access Advisor does not list', async () => {
    const { facts, findings, evaluations } = await run(unusedPermissions);
    // Every service the finding names as unused is one a source observed with no use.
    for (const f of findings) {
      const audit = facts.context.identities.find((i) => i.identity.arn === f.identityArn)!.audit;
      const named = f.evidence.flatMap((e) => (typeof e.detail?.service === 'string' ? [e.detail.service] : []));
      for (const name of named) expect(audit.services.find((s) => s.service === name)?.unused).toBeGreaterThan(0);
    }
    // With only `logs` observed, nothing can be shown to be mostly unused: never a pass on unknown, never a fail either.
    const withUnknowns = evaluations.filter((e) => {
      const audit = facts.context.identities.find((i) => i.identity.arn === e.identityArn)!.audit;
      return audit.unknown.actions > audit.granted.actions / 2;
    });
    expect(withUnknowns.length).toBeGreaterThan(3);
    for (const e of withUnknowns) {
      expect(e.outcome).toBe('not-applicable');
      expect(e.reason).toMatch(/no source observes/);
    }
    // Access Advisor in the demo lists only `logs` for its roles: every other granted service is unknown.
    for (const e of evaluations) {
      const audit = facts.context.identities.find((i) => i.identity.arn === e.identityArn)!.audit;
      if (audit.granted.actions > 0 && audit.unused.actions === 0) expect(e.outcome).not.toBe('fail');
    }
  });
});
