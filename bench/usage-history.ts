/**
 * `npx tsx bench/usage-history.ts`: a year (365 days) of daily usage
 * aggregates for 50,000 identities in the SQLite store, then the read path
 * the audit uses for one identity's window (Store.usageFor with the
 * identity, and Store.usageDays for trends) over 90 and 365 days, for
 * several identities, cold-ish (first query on a fresh connection) and warm.
 *
 * Identities use what machine credentials use: a handful to a few dozen
 * actions (3-40, most near the low end), active on a fraction of the days
 * (2%-62%, most on few), on an active day about a third of their actions;
 * users sign with their access key, roles with temporary credentials.
 * Filling the table (one transaction, the store's own upsert) is set-up:
 * its rows, time and the file's size are printed, not judged; so is the
 * 90-day read of every identity at once, which a whole audit makes.
 * Target: one identity's window read under 1 s.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAwsActionCatalog } from '../src/catalog/aws-actions.js';
import { openDatabase } from '../src/store/open-database.js';
import { openStore } from '../src/store/index.js';
import { USAGE_UPSERT_SQL } from '../src/store/write-scan.js';
import { prng } from './prng.js';
import { runIfMain } from './run-main.js';
import { reportFigure } from './figures.js';

const IDENTITIES = Number(process.env.USAGE_IDENTITIES ?? 50_000);
const DAYS = 365;
const LAST_DAY = Date.parse('2026-11-15T00:00:00Z');
const TARGET_SECONDS = 1;
/** Identities whose windows are read (spread over the table), each cold then warm. */
const SAMPLES = 8;

const dayAt = (d: number) => new Date(LAST_DAY - (DAYS - 1 - d) * 86_400_000).toISOString().slice(0, 10);
const identityArn = (i: number) => `arn:aws:iam::${String(100_000_000_000 + (i % 100))}:${i % 3 === 0 ? 'user' : 'role'}/machine-${i}`;

interface Filled {
  rows: number;
  seconds: number;
}

/** The year of usage, identity by identity, through the store's upsert in one transaction. */
async function fill(file: string): Promise<Filled> {
  const catalog = await loadAwsActionCatalog();
  const rand = prng(365_050);
  const common = ['s3:GetObject', 's3:PutObject', 'sts:GetCallerIdentity', 'logs:PutLogEvents', 'ec2:DescribeInstances', 'dynamodb:Query', 'sqs:ReceiveMessage', 'kms:Decrypt'];
  const db = openDatabase(file);
  const upsert = db.prepare(USAGE_UPSERT_SQL);
  const started = performance.now();
  let rows = 0;
  db.transaction(() => {
    for (let i = 0; i < IDENTITIES; i++) {
      const arn = identityArn(i);
      const credential = i % 3 === 0 ? `AKIA${String(i).padStart(16, '0')}` : '';
      const actionCount = 3 + Math.floor(rand() ** 2 * 38);
      const actions = Array.from({ length: actionCount }, (_, k) => (k < 3 ? common[(i + k) % common.length]! : catalog.keyAt(Math.floor(rand() * catalog.size))));
      const activeShare = 0.02 + rand() ** 2 * 0.6;
      for (let d = 0; d < DAYS; d++) {
        if (rand() >= activeShare) continue;
        const day = dayAt(d);
        for (const action of actions) {
          if (rand() >= 0.35) continue;
          const count = 1 + Math.floor(rand() ** 3 * 500);
          upsert.run(arn, credential, action, day, count, rand() < 0.02 ? 1 : 0, `${day}T${String(Math.floor(rand() * 24)).padStart(2, '0')}:17:00Z`);
          rows++;
        }
      }
    }
  })();
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return { rows, seconds };
}

interface Read {
  label: string;
  cold: number[];
  warm: number[];
  rows: number;
}

function seconds(run: () => unknown): number {
  const started = performance.now();
  run();
  return (performance.now() - started) / 1000;
}

/** Each sample identity's window through the store, on a fresh connection (cold-ish) and again (warm). */
function reads(file: string, days: number, kind: 'usageFor' | 'usageDays'): Read {
  const to = dayAt(DAYS - 1);
  const window = { from: dayAt(DAYS - days), to };
  const out: Read = { label: `${kind} one identity, ${days} days`, cold: [], warm: [], rows: 0 };
  for (let s = 0; s < SAMPLES; s++) {
    const arn = identityArn(Math.floor(((s + 0.5) * IDENTITIES) / SAMPLES));
    const store = openStore(file);
    try {
      const read = () => (out.rows += store[kind](window, [arn]).length);
      out.cold.push(seconds(read));
      out.warm.push(seconds(read));
    } finally {
      store.close();
    }
  }
  out.rows /= 2 * SAMPLES;
  return out;
}

const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;

export async function main(): Promise<{ ok: boolean }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keywarden-bench-usage-'));
  try {
    const file = path.join(dir, 'usage.db');
    const filled = await fill(file);
    const size = statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    console.log(
      `  filled ${filled.rows.toLocaleString('en-US')} daily rows (${IDENTITIES.toLocaleString('en-US')} identities x ${DAYS} days) in ${filled.seconds.toFixed(1)} s ` +
        `(${Math.round(filled.rows / filled.seconds).toLocaleString('en-US')} rows/s); database ${(size / 2 ** 20).toFixed(0)} MB`,
    );
    const results = [reads(file, 90, 'usageFor'), reads(file, 365, 'usageFor'), reads(file, 90, 'usageDays'), reads(file, 365, 'usageDays')];
    console.log('  read (store API)                       | rows/identity | cold max | cold median | warm max | warm median');
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    for (const r of results) {
      console.log(
        `  ${r.label.padEnd(38)} | ${r.rows.toFixed(0).padStart(13)} | ${ms(Math.max(...r.cold)).padStart(8)} | ${ms(median(r.cold)).padStart(11)} | ` +
          `${ms(Math.max(...r.warm)).padStart(8)} | ${ms(median(r.warm)).padStart(11)}`,
      );
    }
    // What an audit of every identity reads (scan-facts: the whole window, all identities): printed, not judged.
    const store = openStore(file);
    let aggregates = 0;
    const everyone = seconds(() => (aggregates = store.usageFor({ from: dayAt(DAYS - 90), to: dayAt(DAYS - 1) }).length));
    store.close();
    console.log(`  usageFor every identity, 90 days (what an audit of all of them reads): ${everyone.toFixed(1)} s, ${aggregates.toLocaleString('en-US')} (identity, credential, action) rows`);
    const worst = Math.max(...results.flatMap((r) => [...r.cold, ...r.warm]));
    const ok = worst < TARGET_SECONDS;
    console.log(
      `usage history ${IDENTITIES.toLocaleString('en-US')} identities x ${DAYS} days (${filled.rows.toLocaleString('en-US')} rows, ${(size / 2 ** 20).toFixed(0)} MB): ` +
        `one identity's 90/365-day window read in at most ${ms(worst)} (target < ${TARGET_SECONDS} s)${ok ? '' : ' — OVER TARGET'}`,
    );
    reportFigure({
      measure: `usage history, ${IDENTITIES.toLocaleString('en-US')} identities x ${DAYS} days, one identity's window`,
      result: `${ms(worst)} at most (${filled.rows.toLocaleString('en-US')} rows)`,
      target: `< ${TARGET_SECONDS} s`,
      ok,
    });
    return { ok };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, main);
