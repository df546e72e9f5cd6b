/**
 * Marks findings with the suppression that matches them. A suppressed
 * finding is kept, never dropped; an expired suppression stays attached
 * (`expired: true`) so the report says why the finding is open again.
 */
import { globMatches } from '../config/patterns.js';
import type { Finding, FindingSuppression } from '../model/finding.js';
import type { SuppressionEntry } from './suppressions-file.js';
import { withFields } from '../rules/lazy-evidence.js';

export function matches(entry: SuppressionEntry, finding: Pick<Finding, 'ruleId' | 'identityArn' | 'granular'>): boolean {
  if (!globMatches(entry.rule, finding.ruleId)) return false;
  if (!globMatches(entry.identity, finding.identityArn)) return false;
  return entry.granular === undefined || globMatches(entry.granular, finding.granular ?? '');
}

/** Expiry is inclusive: an entry expiring 2026-11-15 still holds on an audit as of 2026-11-15. */
export function isExpired(entry: Pick<SuppressionEntry, 'expires'>, asOfDay: string): boolean {
  return entry.expires !== undefined && entry.expires < asOfDay;
}

/**
 * The suppression for one finding: the first live matching entry, else the
 * first expired one (so a reopened finding names the entry that lapsed).
 */
export function suppressionFor(finding: Finding, entries: readonly SuppressionEntry[], asOfDay: string): FindingSuppression | undefined {
  let lapsed: SuppressionEntry | undefined;
  for (const entry of entries) {
    if (!matches(entry, finding)) continue;
    if (!isExpired(entry, asOfDay)) return toSuppression(entry, false);
    lapsed ??= entry;
  }
  return lapsed && toSuppression(lapsed, true);
}

function toSuppression(entry: SuppressionEntry, expired: boolean): FindingSuppression {
  return { reason: entry.reason, owner: entry.owner, ...(entry.expires && { expires: entry.expires }), expired, source: entry.source };
}

/** Findings with `suppression` set where an entry matches (new objects; the input is not changed). */
export function applySuppressions<F extends Finding>(findings: readonly F[], entries: readonly SuppressionEntry[], asOfDay: string): F[] {
  if (entries.length === 0) return [...findings];
  return findings.map((f) => {
    const suppression = suppressionFor(f, entries, asOfDay);
    return suppression ? withFields(f, { suppression }) : f;
  });
}
