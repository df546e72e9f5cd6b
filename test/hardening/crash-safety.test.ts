/**
 * Crash safety: `keywarden import` and `keywarden audit` are SIGKILLed at
 * random points, many times. After every kill the database passes
 * integrity_check, the previous scan is intact, a reader sees either no new
 * scan or the whole of it (its usage with it), latest.json is a complete
 * report, and the next run completes without counting anything twice.
 *
 * KEYWARDEN_CRASH_KILLS sets the number of kills (default 16).
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/errors.js';
import { reportSchema } from '../../src/report/json-schema.js';
import { projectRoot } from '../helpers/fixtures.js';
import { CONFIG, cliInProcess, startCli } from './cli-process.js';
import { dbState, uncommittedWalFrames, type DbState } from './store-probe.js';

const KILLS = Number(process.env.KEYWARDEN_CRASH_KILLS ?? 16);
const SAMPLE = path.join(projectRoot, 'samples', 'acme');
const TRAIL = path.join('cloudtrail', 'AWSLogs');

let tmp: string;
/** IAM exports plus November's CloudTrail of the staging account: the scan already stored. */
let baseExport: string;
/** The same plus November's CloudTrail of the production account: what the killed runs import. */
let fullExport: string;
let baseDb: string;
let baseReport: string;
let before: DbState;
let after: DbState;

/** The CLI in this process, with the sample's config. */
const cli = (...args: string[]) => cliInProcess(['--config', CONFIG, ...args]);

function copyExport(to: string, accounts: string[]): string {
  cpSync(path.join(SAMPLE, 'accounts'), path.join(to, 'accounts'), { recursive: true });
  for (const account of accounts) {
    for (const region of readdirSync(path.join(SAMPLE, TRAIL, account, 'CloudTrail'))) {
      const month = path.join(TRAIL, account, 'CloudTrail', region, '2026', '11');
      if (existsSync(path.join(SAMPLE, month))) cpSync(path.join(SAMPLE, month), path.join(to, month), { recursive: true });
    }
  }
  return to;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-crash-'));
  baseExport = copyExport(path.join(tmp, 'base-export'), ['222222222222']);
  fullExport = copyExport(path.join(tmp, 'full-export'), ['222222222222', '111111111111']);
  baseDb = path.join(tmp, 'base.db');
  baseReport = path.join(tmp, 'base-report');
  expect((await cli('--db', baseDb, 'audit', '--from', baseExport, '--as-of', '2026-11-15', '--window', '60', '--out', baseReport, '--allow-partial')).code).toBe(0);
  before = dbState(baseDb);
  const reference = path.join(tmp, 'reference.db');
  copyFileSync(baseDb, reference);
  expect((await cli('--db', reference, 'import', fullExport)).code).toBe(0);
  after = dbState(reference);
  expect(before.scans).toEqual([{ id: 1, identities: 16 }]);
  expect(after.usage).toBeGreaterThan(before.usage);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Phase = 'starting' | 'reading or writing (before commit)' | 'committing (uncommitted WAL frames)' | 'committed, not yet reported' | 'after commit (report or exit)';

interface Kill {
  command: 'import' | 'audit';
  phase: Phase;
}

/**
 * One run killed after `delayMs` (counted from its "reading" line when `afterReading`); when it finished
 * first, how long it ran after that line instead.
 */
async function killRun(dir: string, command: 'import' | 'audit', delayMs: number, afterReading: boolean): Promise<Kill | { finishedAfterMs: number }> {
  const db = path.join(dir, 'k.db');
  const out = path.join(dir, 'reports');
  const args =
    command === 'import'
      ? ['--config', CONFIG, '--db', db, 'import', fullExport]
      : ['--config', CONFIG, '--db', db, 'audit', '--from', fullExport, '--as-of', '2026-11-15', '--window', '60', '--out', out, '--allow-partial'];
  const run = startCli(args);
  const finished = run.done.then(() => 'finished' as const);
  if (afterReading) await Promise.race([run.sawErr('reading '), finished]);
  const from = Date.now();
  await Promise.race([new Promise((r) => setTimeout(r, delayMs)), finished]);
  const ranOn = { finishedAfterMs: Date.now() - from };
  if (!run.child.kill('SIGKILL')) return ranOn;
  const end = await run.done;
  if (end.signal !== 'SIGKILL') return ranOn;

  const uncommitted = uncommittedWalFrames(existsSync(`${db}-wal`) ? readFileSync(`${db}-wal`) : undefined);
  const state = dbState(db);
  expect(state.integrity).toBe('ok');
  // The stored scan is untouched; the new one is there whole, with its usage, or not at all.
  const committed = state.scans.length === 2;
  expect(state.scans).toEqual(committed ? after.scans : before.scans);
  expect(state.usage).toBe(committed ? after.usage : before.usage);
  expect(state.ingestedFiles).toBe(committed ? after.ingestedFiles : before.ingestedFiles);
  // What `keywarden scans` shows a reader.
  const listed = await cli('--db', db, 'scans');
  expect(listed.out.trim().split('\n')).toHaveLength(state.scans.length);
  // latest.json is the previous report or a complete new one, never a torn file.
  if (command === 'audit') {
    for (const f of readdirSync(out).filter((f) => f.endsWith('.json'))) {
      reportSchema.parse(JSON.parse(readFileSync(path.join(out, f), 'utf8')));
    }
  }
  // The next run completes and counts nothing twice.
  const next = await cli('--db', db, 'import', fullExport);
  expect(next.code).toBe(EXIT.ok);
  const recovered = dbState(db);
  expect(recovered.usage).toBe(after.usage);
  expect(recovered.scans).toHaveLength(state.scans.length + 1);

  const printedScan = /scan \d+:/.test(run.err());
  const phase: Phase = !run.err().includes('reading ')
    ? 'starting'
    : printedScan
      ? 'after commit (report or exit)'
      : committed
        ? 'committed, not yet reported'
        : uncommitted > 0
          ? 'committing (uncommitted WAL frames)'
          : 'reading or writing (before commit)';
  return { command, phase };
}

describe('SIGKILL during import and audit', () => {
  it(`survives ${KILLS} kills at random points`, async () => {
    const kills: Kill[] = [];
    let finishedFirst = 0;
    // Time from the "reading" line to the end, per command (shrunk to what runs show): kills spread over it.
    const span = { import: 1200, audit: 3000 };
    let lane = 0;
    const runLane = async () => {
      const id = lane++;
      for (let i = 0; kills.length < KILLS && i < KILLS * 3; i++) {
        const dir = path.join(tmp, `lane${id}-${i}`);
        mkdirSync(dir);
        copyFileSync(baseDb, path.join(dir, 'k.db'));
        cpSync(baseReport, path.join(dir, 'reports'), { recursive: true });
        const command = (kills.length + id) % 2 === 0 ? 'import' : 'audit';
        // One kill in four lands anywhere from process start (opening, migrations); the rest during the work.
        const afterReading = Math.random() >= 0.25;
        const delay = Math.random() * (afterReading ? span[command] : 1500);
        const result = await killRun(dir, command, delay, afterReading);
        if ('phase' in result) kills.push(result);
        else {
          finishedFirst++;
          // Kills after the "reading" line spread over what a run takes from there.
          if (afterReading) span[command] = Math.max(100, Math.min(span[command], result.finishedAfterMs * 0.9));
        }
        rmSync(dir, { recursive: true, force: true });
      }
    };
    // Two lanes, each on its own database copy: twice the kills in the same time on two cores.
    await Promise.all([runLane(), runLane()]);

    expect(kills.length).toBeGreaterThanOrEqual(KILLS);
    const byPhase = new Map<string, number>();
    for (const k of kills) byPhase.set(`${k.command}: ${k.phase}`, (byPhase.get(`${k.command}: ${k.phase}`) ?? 0) + 1);
    console.log(
      `crash safety: ${kills.length} SIGKILLs survived (integrity ok, previous scan intact, no half scan visible, next run completed); ` +
        `${finishedFirst} run(s) finished before their kill\n` +
        [...byPhase.entries()].sort().map(([p, n]) => `  ${n}\t${p}`).join('\n'),
    );
    // The kills reached past start-up, into the work itself (on a loaded machine start-up is slow, so not all of them).
    expect(kills.filter((k) => k.phase !== 'starting').length).toBeGreaterThan(KILLS / 3);
  }, 240_000);
});
