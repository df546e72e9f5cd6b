/**
 * Trend points from stored scan summaries (migration 9): each report stores
 * its figures; a later report reads them instead of auditing the scan again,
 * and falls back to (and stores) a re-audit only when none fits.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildAuditReport } from '../../src/analyse/audit.js';
import { scanTrends, trendPoint, type TrendOptions } from '../../src/analyse/trends.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { loadAwsActionCatalog, type AwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { VERSION } from '../../src/cli/version.js';
import { loadConfig } from '../../src/config/index.js';
import { reportSchema, type AuditReport } from '../../src/report/json-schema.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { cli, SAMPLE_CONFIG, sampleAuditArgs } from '../report/report-fixtures.js';

let tmp: string;
let db: string;
let store: Store;
let catalog: AwsActionCatalog;
let second: AuditReport;
let options: TrendOptions;
let audits: number;

/** The first scan's figures as a re-audit gives them (what trends showed before summaries were stored). */
let reaudited: ReturnType<typeof trendPoint>;

const counting: typeof buildAuditReport = (...args) => {
  audits++;
  return buildAuditReport(...args);
};
const summaryRows = () => {
  const raw = new Database(db, { readonly: true });
  try {
    return raw.prepare('SELECT scan_id, window_days, window_to, granted_actions FROM scan_summaries ORDER BY scan_id').all();
  } finally {
    raw.close();
  }
};
const setGranted = (scanId: number, n: number) => {
  const raw = new Database(db);
  try {
    raw.prepare('UPDATE scan_summaries SET granted_actions = ? WHERE scan_id = ?').run(n, scanId);
  } finally {
    raw.close();
  }
};

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-trends-'));
  db = path.join(tmp, 'k.db');
  for (let scan = 0; scan < 2; scan++) {
    const run = await cli(...sampleAuditArgs(db, tmp, '--format', 'json'));
    if (run.code !== 0) throw new Error(run.err);
  }
  second = reportSchema.parse(JSON.parse(readFileSync(path.join(tmp, 'latest.json'), 'utf8')));
  store = openStore(db);
  catalog = await loadAwsActionCatalog();
  options = { config: loadConfig(SAMPLE_CONFIG), rules: ALL_RULES, toolVersion: VERSION, audit: counting };
  const first = store.getScan(1)!;
  const asOf = new Date(Math.min(Date.parse(first.collectedAt), Date.parse(`${second.window.to}T23:59:59Z`)));
  reaudited = trendPoint(buildAuditReport(store, catalog, { scanId: 1, window: windowEndingAt(asOf, 60), config: options.config, rules: ALL_RULES, toolVersion: VERSION }));
}, 120_000);

afterAll(() => {
  store?.close();
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  audits = 0;
});

describe('trends from stored scan summaries', () => {
  it('each report stores its scan summary, keyed by scan and window length', () => {
    expect(summaryRows()).toEqual([
      { scan_id: 1, window_days: 60, window_to: '2026-11-15', granted_actions: second.summary.grantedActions },
      { scan_id: 2, window_days: 60, window_to: '2026-11-15', granted_actions: second.summary.grantedActions },
    ]);
  });

  it('the second report reads the first scan from its summary, with the figures a re-audit gives', () => {
    const points = scanTrends(store, catalog, second, options);
    expect(audits).toBe(0);
    expect(points).toEqual([reaudited, trendPoint(second)]);
    // It really is the stored row that is read: change it and the trend follows.
    setGranted(1, 12_345);
    expect(scanTrends(store, catalog, second, options)[0]!.grantedActions).toBe(12_345);
    expect(audits).toBe(0);
  });

  it('re-audits a scan whose summary is missing, stores it, and reads it the next time', () => {
    const raw = new Database(db);
    raw.prepare('DELETE FROM scan_summaries WHERE scan_id = 1').run();
    raw.close();
    expect(scanTrends(store, catalog, second, options)).toEqual([reaudited, trendPoint(second)]);
    expect(audits).toBe(1);
    expect(summaryRows()[0]).toEqual({ scan_id: 1, window_days: 60, window_to: reaudited.windowTo, granted_actions: reaudited.grantedActions });
    scanTrends(store, catalog, second, options);
    expect(audits).toBe(1);
  });

  it('does not reuse a summary made under other rules, another window length or window end', () => {
    setGranted(1, 12_345);
    const fewerRules = { ...options, rules: ALL_RULES.filter((r) => r.id !== 'aws.production-reach') };
    expect(scanTrends(store, catalog, second, fewerRules)[0]!.grantedActions).toBe(reaudited.grantedActions);
    expect(audits).toBe(1);
    // A 30-day report has no 30-day summary of scan 1 yet.
    const shorter = { ...second, window: { ...second.window, days: 30 } };
    scanTrends(store, catalog, shorter, options);
    expect(audits).toBe(2);
    // A report whose window ends earlier than the stored one's does not take it either.
    const earlier = { ...second, window: { ...second.window, to: '2026-11-01' } };
    scanTrends(store, catalog, earlier, options);
    expect(audits).toBe(3);
  });
});
