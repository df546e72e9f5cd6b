/** `--format` on audit and report: which files are written, where, with what permissions. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/errors.js';
import { cli, sampleAuditArgs } from '../report/report-fixtures.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-formats-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('--format', () => {
  it('writes SARIF and Markdown only when asked, each dated and as latest, owner-readable only', async () => {
    const out = path.join(tmp, 'sarif-md');
    const run = await cli(...sampleAuditArgs(path.join(tmp, 'a.db'), out, '--format', 'sarif,markdown'));
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['keywarden-2026-11-15-scan1.md', 'keywarden-2026-11-15-scan1.sarif', 'latest.md', 'latest.sarif']);
    for (const f of readdirSync(out)) expect(statSync(path.join(out, f)).mode & 0o077).toBe(0);
    const sarif = JSON.parse(readFileSync(path.join(out, 'latest.sarif'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results.length).toBeGreaterThan(0);
    expect(readFileSync(path.join(out, 'latest.md'), 'utf8')).toMatch(/^## keywarden: scan 1, 2026-09-17 to 2026-11-15/);
    expect(run.out).toContain('latest.sarif');
  });

  it('a second audit adds to the index, and its HTML trends span both stored scans', async () => {
    const db = path.join(tmp, 'b.db');
    const out = path.join(tmp, 'html');
    expect((await cli(...sampleAuditArgs(db, out))).code).toBe(0);
    expect((await cli(...sampleAuditArgs(db, out))).code).toBe(0);
    const index = readFileSync(path.join(out, 'index.html'), 'utf8');
    expect(index).toContain('2026-11-15, scan 2');
    expect(index).toContain('2026-11-15, scan 1');
    expect(readFileSync(path.join(out, 'latest.html'), 'utf8')).toContain('Trends over 2 stored scans');
    const first = readFileSync(path.join(out, 'keywarden-2026-11-15-scan1.html'), 'utf8');
    expect(first).toContain('1 scan so far');
  });

  it('rejects an unknown format with a usage error naming the choices', async () => {
    const run = await cli(...sampleAuditArgs(path.join(tmp, 'c.db'), path.join(tmp, 'none'), '--format', 'json,pdf'));
    expect(run.code).toBe(EXIT.usage);
    expect(run.err).toContain('json, html, sarif, markdown');
  });
});
