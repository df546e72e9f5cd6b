/**
 * `keywarden ci` and `keywarden baseline write` end to end through the CLI
 * on the bundled sample: exit codes for every case, suppressions marked in
 * the report, baselines failing on new findings only.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { reportSchema, type AuditReport } from '../../src/report/json-schema.js';
import { projectRoot } from '../helpers/fixtures.js';

const SAMPLE = path.join(projectRoot, 'samples', 'acme');
const CONFIG = path.join(projectRoot, 'examples', 'keywarden.example.yaml');
const AGENT = 'arn:aws:iam::111111111111:role/agents/ops-ai-agent';

let tmp: string;
let db: string;

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(['node', 'keywarden', ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

/** `ci` on the stored sample scan, as of the sample's date. */
const ci = (...args: string[]) => cli('--config', CONFIG, '--db', db, 'ci', '--as-of', '2026-11-15', '--window', '60', ...args);

function file(name: string, content?: string): string {
  const p = path.join(tmp, name);
  if (content !== undefined) writeFileSync(p, content);
  return p;
}

const readReport = (p: string): AuditReport => reportSchema.parse(JSON.parse(readFileSync(p, 'utf8')));

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-ci-'));
  db = path.join(tmp, 'sample.db');
  expect((await cli('--config', CONFIG, '--db', db, 'import', SAMPLE)).code).toBe(0);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('keywarden ci: thresholds and exit codes', () => {
  it('exits 1 on open findings at or above high, explains each on stderr, and writes the JSON report 0600', async () => {
    const json = file('r.json');
    const run = await ci('--json', json);
    expect(run.code).toBe(1);
    const report = readReport(json);
    expect(statSync(json).mode & 0o077).toBe(0);
    const atLeastHigh = report.findings.filter((f) => f.severity === 'critical' || f.severity === 'high');
    // The example config's suppressions file accepts one unused role (examples/suppressions.example.yaml).
    const suppressed = atLeastHigh.filter((f) => f.suppression);
    expect(suppressed.map((f) => [f.ruleId, f.identityArn, f.suppression!.owner])).toEqual([
      ['aws.unused-credential', 'arn:aws:iam::111111111111:role/legacy-etl-unused', 'data-platform@acme.example'],
    ]);
    expect(run.out).toContain(`${atLeastHigh.length - 1} failing finding(s) at or above high; 1 suppressed`);
    expect(run.err).toContain(`FAIL CRITICAL aws.root-level-scope ${AGENT} [Action::*]`);
    expect(run.err).toMatch(/why: /);
    // Medium and low findings are in the report but never fail a high gate.
    const medium = report.findings.find((f) => f.severity === 'medium')!;
    expect(run.err).not.toContain(`fingerprint ${medium.fingerprint}`);
  });

  it('writes SARIF and Markdown where asked, with the same findings as the JSON report', async () => {
    const [json, sarif, markdown] = [file('all.json'), file('all.sarif'), file('all.md')];
    const run = await ci('--json', json, '--sarif', sarif, '--markdown', markdown);
    expect(run.code).toBe(1);
    const report = readReport(json);
    const log = JSON.parse(readFileSync(sarif, 'utf8')) as { version: string; runs: { results: unknown[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.results).toHaveLength(report.findings.length);
    const md = readFileSync(markdown, 'utf8');
    const worst = report.findings.find((f) => !f.suppression)!;
    expect(md).toContain(`\`${worst.ruleId}\``);
    expect(md).toContain(`| CRITICAL | ${report.findings.filter((f) => f.severity === 'critical' && !f.suppression).length} |`);
    expect(Buffer.byteLength(md)).toBeLessThan(60_000);
    for (const f of [sarif, markdown]) expect(statSync(f).mode & 0o077).toBe(0);
  });

  it('exits 0 when every finding at or above the threshold is suppressed, and keeps them marked in the report', async () => {
    const suppressions = file(
      'all-critical.yaml',
      `suppressions:
  - rule: "aws.*"
    identity: "arn:aws:iam::*"
    reason: accepted for this test
    owner: secops@acme.example
    expires: 2026-11-15
`,
    );
    const json = file('suppressed.json');
    const run = await ci('--fail-on', 'critical', '--suppressions', suppressions, '--json', json);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    // An entry that matches nothing is named, so the file does not collect dead entries.
    const stale = file('stale.yaml', 'suppressions:\n  - { rule: aws.root-level-scope, identity: "arn:aws:iam::111111111111:role/deleted-*", reason: r, owner: o }\n');
    expect((await ci('--fail-on', 'critical', '--suppressions', stale)).err).toContain(`suppression ${stale}#1 (aws.root-level-scope arn:aws:iam::111111111111:role/deleted-*) matched no finding: prune it`);
    const report = readReport(json);
    expect(report.findings.length).toBeGreaterThan(100);
    expect(report.findings.every((f) => f.suppression?.reason === 'accepted for this test' && f.suppression.expired === false)).toBe(true);
    expect(report.findings[0]!.suppression!.source).toBe(`${suppressions}#1`);
  });

  it('reopens findings whose suppression expired (the day after expiry) and says so', async () => {
    const suppressions = file(
      'expired.yaml',
      `suppressions:
  - rule: aws.root-level-scope
    identity: "${AGENT}"
    granular: "Action::*"
    reason: migration to scoped role in progress
    owner: platform@acme.example
    expires: 2026-11-14
`,
    );
    const json = file('expired.json');
    const run = await ci('--fail-on', 'critical', '--suppressions', suppressions, '--json', json);
    expect(run.code).toBe(1);
    expect(run.err).toContain(`suppression ${suppressions}#1 expired 2026-11-14: open again`);
    const reopened = readReport(json).findings.find((f) => f.identityArn === AGENT && f.granular === 'Action::*')!;
    expect(reopened.suppression).toMatchObject({ expired: true, owner: 'platform@acme.example' });
  });

  it('the same suppressions apply to `keywarden audit` reports', async () => {
    const suppressions = file('audit.yaml', `suppressions:\n  - { rule: aws.root-level-scope, identity: "${AGENT}", reason: r, owner: o }\n`);
    const out = path.join(tmp, 'audit-reports');
    const run = await cli('--config', CONFIG, '--db', db, 'report', '--as-of', '2026-11-15', '--window', '60', '--out', out, '--suppressions', suppressions);
    expect(run.code).toBe(0);
    expect(run.out).toContain('[suppressed by o: r]');
    expect(run.out).toMatch(/\d+ finding\(s\): .* \(\d+ suppressed\);/);
    const report = readReport(path.join(out, 'latest.json'));
    expect(report.findings.filter((f) => f.suppression).map((f) => f.identityArn)).toEqual([AGENT]);
  });

  it('exits 3 naming the file, line and entry for an invalid suppressions file', async () => {
    const bad = file('bad.yaml', `suppressions:\n  - rule: aws.root-level-scope\n    identity: "*"\n    owner: me\n    expires: 2026-02-30\n`);
    const run = await ci('--suppressions', bad);
    expect(run.code).toBe(3);
    expect(run.err).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: suppressions\\[0\\]\\.reason: missing`));
    expect(run.err).toContain('(and 1 more problem)');
    expect((await ci('--suppressions', file('nope.yaml'))).err).toMatch(/nope\.yaml: cannot read suppressions file: no such file/);
  });

  it('exits 3 on a bad --fail-on, a missing baseline, or nothing to audit', async () => {
    expect((await ci('--fail-on', 'severe')).code).toBe(3);
    const missing = await ci('--baseline', file('missing-baseline.json'));
    expect(missing.code).toBe(3);
    expect(missing.err).toContain('cannot read baseline file: no such file');
    const empty = await cli('--db', path.join(tmp, 'empty.db'), 'ci');
    expect(empty.code).toBe(3);
    expect(empty.err).toContain('nothing to audit');
  });
});

describe('keywarden ci: baselines', () => {
  it('fails only on findings not in the baseline and lists baseline entries that no longer occur', async () => {
    const baseline = file('baseline.json');
    const write = await cli('--config', CONFIG, '--db', db, 'baseline', 'write', '--as-of', '2026-11-15', '--window', '60', '--out', baseline);
    expect(write.code).toBe(0);
    expect((await ci('--baseline', baseline)).code).toBe(0);

    // Drop the agent's Action::* from the baseline (a "new" finding) and add one that no longer occurs.
    const data = JSON.parse(readFileSync(baseline, 'utf8'));
    const dropped = data.findings.find((f: { identityArn: string; granular?: string }) => f.identityArn === AGENT && f.granular === 'Action::*');
    data.findings = data.findings.filter((f: unknown) => f !== dropped);
    data.findings.push({ fingerprint: 'f'.repeat(32), ruleId: 'aws.unused-credential', identityArn: 'arn:aws:iam::111111111111:user/gone', severity: 'high', title: 'deleted user' });
    const edited = file('baseline-edited.json', JSON.stringify(data));
    const run = await ci('--baseline', edited);
    expect(run.code).toBe(1);
    expect(run.out).toContain('1 failing finding(s) at or above high');
    expect(run.err).toContain(`fingerprint ${dropped.fingerprint}`);
    expect(run.err).toContain(`baseline entry no longer occurs (prune it): ${'f'.repeat(32)} aws.unused-credential`);
  });

  it('rejects a baseline file that is not one', async () => {
    const run = await ci('--baseline', file('not-baseline.json', '{"version": 2, "createdAt": "2026-11-15T00:00:00Z", "findings": []}'));
    expect(run.code).toBe(3);
    expect(run.err).toMatch(/not-baseline\.json:1:\d+: version: /);
  });
});

describe('keywarden ci: fails closed on incomplete coverage', () => {
  it('exits 2 when a source could not be read, and judges findings with --allow-partial', async () => {
    const damaged = path.join(tmp, 'damaged');
    cpSync(SAMPLE, damaged, { recursive: true });
    const auth = path.join(damaged, 'accounts/acme-staging/iam-get-account-authorization-details/page-2.json');
    writeFileSync(auth, readFileSync(auth, 'utf8').slice(0, 4000));
    const partialDb = path.join(tmp, 'partial.db');
    const args = ['--config', CONFIG, '--db', partialDb, 'ci', '--from', damaged, '--as-of', '2026-11-15', '--window', '60', '--fail-on', 'critical'];
    const strict = await cli(...args);
    expect(strict.code).toBe(2);
    expect(strict.err).toContain('coverage gap:');
    expect(strict.err).toContain(path.basename(auth));

    const suppressAll = file('all.yaml', 'suppressions:\n  - { rule: "*", identity: "*", reason: r, owner: o }\n');
    expect((await cli(...args, '--allow-partial', '--suppressions', suppressAll)).code).toBe(0);
    expect((await cli(...args, '--allow-partial')).code).toBe(1);
  });
});
