/**
 * Two keywardens on one database: one waits for the other or refuses with
 * one line and exit code 5; nothing is corrupted and no CloudTrail event is
 * counted twice, even when both read the same logs before either wrote.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/errors.js';
import { importExportDir } from '../../src/collect/files/import-export-dir.js';
import { reportSchema } from '../../src/report/json-schema.js';
import { openStore } from '../../src/store/index.js';
import { projectRoot } from '../helpers/fixtures.js';
import { CONFIG, cliInProcess as cli, startCli } from './cli-process.js';
import { dbState } from './store-probe.js';

const SAMPLE = path.join(projectRoot, 'samples', 'acme');

let tmp: string;
/** The sample plus one truncated CloudTrail file: its warning is printed between collection and the write. */
let exportDir: string;
/** Usage stored by one import of exportDir into an empty database. */
let singleImportUsage: number;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-concurrency-'));
  exportDir = path.join(tmp, 'export');
  cpSync(SAMPLE, exportDir, { recursive: true });
  const day = path.join(exportDir, 'cloudtrail', 'AWSLogs', '111111111111', 'CloudTrail', 'us-east-1', '2026', '11', '14');
  writeFileSync(path.join(day, '111111111111_CloudTrail_us-east-1_20261114T2355Z_cut.json'), '{"Records":[{"eventVersion":"1.08",');
  const db = path.join(tmp, 'reference.db');
  const store = openStore(db);
  try {
    const imported = await importExportDir(exportDir, { alreadyIngested: () => false });
    store.writeScan(imported.snapshot, imported.extras);
  } finally {
    store.close();
  }
  singleImportUsage = dbState(db).usage;
  expect(singleImportUsage).toBeGreaterThan(1000);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('two imports of the same logs', () => {
  it('one that stores the files between the other\'s check and its write: the other reads again, nothing counts twice', async () => {
    const db = path.join(tmp, 'race.db');
    const competing = await importExportDir(exportDir, { alreadyIngested: () => false });
    let interleaved = false;
    const run = await cli(['--config', CONFIG, '--db', db, 'import', exportDir], (line) => {
      // Collection is over, the write is next: the other keywarden commits first.
      if (!interleaved && line.startsWith('warning:')) {
        interleaved = true;
        const other = openStore(db);
        try {
          other.writeScan(competing.snapshot, competing.extras);
        } finally {
          other.close();
        }
      }
    });
    expect(interleaved).toBe(true);
    expect(run.err).toContain('reading the export again');
    expect(run.code).toBe(EXIT.ok);
    const state = dbState(db);
    expect(state.integrity).toBe('ok');
    expect(state.usage).toBe(singleImportUsage);
    expect(state.scans).toEqual([
      { id: 1, identities: 16 },
      { id: 2, identities: 16 },
    ]);
  });

  it('a writer that holds the database past the busy timeout: refused in one line with exit code 5, nothing stored', async () => {
    const db = path.join(tmp, 'locked.db');
    openStore(db).close();
    const holder = new Database(db);
    holder.exec('BEGIN IMMEDIATE');
    let run;
    try {
      run = await cli(['--config', CONFIG, '--db', db, 'import', exportDir]);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(run.code).toBe(EXIT.busy);
    const last = run.err.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(/^keywarden: .*locked\.db is locked by another keywarden writer \(waited 5000 ms\); .*run it again/);
    expect(run.err).not.toMatch(/internal error|\n\s+at /);
    expect(dbState(db)).toEqual({ integrity: 'ok', scans: [], usage: 0, ingestedFiles: 0 });
  });

  it('an audit and an import started at once as processes: both complete or one refuses with exit 5; usage counted once', async () => {
    const db = path.join(tmp, 'both.db');
    const out = path.join(tmp, 'both-reports');
    const audit = startCli(['--config', CONFIG, '--db', db, 'audit', '--from', exportDir, '--as-of', '2026-11-15', '--window', '60', '--out', out, '--allow-partial']);
    const imp = startCli(['--config', CONFIG, '--db', db, 'import', exportDir]);
    const [a, i] = await Promise.all([audit.done, imp.done]);
    const outcomes = [
      { who: 'audit', code: a.code, err: audit.err() },
      { who: 'import', code: i.code, err: imp.err() },
    ];
    for (const o of outcomes) {
      expect([EXIT.ok, EXIT.busy], `${o.who}: ${o.err}`).toContain(o.code);
      expect(o.err).not.toMatch(/internal error/);
    }
    const state = dbState(db);
    expect(state.integrity).toBe('ok');
    expect(state.usage).toBe(singleImportUsage);
    expect(state.scans.length).toBe(outcomes.filter((o) => o.code === EXIT.ok).length);
    for (const s of state.scans) expect(s.identities).toBe(16);
    if (a.code === EXIT.ok) reportSchema.parse(JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')));
    console.log(
      `concurrency: audit exit ${a.code}, import exit ${i.code}` +
        `${outcomes.some((o) => o.err.includes('reading the export again')) ? ' (one read the export again after the other stored it)' : ''}; ` +
        `usage ${state.usage} = one import's ${singleImportUsage}`,
    );
  });
});
