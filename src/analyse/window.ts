/** The observation window an audit speaks for: whole UTC days ending at `asOf`. */
export interface AuditWindow {
  /** First day in the window, YYYY-MM-DD. */
  from: string;
  /** Last day in the window (the as-of day), YYYY-MM-DD. */
  to: string;
  days: number;
  /** The moment the audit speaks as of (ISO); end of the window. */
  asOf: string;
}

const DAY_MS = 86_400_000;

export function dayOf(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return d.toISOString().slice(0, 10);
}

/** A window of `days` whole UTC days ending on the day of `asOf` (inclusive). */
export function windowEndingAt(asOf: Date, days: number): AuditWindow {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`window must be a whole number of days >= 1, got ${days}`);
  if (Number.isNaN(asOf.getTime())) throw new RangeError('as-of date is not a valid date');
  const to = dayOf(asOf);
  const from = dayOf(new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * DAY_MS));
  return { from, to, days, asOf: asOf.toISOString() };
}

/** True when the instant falls on a day of the window. */
export function isInWindow(iso: string, window: AuditWindow): boolean {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return false;
  const day = dayOf(new Date(t));
  return day >= window.from && day <= window.to;
}

/** Every day of the window, oldest first. */
export function windowDays(window: AuditWindow): string[] {
  const start = Date.parse(`${window.from}T00:00:00Z`);
  return Array.from({ length: window.days }, (_, i) => dayOf(new Date(start + i * DAY_MS)));
}

export function daysBetween(fromIso: string, toIso: string): number {
  return Math.floor((Date.parse(toIso) - Date.parse(fromIso)) / DAY_MS);
}
