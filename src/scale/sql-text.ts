/**
 * Building SQL text for the warehouse engines (Athena, BigQuery), which run
 * statements keywarden sends as text. Every value put into a statement goes
 * through one of these checks first, so a name from a config file or a
 * cloud account can never change what a statement does.
 *
 * Literals never contain a backslash (Trino and DuckDB keep it as is,
 * BigQuery reads it as an escape): the same text means the same thing on
 * every engine the statements are tested on.
 */

/** Thrown for a value that may not be placed in SQL text; the message names it. */
export class SqlValueError extends Error {
  override readonly name = 'SqlValueError';
}

/** A single-quoted string literal: quotes doubled; control characters and backslashes refused. */
export function sqlString(value: string, what: string): string {
  if (/[\\\u0000-\u001f\u007f]/.test(value)) throw new SqlValueError(`${what} ${JSON.stringify(value)} contains a backslash or a control character`);
  return `'${value.replaceAll("'", "''")}'`;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A YYYY-MM-DD day that exists (2026-02-30 does not). */
export function checkDay(day: string, what = 'day'): string {
  const ms = DAY.test(day) ? Date.parse(`${day}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day) {
    throw new SqlValueError(`${what} must be a YYYY-MM-DD day, got ${JSON.stringify(day)}`);
  }
  return day;
}

/** Checks a name against a pattern: identifiers are validated, never escaped. */
export function checkName(value: string, pattern: RegExp, what: string, expected: string): string {
  if (!pattern.test(value)) throw new SqlValueError(`${what} ${JSON.stringify(value)} is not valid: expected ${expected}`);
  return value;
}

/** An inclusive range of UTC days. */
export interface DayRange {
  from: string;
  to: string;
}

/** Sorted days -> the fewest inclusive ranges of consecutive days. */
export function dayRanges(days: Iterable<string>): DayRange[] {
  const sorted = [...new Set(days)].map((d) => checkDay(d)).sort();
  const ranges: DayRange[] = [];
  for (const day of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && nextDay(last.to) === day) last.to = day;
    else ranges.push({ from: day, to: day });
  }
  return ranges;
}

export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = checkDay(from); d <= to; d = nextDay(d)) days.push(d);
  return days;
}
