/**
 * Through the CLI entry point on the bundled sample: suggestions in the
 * JSON report (schema-valid, stable ids, new then open), a count in the
 * terminal summary, and `keywarden plan` writing plan.md and owner-only
 * scripts, for all suggestions or `--only` one.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { reportSchema, type AuditReport } from '../../src/report/json-schema.js';
import { projectRoot } from '../helpers/fixtures.js';

const SAMPLE = path.join(projectRoot, 'samples', 'acme');
const CONFIG = path.join(projectRoot, 'examples', 'keywarden.example.yaml');

let tmp: string;
let db: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-plan-'));
  db = path.join(tmp, 'k.db');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(['node', 'keywarden', '--config', CONFIG, '--db', db, ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const WINDOW = ['--as-of', '2026-11-15', '--window', '60'];

function report(dir: string): AuditReport {
  return reportSchema.parse(JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8')));
}

describe('suggestions through the CLI', () => {
  it('are in the JSON report with stable ids: new on the first scan, open on the next', async () => {
    const first = await cli('audit', '--from', SAMPLE, ...WINDOW, '--out', path.join(tmp, 'r1'));
    expect(first.code).toBe(0);
    const one = report(path.join(tmp, 'r1'));
    const ids = one.suggestions!.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(one.suggestions!.every((s) => s.status === 'new')).toBe(true);
    expect(new Set(one.suggestions!.map((s) => s.kind))).toEqual(
      // No delete-unused-role: the example config's suppressions accept legacy-etl-unused, and nothing is planned for a suppressed finding.
      // No split-credential: staging-agent's only production use is assuming prod-deployer, which remove-trust-edge handles.
      new Set(['replace-with-least-privilege', 'delete-unused-user', 'deactivate-unused-access-key', 'rotate-stale-access-key', 'remove-trust-edge']),
    );
    const fingerprints = new Set(one.findings.map((f) => f.fingerprint));
    for (const s of one.suggestions!) for (const f of s.resolves) expect(fingerprints.has(f)).toBe(true);
    expect(first.out).toMatch(new RegExp(`${ids.length} suggestion\\(s\\): ${ids.length} new, 0 open`));

    const second = await cli('audit', '--from', SAMPLE, ...WINDOW, '--out', path.join(tmp, 'r2'));
    expect(second.code).toBe(0);
    const two = report(path.join(tmp, 'r2'));
    expect(two.suggestions!.map((s) => [s.id, s.status])).toEqual(ids.map((id) => [id, 'open']));
  });

  it('keywarden plan writes plan.md and owner-only scripts for every suggestion, runs nothing, and --only narrows it', async () => {
    const dir = path.join(tmp, 'plan');
    const run = await cli('plan', ...WINDOW, '--out', dir);
    expect(run.code).toBe(0);
    const ids = report(path.join(tmp, 'r2')).suggestions!.map((s) => s.id);
    const md = readFileSync(path.join(dir, 'plan.md'), 'utf8');
    for (const id of ids) {
      expect(md).toContain(id);
      expect(statSync(path.join(dir, id, 'apply-stage1.sh')).mode & 0o777).toBe(0o700);
      expect(existsSync(path.join(dir, id, 'rollback-stage1.sh')) || existsSync(path.join(dir, id, 'rollback-stage2.sh'))).toBe(true);
    }
    expect(statSync(path.join(dir, 'plan.md')).mode & 0o777).toBe(0o600);

    const only = path.join(tmp, 'only');
    expect((await cli('plan', ...WINDOW, '--out', only, '--only', ids[0]!)).code).toBe(0);
    expect(readdirSync(only).sort()).toEqual([ids[0], 'plan.md'].sort());

    const bad = await cli('plan', ...WINDOW, '--out', path.join(tmp, 'bad'), '--only', 'kw-0000000000000000');
    expect(bad.code).toBe(3);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(tmp, 'bad'))).toBe(false);
  });
});
