/**
 * Retention: keeps N months of scans and usage, deleting older rows in small
 * batches, each its own short transaction, yielding between batches. A
 * concurrent audit writing a scan waits at most one batch (the busy timeout
 * covers it), never the whole prune. The newest complete scan of each
 * provider is never pruned, however old: an audit always has something.
 */
import type Database from 'better-sqlite3';

export interface PruneOptions {
  months: number;
  now: Date;
  /** Rows (or scans) per transaction. */
  batchSize?: number;
  /** Between batches; defaults to a macrotask so other work can run. */
  pause?: () => Promise<void>;
  shouldStop?: () => boolean;
}

export interface PruneResult {
  cutoff: string;
  scans: number;
  usageRows: number;
  cloudTrailDays: number;
  /** Days loaded by warehouse queries (their partitions and ledgers go with them). */
  queryLoadDays: number;
  policies: number;
  runs: number;
}

/** The first day kept: `months` calendar months before `now` (UTC). */
export function retentionCutoff(now: Date, months: number): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, now.getUTCDate()));
  return d.toISOString().slice(0, 10);
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function pruneOlderThan(db: Database.Database, options: PruneOptions): Promise<PruneResult> {
  const cutoff = retentionCutoff(options.now, options.months);
  const batch = options.batchSize ?? 500;
  const pause = options.pause ?? nextTick;

  /** Runs `step` (one batch, returns rows deleted) in its own transaction until it deletes nothing. */
  const inBatches = async (step: () => number): Promise<number> => {
    let total = 0;
    for (;;) {
      if (options.shouldStop?.()) return total;
      const n = db.transaction(step).immediate();
      total += n;
      if (n === 0) return total;
      await pause();
    }
  };

  // One scan per transaction: its identities, attachments, etc. go with it (ON DELETE CASCADE).
  const oldScan = db.prepare<[string], number>(
    `SELECT id FROM scans s WHERE s.collected_at < ?
       AND s.id NOT IN (SELECT max(id) FROM scans l WHERE l.status = 'complete' AND l.provider = s.provider
                        AND l.collected_at = (SELECT max(collected_at) FROM scans m WHERE m.status = 'complete' AND m.provider = s.provider))
     ORDER BY s.collected_at LIMIT 1`,
  ).pluck();
  const deleteScan = db.prepare('DELETE FROM scans WHERE id = ?');
  const scans = await inBatches(() => {
    const id = oldScan.get(cutoff);
    return id === undefined ? 0 : deleteScan.run(id).changes;
  });

  const usageRows = await inBatches(
    () =>
      db
        .prepare(
          `DELETE FROM usage_days WHERE (identity_arn, credential_id, action, day) IN
             (SELECT identity_arn, credential_id, action, day FROM usage_days WHERE day < ? LIMIT ?)`,
        )
        .run(cutoff, batch).changes,
  );
  const cloudTrailDays = await inBatches(
    () =>
      db
        .prepare(`DELETE FROM cloudtrail_days WHERE (account_id, region, day) IN (SELECT account_id, region, day FROM cloudtrail_days WHERE day < ? LIMIT ?)`)
        .run(cutoff, batch).changes,
  );
  // A pruned day is past every window: its load record goes too (ON DELETE CASCADE takes partitions and ledgers).
  const queryLoadDays = await inBatches(
    () =>
      db
        .prepare(`DELETE FROM query_load_days WHERE (engine, day) IN (SELECT engine, day FROM query_load_days WHERE day < ? LIMIT ?)`)
        .run(cutoff, batch).changes,
  );
  // Documents no remaining scan delivered.
  const policies = await inBatches(
    () =>
      db
        .prepare(`DELETE FROM policies WHERE hash IN (SELECT p.hash FROM policies p WHERE NOT EXISTS (SELECT 1 FROM scan_policies sp WHERE sp.hash = p.hash) LIMIT ?)`)
        .run(batch).changes,
  );
  const runs = await inBatches(
    () => db.prepare(`DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE outcome <> 'running' AND started_at < ? LIMIT ?)`).run(cutoff, batch).changes,
  );
  return { cutoff, scans, usageRows, cloudTrailDays, queryLoadDays, policies, runs };
}
