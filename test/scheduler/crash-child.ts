/**
 * Run by run-job.test.ts in a child process: takes the run lock, records a
 * run, opens a write transaction half way through storing a scan, then is
 * killed with SIGKILL (no cleanup of any kind), as a crash or OOM kill would.
 */
import { openDatabase } from '../../src/store/open-database.js';
import { RunLock } from '../../scheduler/run-lock.js';
import { RunLog } from '../../scheduler/run-log.js';

const [dbPath, ttlMs] = process.argv.slice(2) as [string, string];
const db = openDatabase(dbPath);
const lock = new RunLock(db, { ttlMs: Number(ttlMs), owner: 'crashed-child' });
lock.acquire();
const runId = new RunLog(db).start('audit', 1);
lock.heartbeat(runId);
db.exec('BEGIN IMMEDIATE');
db.prepare(
  `INSERT INTO scans (provider, source, collected_at, started_at, finished_at, status) VALUES ('aws', 'files:crash', ?, ?, ?, 'complete')`,
).run('2026-11-15T00:00:00Z', '2026-11-15T00:00:00Z', '2026-11-15T00:00:01Z');
process.stdout.write('in-transaction\n');
process.kill(process.pid, 'SIGKILL');
