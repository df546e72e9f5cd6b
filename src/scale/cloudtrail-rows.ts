/**
 * Rows of the Athena aggregation (athena-sql.ts) -> the usage rows, unmapped
 * events, days seen and statistics the local ingest produces for the same
 * events. Here, and only here, each (eventSource, eventName) is mapped to
 * its IAM action with the catalog mapper the local ingest uses, and rows
 * mapping to the same action are added up.
 *
 * Everything stays per partition (account, region, S3 key day) until the
 * store: a partition is the unit one source owns (store/query-loads.ts).
 */
import type { CloudTrailActionMapper } from '../catalog/cloudtrail-actions.js';
import { MAX_USER_AGENTS_PER_IDENTITY, emptyCloudTrailStats, normaliseEventTime, type CloudTrailDaySeen, type CloudTrailStats } from '../collect/files/cloudtrail/index.js';
import { redactSecrets } from '../util/secrets.js';
import type { UnmappedEvent, UsageDay } from '../model/domain.js';
import type { CloudTrailPartition } from './athena-sql.js';

/** One result row as engines return it: column name -> text, or null. */
export type TextRow = Readonly<Record<string, string | null | undefined>>;

/** Usage of one partition's events. `day` is the event's UTC day, which is almost always the partition's. */
export interface PartitionUsageDay extends UsageDay {
  partition: string;
}

export interface PartitionUnmappedEvent extends UnmappedEvent {
  partition: string;
}

/** Calls of one identity with one user agent (secrets redacted) within one partition. */
export interface PartitionUserAgent {
  partition: string;
  identityArn: string;
  userAgent: string;
  count: number;
  lastSeen: string;
}

export interface PartitionEvents extends CloudTrailPartition {
  events: number;
}

export interface CloudTrailRowsResult {
  /** Partitions with any event, by partitionKey(). */
  partitions: Map<string, PartitionEvents>;
  usage: PartitionUsageDay[];
  unmapped: PartitionUnmappedEvent[];
  /** At most MAX_USER_AGENTS_PER_IDENTITY distinct agents per identity (its most frequent), as the local ingest keeps. */
  userAgents: PartitionUserAgent[];
  daysSeen: CloudTrailDaySeen[];
  stats: CloudTrailStats;
  rows: number;
}

export const partitionKey = (p: CloudTrailPartition): string => `${p.accountId}/${p.region}/${p.day}`;

/** CloudTrail's eventTime started in 2013; the local aggregate reads days 1970..2059 (15-bit day numbers). */
const LAST_DAY_NUMBER = (1 << 15) - 1;

/** The UTC day of a `day` column: a `YYYY-MM-DD` of a CloudTrail-form time, or `raw:<eventTime>` read like the local ingest does. */
function eventDay(key: string | null | undefined): string | undefined {
  if (key === null || key === undefined) return undefined;
  const time = key.startsWith('raw:') ? normaliseEventTime(key.slice(4)) : normaliseEventTime(`${key}T00:00:00Z`);
  if (time === undefined) return undefined;
  const n = Date.parse(`${time.slice(0, 10)}T00:00:00Z`) / 86_400_000;
  return n >= 0 && n <= LAST_DAY_NUMBER ? time.slice(0, 10) : undefined;
}

/** A count column's text as a number; anything but a non-negative integer is an engine answering something else. */
export function countColumn(row: TextRow, column: string): number {
  const v = row[column];
  const n = Number(v ?? 0);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`column ${column} of an aggregation row holds ${JSON.stringify(v)}`);
  return n;
}

/** Folds rows as they arrive (page by page); result() gives the totals. */
export class CloudTrailRowFolder {
  private readonly partitions = new Map<string, PartitionEvents>();
  private readonly usage = new Map<string, PartitionUsageDay>();
  private readonly unmapped = new Map<string, PartitionUnmappedEvent>();
  private readonly days = new Map<string, CloudTrailDaySeen>();
  private readonly agents = new Map<string, PartitionUserAgent>();
  /** Raw user agent -> redacted (agents repeat across rows: each is scanned once). */
  private readonly cleanAgents = new Map<string, string>();
  private rows = 0;
  readonly stats: CloudTrailStats = emptyCloudTrailStats();

  constructor(private readonly mapper: CloudTrailActionMapper) {}

  add(row: TextRow): void {
    this.rows++;
    const events = countColumn(row, 'events');
    const day = eventDay(row.day);
    if (row.p_day === null || row.p_day === undefined) {
      // Days CloudTrail delivered events for (the second grouping set).
      if (day === undefined || row.kind === 'malformed') return;
      const account = row.seen_account ?? '';
      const region = row.seen_region ?? '';
      const key = `${account}\u0000${region}\u0000${day}`;
      const seen = this.days.get(key);
      if (seen) seen.events += events;
      else this.days.set(key, { accountId: account, region, day, events });
      return;
    }
    if (row.kind === null || row.kind === undefined) {
      // Calls per identity and user agent (the third grouping set); an unreadable time is malformed, as above.
      if (day !== undefined) this.addUserAgent(row, events);
      return;
    }
    const partition = this.partition(row, events);
    const stats = this.stats;
    stats.events += events;
    if (day === undefined || row.kind === 'malformed') {
      stats.malformedRecords += events;
      return;
    }
    if (row.kind === 'service') {
      stats.skippedServiceEvents += events;
      return;
    }
    if (row.kind === 'insight') {
      stats.skippedNonApiEvents += events;
      return;
    }
    if (row.kind !== 'call') throw new Error(`unexpected kind ${JSON.stringify(row.kind)} in an aggregation row`);
    const eventSource = row.event_source ?? '';
    const eventName = row.event_name ?? '';
    const action = this.mapper.map(eventSource, eventName);
    if (action === undefined) {
      stats.unmapped += events;
      const key = `${partition}\u0000${eventSource}\u0000${eventName}`;
      const known = this.unmapped.get(key);
      if (known) known.count += events;
      else this.unmapped.set(key, { partition, eventSource, eventName, count: events });
      return;
    }
    if (row.identity === null || row.identity === undefined) {
      stats.unattributed += events;
      return;
    }
    const denied = countColumn(row, 'denied');
    if (denied > events) throw new Error(`an aggregation row has ${denied} denied of ${events} events`);
    stats.attributed += events;
    stats.denied += denied;
    const lastSeen = (row.last_seen && normaliseEventTime(row.last_seen)) || `${day}T00:00:00Z`;
    const credentialId = row.credential ?? '';
    const key = `${partition}\u0000${row.identity}\u0000${credentialId}\u0000${action}\u0000${day}`;
    const cell = this.usage.get(key);
    if (cell) {
      cell.count += events - denied;
      cell.denied += denied;
      if (lastSeen > cell.lastSeen) cell.lastSeen = lastSeen;
    } else {
      this.usage.set(key, { partition, identityArn: row.identity, credentialId, action, day, count: events - denied, denied, lastSeen });
    }
  }

  private addUserAgent(row: TextRow, events: number): void {
    if (row.identity === null || row.identity === undefined || row.user_agent === null || row.user_agent === undefined) return;
    let userAgent = this.cleanAgents.get(row.user_agent);
    if (userAgent === undefined) this.cleanAgents.set(row.user_agent, (userAgent = redactSecrets(row.user_agent)));
    const partition = partitionKey({ accountId: row.p_account ?? '', region: row.p_region ?? '', day: (row.p_day ?? '').replaceAll('/', '-') });
    const lastSeen = (row.last_seen && normaliseEventTime(row.last_seen)) || '';
    const key = `${partition}\u0000${row.identity}\u0000${userAgent}`;
    const known = this.agents.get(key);
    if (known) {
      known.count += events;
      if (lastSeen > known.lastSeen) known.lastSeen = lastSeen;
    } else this.agents.set(key, { partition, identityArn: row.identity, userAgent, count: events, lastSeen });
  }

  /** Each identity's most frequent agents (then by name), at most MAX_USER_AGENTS_PER_IDENTITY. */
  private keptUserAgents(): PartitionUserAgent[] {
    const totals = new Map<string, Map<string, number>>();
    for (const a of this.agents.values()) {
      let byAgent = totals.get(a.identityArn);
      if (!byAgent) totals.set(a.identityArn, (byAgent = new Map()));
      byAgent.set(a.userAgent, (byAgent.get(a.userAgent) ?? 0) + a.count);
    }
    const kept = new Set<string>();
    for (const [identity, byAgent] of totals) {
      const ranked = [...byAgent].sort(([a, x], [b, y]) => y - x || cmp(a, b)).slice(0, MAX_USER_AGENTS_PER_IDENTITY);
      for (const [agent] of ranked) kept.add(`${identity}\u0000${agent}`);
    }
    return [...this.agents.values()].filter((a) => kept.has(`${a.identityArn}\u0000${a.userAgent}`));
  }

  private partition(row: TextRow, events: number): string {
    const day = (row.p_day ?? '').replaceAll('/', '-');
    const p = { accountId: row.p_account ?? '', region: row.p_region ?? '', day };
    const key = partitionKey(p);
    const known = this.partitions.get(key);
    if (known) known.events += events;
    else this.partitions.set(key, { ...p, events });
    return key;
  }

  result(): CloudTrailRowsResult {
    return {
      partitions: this.partitions,
      usage: [...this.usage.values()],
      unmapped: [...this.unmapped.values()],
      userAgents: this.keptUserAgents(),
      daysSeen: [...this.days.values()].sort((a, b) => cmp(a.accountId, b.accountId) || cmp(a.region, b.region) || cmp(a.day, b.day)),
      stats: this.stats,
      rows: this.rows,
    };
  }
}

/** Usage added up over partitions, in the local ingest's order (identity, day, action, credential). */
export function mergeUsage(rows: readonly UsageDay[]): UsageDay[] {
  const merged = new Map<string, UsageDay>();
  for (const r of rows) {
    const key = `${r.identityArn}\u0000${r.credentialId}\u0000${r.action}\u0000${r.day}`;
    const m = merged.get(key);
    if (!m) merged.set(key, { identityArn: r.identityArn, credentialId: r.credentialId, action: r.action, day: r.day, count: r.count, denied: r.denied, lastSeen: r.lastSeen });
    else {
      m.count += r.count;
      m.denied += r.denied;
      if (r.lastSeen > m.lastSeen) m.lastSeen = r.lastSeen;
    }
  }
  return [...merged.values()].sort(
    (a, b) => cmp(a.identityArn, b.identityArn) || cmp(a.day, b.day) || cmp(a.action, b.action) || cmp(a.credentialId, b.credentialId),
  );
}

/** User agents added up over partitions, per identity, most frequent first (the local ingest's order). */
export function mergeUserAgents(rows: readonly { identityArn: string; userAgent: string; count: number; lastSeen: string }[]): { identityArn: string; userAgent: string; count: number; lastSeen: string }[] {
  const merged = new Map<string, { identityArn: string; userAgent: string; count: number; lastSeen: string }>();
  for (const r of rows) {
    const key = `${r.identityArn}\u0000${r.userAgent}`;
    const m = merged.get(key);
    if (!m) merged.set(key, { identityArn: r.identityArn, userAgent: r.userAgent, count: r.count, lastSeen: r.lastSeen });
    else {
      m.count += r.count;
      if (r.lastSeen > m.lastSeen) m.lastSeen = r.lastSeen;
    }
  }
  return [...merged.values()].sort((a, b) => cmp(a.identityArn, b.identityArn) || b.count - a.count || cmp(a.userAgent, b.userAgent));
}

/** Unmapped events added up over partitions, most frequent first (the local ingest's order). */
export function mergeUnmapped(rows: readonly UnmappedEvent[]): UnmappedEvent[] {
  const merged = new Map<string, UnmappedEvent>();
  for (const r of rows) {
    const key = `${r.eventSource}\u0000${r.eventName}`;
    const m = merged.get(key);
    if (m) m.count += r.count;
    else merged.set(key, { eventSource: r.eventSource, eventName: r.eventName, count: r.count });
  }
  return [...merged.values()].sort((a, b) => b.count - a.count || cmp(a.eventSource, b.eventSource) || cmp(a.eventName, b.eventName));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
