/**
 * Rows of the BigQuery aggregation (bigquery-sql.ts) -> usage rows as the
 * local audit-log reader (collect/files/gcp/audit-logs.ts) makes them, kept
 * per log scope and day (the unit one source owns) until the store.
 */
import type { TextRow } from './cloudtrail-rows.js';
import type { PartitionUsageDay, PartitionEvents } from './cloudtrail-rows.js';

export interface AuditLogRowsResult {
  /** Scopes and days with any counted permission check, by `scope/day`; `accountId` holds the scope, `region` ''. */
  partitions: Map<string, PartitionEvents>;
  usage: PartitionUsageDay[];
  /** Permission checks counted (granted and denied). */
  checks: number;
  rows: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const count = (v: string | null | undefined, what: string): number => {
  const n = Number(v ?? 0);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} holds ${JSON.stringify(v)}`);
  return n;
};

export class AuditLogRowFolder {
  private readonly partitions = new Map<string, PartitionEvents>();
  private readonly usage = new Map<string, PartitionUsageDay>();
  private checks = 0;
  private rows = 0;

  add(row: TextRow): void {
    this.rows++;
    const day = row.day ?? '';
    const identity = row.identity ?? '';
    const permission = row.permission ?? '';
    if (!DAY.test(day) || identity === '' || permission === '') throw new Error(`an aggregation row lacks its day, identity or permission: ${JSON.stringify(row)}`);
    const granted = count(row.granted, 'granted');
    const denied = count(row.denied, 'denied');
    const micros = count(row.last_seen_us, 'last_seen_us');
    // Milliseconds, as the local reader keeps them (new Date(timestamp).toISOString()).
    const lastSeen = new Date(Math.floor(micros / 1000)).toISOString();
    const scope = row.scope ?? '';
    const partition = `${scope}/${day}`;
    const p = this.partitions.get(partition);
    if (p) p.events += granted + denied;
    else this.partitions.set(partition, { accountId: scope, region: '', day, events: granted + denied });
    this.checks += granted + denied;
    const credentialId = row.credential ?? '';
    const key = `${partition}\u0000${identity}\u0000${credentialId}\u0000${permission}`;
    const cell = this.usage.get(key);
    if (cell) {
      cell.count += granted;
      cell.denied += denied;
      if (lastSeen > cell.lastSeen) cell.lastSeen = lastSeen;
    } else {
      this.usage.set(key, { partition, identityArn: identity, credentialId, action: permission, day, count: granted, denied, lastSeen });
    }
  }

  result(): AuditLogRowsResult {
    return { partitions: this.partitions, usage: [...this.usage.values()], checks: this.checks, rows: this.rows };
  }
}
