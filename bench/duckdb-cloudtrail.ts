/**
 * The Athena mode's aggregation run on DuckDB over CloudTrail files: a
 * yardstick for the local ingest (`npx tsx bench/duckdb-cloudtrail.ts [dir]`,
 * default: the ingest benchmark's dataset). The SQL is the very text Athena
 * runs (src/scale/athena-sql.ts, with its documented DuckDB stand-ins), the
 * rows are folded by the same code, so the counts must equal the local
 * ingest's, and the time is what a columnar engine takes on this machine.
 *
 * duckdbCloudTrailCounts() times the query and the fold (not the action
 * catalog's loading), on DuckDB's default threads (one per core).
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadCloudTrailActionMapper } from '../src/catalog/cloudtrail-actions.js';
import { cloudTrailAggregationSql, duckDbCloudTrailPrelude } from '../src/scale/athena-sql.js';
import { CloudTrailRowFolder, mergeUsage } from '../src/scale/cloudtrail-rows.js';
import { runIfMain } from './run-main.js';

export interface DuckDbCloudTrailCounts {
  /** Result rows of the aggregation. */
  rows: number;
  /** CloudTrail records read. */
  events: number;
  seconds: number;
  /** `identity|credential|action|day` -> calls and denied calls: the keys and values of the local ingest's usage rows. */
  counts: Map<string, { count: number; denied: number }>;
}

/** Every `**\/*.json.gz` below `dir` (the AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/ layout), aggregated on DuckDB. */
export async function duckdbCloudTrailCounts(dir: string): Promise<DuckDbCloudTrailCounts> {
  const mapper = await loadCloudTrailActionMapper();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const table = { database: 'bench', table: 'cloudtrail' };
    for (const statement of duckDbCloudTrailPrelude(table, [path.join(path.resolve(dir), '**', '*.json.gz')])) await connection.run(statement);
    const sql = cloudTrailAggregationSql({ table, days: [{ from: '2013-01-01', to: '2059-12-31' }] });
    const started = performance.now();
    const result = await connection.runAndReadAll(sql);
    const folder = new CloudTrailRowFolder(mapper);
    for (const row of result.getRowObjectsJson()) {
      folder.add(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)])));
    }
    const folded = folder.result();
    const seconds = (performance.now() - started) / 1000;
    const counts = new Map<string, { count: number; denied: number }>();
    for (const u of mergeUsage(folded.usage)) counts.set(`${u.identityArn}|${u.credentialId}|${u.action}|${u.day}`, { count: u.count, denied: u.denied });
    return { rows: folded.rows, events: folded.stats.events, seconds, counts };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

runIfMain(import.meta.url, async () => {
  const { datasetDir } = await import('./cloudtrail-ingest.js');
  const dir = process.argv[2] ?? datasetDir;
  const r = await duckdbCloudTrailCounts(dir);
  console.log(
    `DuckDB (Athena aggregation SQL): ${r.events.toLocaleString('en')} events in ${r.seconds.toFixed(2)} s = ` +
      `${Math.round(r.events / r.seconds).toLocaleString('en')} events/s; ${r.rows.toLocaleString('en')} result rows, ${r.counts.size.toLocaleString('en')} usage rows`,
  );
  return { ok: r.events > 0 };
});
