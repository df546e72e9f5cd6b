/**
 * Exports print timestamps in several ISO-ish shapes (`2019-05-07T15:40:22+00:00`,
 * `2023-03-09 10:41:45+00:00` from boto3-based tools, microseconds from the
 * CLI). Everything downstream compares instants, so they are normalised to
 * `Date#toISOString()` form.
 */

/** Normalised ISO timestamp, or undefined when the value is not a parseable date. */
export function toIsoTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  // `YYYY-MM-DD hh:mm:ss` (space separator) is not reliably parsed by Date.
  const text = value.trim().replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2');
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * toIsoTimestamp that tells `onBad` about a value that is there but is not a
 * date: dropping it silently would make a used credential look unused.
 */
export function checkedTimestamp(value: unknown, onBad: (raw: string) => void): string | undefined {
  const iso = toIsoTimestamp(value);
  if (iso === undefined && typeof value === 'string' && value.trim() !== '') onBad(value);
  return iso;
}
