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
