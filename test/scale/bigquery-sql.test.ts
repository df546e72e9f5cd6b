/**
 * The BigQuery aggregation, run on DuckDB over audit-log entries in the
 * sink's BigQuery schema, gives the local audit-log reader's usage rows
 * exactly (collect/files/gcp/audit-logs.ts, over the same entries).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateAuditLogs } from '../../src/collect/files/gcp/audit-logs.js';
import type { GcpAuditLogEntryWire } from '../../src/model/gcp-wire.js';
import { AuditLogRowFolder, type AuditLogRowsResult } from '../../src/scale/audit-log-rows.js';
import { auditLogAggregationSql, duckDbAuditLogPrelude, duckDbAuditLogSql, type AuditLogAggregationOptions } from '../../src/scale/bigquery-sql.js';
import { mergeUsage, mergeUserAgents } from '../../src/scale/cloudtrail-rows.js';
import { SqlValueError } from '../../src/scale/sql-text.js';
import { ACME_AS_OF, acmeGcp } from '../helpers/acme-gcp.js';
import { variedAuditEntries, writeSinkRows } from '../helpers/audit-log-sink.js';
import { openDuckDb, type DuckDb } from '../helpers/duckdb.js';
import { auditLogEntries } from '../helpers/gcp-org.js';

const DATASET = { project: 'acme-logging', dataset: 'audit_logs', layout: 'sharded' as const };
const WINDOW = [{ from: '2026-08-01', to: '2026-11-30' }];

let tmp: string;
let db: DuckDb;
let entries: GcpAuditLogEntryWire[];
let file: string;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-bigquery-sql-'));
  db = await openDuckDb();
  entries = [
    ...acmeGcp.projects.flatMap((p) => auditLogEntries(p, ACME_AS_OF)),
    ...variedAuditEntries('acme-payments-prod', '2026-11-10'),
    ...variedAuditEntries('acme-data-staging', '2026-11-12'),
  ];
  file = writeSinkRows(path.join(tmp, 'sink.json'), entries);
});
afterAll(() => {
  db.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function viaDuckDb(options: Partial<AuditLogAggregationOptions> = {}, layout: 'sharded' | 'partitioned' = 'sharded'): Promise<AuditLogRowsResult> {
  for (const statement of duckDbAuditLogPrelude([file], layout)) await db.run(statement);
  const folder = new AuditLogRowFolder();
  const sql = duckDbAuditLogSql(auditLogAggregationSql({ dataset: { ...DATASET, layout }, days: WINDOW, ...options }));
  for (const row of await db.rows(sql)) folder.add(row);
  return folder.result();
}

describe('the BigQuery aggregation on DuckDB', () => {
  it('equals the local audit-log reader on the same entries, with either table layout', async () => {
    const local = aggregateAuditLogs(entries);
    expect(local.usage.length).toBeGreaterThan(10);
    expect(local.userAgents.length).toBeGreaterThan(3);
    for (const layout of ['sharded', 'partitioned'] as const) {
      const query = await viaDuckDb({}, layout);
      expect(mergeUsage(query.usage)).toEqual(mergeUsage(local.usage));
      expect(mergeUserAgents(query.userAgents)).toEqual(mergeUserAgents(local.userAgents));
    }
  });

  it('keeps rows per log scope and day, and reads only the days asked for', async () => {
    const query = await viaDuckDb({ days: [{ from: '2026-11-10', to: '2026-11-10' }] });
    expect([...query.partitions.keys()].sort()).toEqual(['folders/500000000001/2026-11-10', 'projects/acme-payments-prod/2026-11-10']);
    const local = aggregateAuditLogs(entries.filter((e) => e.timestamp!.startsWith('2026-11-10')));
    expect(mergeUsage(query.usage)).toEqual(mergeUsage(local.usage));
  });

  it('leaves out the days a local read already counted, per project', async () => {
    const query = await viaDuckDb({ exclude: [{ scope: 'projects/acme-payments-prod', days: [{ from: '2026-08-01', to: '2026-11-10' }] }] });
    const kept = entries.filter((e) => !(e.logName!.startsWith('projects/acme-payments-prod/') && e.timestamp! < '2026-11-11'));
    expect(mergeUsage(query.usage)).toEqual(mergeUsage(aggregateAuditLogs(kept).usage));
    expect([...query.partitions.keys()].some((k) => k.startsWith('projects/acme-payments-prod/2026-11-10'))).toBe(false);
  });

  it('reads the sink through the wildcard table, naming only the window days (sharded) or pruning by timestamp (partitioned)', () => {
    const sharded = auditLogAggregationSql({ dataset: DATASET, days: [{ from: '2026-11-01', to: '2026-11-03' }, { from: '2026-11-05', to: '2026-11-05' }] });
    expect(sharded).toContain('FROM `acme-logging.audit_logs.cloudaudit_googleapis_com_*`');
    expect(sharded).toContain("_TABLE_SUFFIX BETWEEN 'activity_20261101' AND 'activity_20261103'");
    expect(sharded).toContain("_TABLE_SUFFIX BETWEEN 'data_access_20261105' AND 'data_access_20261105'");
    expect(sharded).toContain("timestamp < CAST('2026-11-04' AS TIMESTAMP)");
    expect(sharded).toContain('LEFT JOIN UNNEST(checks) AS auth\n');
    const partitioned = auditLogAggregationSql({ dataset: { ...DATASET, layout: 'partitioned' }, days: WINDOW });
    expect(partitioned).toContain("_TABLE_SUFFIX IN ('activity', 'data_access', 'system_event', 'policy')");
  });

  it('refuses names and values that could change the statement', () => {
    expect(() => auditLogAggregationSql({ dataset: { ...DATASET, dataset: 'a`b' }, days: WINDOW })).toThrow(SqlValueError);
    expect(() => auditLogAggregationSql({ dataset: { ...DATASET, project: 'x' }, days: WINDOW })).toThrow(/BigQuery project/);
    expect(() => auditLogAggregationSql({ dataset: DATASET, days: WINDOW, exclude: [{ scope: "projects/p' OR TRUE --", days: WINDOW }] })).toThrow(/log scope/);
  });
});
