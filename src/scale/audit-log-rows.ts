/**
 * Rows of the BigQuery aggregation (bigquery-sql.ts) -> usage rows as the
 * local audit-log reader (collect/files/gcp/audit-logs.ts) makes them, kept
 * per log scope and day (the unit one source owns) until the store.
 */
import { countColumn, type PartitionEvents, type PartitionUsageDay, type PartitionUserAgent, type TextRow } from './cloudtrail-rows.js';

export interface AuditLogRowsResult {
  /** Scopes and days with a counted check or user agent, by `scope/day`; `accountId` holds the scope, `region` ''; `events` counts checks. */
  partitions: Map<string, PartitionEvents>;
  usage: PartitionUsageDay[];
  /** Entries per service account and caller-supplied user agent. */
  userAgents: PartitionUserAgent[];
  /** Permission checks counted (granted and denied). */
  checks: number;
  rows: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;


export class AuditLogRowFolder {
  private readonly partitions = new Map<string, PartitionEvents>();
  private readonly usage = new Map<string, PartitionUsageDay>();
  private readonly agents = new Map<string, PartitionUserAgent>();
  private checks = 0;
  private rows = 0;

  add(row: TextRow): void {
    this.rows++;
    const day = row.day ?? '';
    const identity = row.identity ?? '';
    if (!DAY.test(day) || identity === '') throw new Error(`an aggregation row lacks its day or identity: ${JSON.stringify(row)}`);
    // Milliseconds, as the local reader keeps them (new Date(timestamp).toISOString()).
    const lastSeen = new Date(Math.floor(countColumn(row, 'last_seen_us') / 1000)).toISOString();
    const scope = row.scope ?? '';
    const partition = `${scope}/${day}`;
    if (row.credential === null || row.credential === undefined) {
      // Entries per user agent (the second grouping set); entries that sent none are not counted there.
      if (row.user_agent === null || row.user_agent === undefined || row.user_agent === '') return;
      const key = `${partition}\u0000${identity}\u0000${row.user_agent}`;
      const entries = countColumn(row, 'entries');
      const known = this.agents.get(key);
      if (known) {
        known.count += entries;
        if (lastSeen > known.lastSeen) known.lastSeen = lastSeen;
      } else this.agents.set(key, { partition, identityArn: identity, userAgent: row.user_agent, count: entries, lastSeen });
      return;
    }
    const permission = row.permission ?? '';
    if (permission === '') return; // entries without (named) checks: their user agents are in the other set
    const granted = countColumn(row, 'granted');
    const denied = countColumn(row, 'denied');
    const p = this.partitions.get(partition);
    if (p) p.events += granted + denied;
    else this.partitions.set(partition, { accountId: scope, region: '', day, events: granted + denied });
    this.checks += granted + denied;
    const credentialId = row.credential;
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
    // User agents of partitions with no counted check still belong to a partition the load stores.
    for (const a of this.agents.values()) {
      if (!this.partitions.has(a.partition)) {
        const [scope, day] = [a.partition.slice(0, a.partition.lastIndexOf('/')), a.partition.slice(a.partition.lastIndexOf('/') + 1)];
        this.partitions.set(a.partition, { accountId: scope, region: '', day, events: 0 });
      }
    }
    return { partitions: this.partitions, usage: [...this.usage.values()], userAgents: [...this.agents.values()], checks: this.checks, rows: this.rows };
  }
}
