/**
 * A lock row in SQLite so that two schedulers (two hosts, a restarted unit,
 * a manual run) never audit at once. It survives a crash by expiring: the
 * holder renews it (heartbeat) while it works; a row past `expires_at`
 * belongs to a process that died and may be taken over.
 */
import os from 'node:os';
import type Database from 'better-sqlite3';

export interface LockHolder {
  owner: string;
  host: string;
  pid: number;
  acquiredAt: string;
  heartbeatAt: string;
  expiresAt: string;
  runId: number | null;
}

export interface RunLockOptions {
  name?: string;
  ttlMs: number;
  now?: () => Date;
  /** Unique per process and instance; defaults to host:pid:random. */
  owner?: string;
  host?: string;
  pid?: number;
}

export class RunLock {
  readonly name: string;
  readonly owner: string;
  private readonly host: string;
  private readonly pid: number;
  private readonly now: () => Date;

  constructor(
    private readonly db: Database.Database,
    private readonly options: RunLockOptions,
  ) {
    this.name = options.name ?? 'schedule';
    this.host = options.host ?? os.hostname();
    this.pid = options.pid ?? process.pid;
    this.owner = options.owner ?? `${this.host}:${this.pid}:${Math.random().toString(36).slice(2, 10)}`;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Takes the lock when it is free or expired. Returns the
   * expired holder it took over (its run crashed), or `null` when the lock was
   * free; throws LockHeldError when a live holder has it.
   */
  acquire(): LockHolder | null {
    return this.db
      .transaction((): LockHolder | null => {
        const now = this.now();
        const current = this.holder();
        // Not re-entrant: an audit and an ingest of the same process must not run together either.
        if (current && current.expiresAt > now.toISOString()) throw new LockHeldError(current);
        const expired = current && current.owner !== this.owner ? current : null;
        this.db
          .prepare(
            `INSERT INTO run_lock (name, owner, host, pid, acquired_at, heartbeat_at, expires_at, run_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid,
               acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at, run_id = NULL`,
          )
          .run(this.name, this.owner, this.host, this.pid, now.toISOString(), now.toISOString(), this.expiry(now));
        return expired;
      })
      .immediate();
  }

  /** Renews the lease; false when the lock is no longer ours (taken over after we stalled past the TTL). */
  heartbeat(runId?: number): boolean {
    const now = this.now();
    const changed = this.db
      .prepare('UPDATE run_lock SET heartbeat_at = ?, expires_at = ?, run_id = coalesce(?, run_id) WHERE name = ? AND owner = ?')
      .run(now.toISOString(), this.expiry(now), runId ?? null, this.name, this.owner).changes;
    return changed === 1;
  }

  release(): void {
    this.db.prepare('DELETE FROM run_lock WHERE name = ? AND owner = ?').run(this.name, this.owner);
  }

  holder(): LockHolder | undefined {
    return this.db
      .prepare<[string], LockHolder>(
        `SELECT owner, host, pid, acquired_at AS acquiredAt, heartbeat_at AS heartbeatAt, expires_at AS expiresAt, run_id AS runId
         FROM run_lock WHERE name = ?`,
      )
      .get(this.name);
  }

  private expiry(now: Date): string {
    return new Date(now.getTime() + this.options.ttlMs).toISOString();
  }
}

export class LockHeldError extends Error {
  constructor(readonly holder: LockHolder) {
    super(`another keywarden run holds the lock (${holder.host} pid ${holder.pid}, since ${holder.acquiredAt}, expires ${holder.expiresAt})`);
    this.name = 'LockHeldError';
  }
}
