/**
 * Which days a warehouse load queries, and the shared pieces of its report.
 *
 * A window's days are queried unless an earlier load closed them; a day is
 * closed when the query starts a full DAY_DELIVERY_GRACE_MS after the day
 * ended (the S3 cursor's rule: CloudTrail, and log sinks, may still deliver
 * a day's last events hours after midnight UTC). An open day is queried
 * again by the next load, which replaces what it stored (store/query-loads.ts).
 */
import { DAY_DELIVERY_GRACE_MS } from '../collect/aws/cloudtrail-s3.js';
import type { CoverageEntry } from '../model/domain.js';
import type { QueryLoadDay } from '../store/index.js';
import { daysBetween, dayRanges, type DayRange } from './sql-text.js';

export interface DayWindow {
  from: string;
  to: string;
}

export interface LoadPlan {
  /** Days to query, and whether each is closed when the query starts. */
  days: { day: string; closed: boolean }[];
  ranges: DayRange[];
  /** Window days an earlier load closed: not queried again. */
  closedBefore: string[];
}

export const isClosedDay = (day: string, now: Date, graceMs = DAY_DELIVERY_GRACE_MS): boolean =>
  Date.parse(`${day}T00:00:00Z`) + 86_400_000 + graceMs <= now.getTime();

export function planLoad(window: DayWindow, loaded: ReadonlyMap<string, QueryLoadDay>, now: Date): LoadPlan {
  const days: LoadPlan['days'] = [];
  const closedBefore: string[] = [];
  for (const day of daysBetween(window.from, window.to)) {
    if (loaded.get(day)?.closed) closedBefore.push(day);
    else days.push({ day, closed: isClosedDay(day, now) });
  }
  return { days, ranges: dayRanges(days.map((d) => d.day)), closedBefore };
}

export const GIB = 1024 ** 3;

/** `12.3 GB` (binary gigabytes, as Athena and BigQuery bill them). */
export function gigabytes(bytes: number): string {
  return `${(bytes / GIB).toFixed(bytes < 10 * GIB ? 2 : 1)} GB`;
}

/** `2026-11-01..2026-11-30` (and `, …` for more ranges). */
export function describeRanges(ranges: readonly DayRange[]): string {
  return ranges.map((r) => (r.from === r.to ? r.from : `${r.from}..${r.to}`)).join(', ');
}

/** A query stopped or refused for cost: nothing of it is loaded. */
export class CostGuardError extends Error {
  override readonly name = 'CostGuardError';
}

/** The engine reported the query failed, or it did not finish in time. */
export class QueryFailedError extends Error {
  override readonly name = 'QueryFailedError';
  constructor(
    message: string,
    readonly queryId: string | undefined,
    readonly reason: 'failed' | 'cancelled' | 'timeout',
  ) {
    super(message);
  }
}

/** A load that did not happen (failed, timed out, refused for cost, unreadable result): its days stay unknown. */
export function loadGap(
  load: { provider: 'aws' | 'gcp'; engine: 'athena' | 'bigquery'; source: string; days: string; queryId?: string },
  error: unknown,
  describe: (error: unknown) => string,
): CoverageEntry {
  const { provider, engine, source, days, queryId } = load;
  const why = error instanceof CostGuardError || error instanceof QueryFailedError ? error.message : `${queryId ? `${engine === 'athena' ? 'Athena query' : 'BigQuery job'} ${queryId}: ` : ''}${describe(error)}`;
  return {
    scope: provider,
    source: engine,
    status: 'gap',
    reason: `${source}: ${why}; ${provider === 'aws' ? 'CloudTrail' : 'audit-log'} usage of ${days} was not loaded, those days stay unknown`,
    detail: { source, days, ...(queryId ? { queryId } : {}) },
  };
}

/** Per scope (account, or log scope), the days (and regions) a load found events on: what it speaks for. */
export function loadCoverage(
  found: readonly { scope: string; region: string; day: string; events: number }[],
  load: { engine: 'athena' | 'bigquery'; source: string; queryId: string },
  scopeName: (scope: string) => string,
): CoverageEntry[] {
  const scopes = new Map<string, { days: Set<string>; regions: Set<string>; events: number }>();
  for (const f of found) {
    let s = scopes.get(f.scope);
    if (!s) scopes.set(f.scope, (s = { days: new Set(), regions: new Set(), events: 0 }));
    s.days.add(f.day);
    if (f.region) s.regions.add(f.region);
    s.events += f.events;
  }
  return [...scopes]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([scope, s]) => {
      const days = [...s.days].sort();
      return {
        scope: scopeName(scope),
        source: load.engine,
        status: 'ok' as const,
        detail: { source: load.source, queryId: load.queryId, days, firstDay: days[0], lastDay: days[days.length - 1], ...(s.regions.size ? { regions: [...s.regions].sort() } : {}), events: s.events },
      };
    });
}
