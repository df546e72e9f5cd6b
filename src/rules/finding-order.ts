/**
 * The order every report lists findings in: worst severity first, then by
 * identity, rule and granular part, each compared with localeCompare.
 *
 * A comparator sort calls localeCompare tens of millions of times for a
 * million findings (about 10 s); here each distinct string is ranked once
 * (a few thousand identities, rules and granular parts), findings are
 * bucketed by (severity, identity) with a counting sort, and each small
 * bucket is sorted by (rule, granular). Both steps are stable, so findings
 * that compare equal keep the order they came in, as with Array.sort.
 */
import { SEVERITIES, type Finding } from '../model/finding.js';

/**
 * localeCompare with no arguments is, by ECMA-402, the compare function of a
 * default Intl.Collator; made once, the same comparison costs a tenth (the
 * method builds its collator per call). Distinct granular parts grow with
 * identities (one chain per escalating identity): tens of thousands at 50,000.
 */
const collator = new Intl.Collator();

/** Rank of each distinct value in localeCompare order (values that compare equal share one), and how many ranks. */
function collationRanks(findings: readonly Finding[], valueOf: (f: Finding) => string): { ranks: Map<string, number>; count: number } {
  const seen = new Set<string>();
  for (let i = 0; i < findings.length; i++) seen.add(valueOf(findings[i]!));
  const distinct = [...seen].sort(collator.compare);
  const ranks = new Map<string, number>();
  let rank = 0;
  for (let i = 0; i < distinct.length; i++) {
    if (i > 0 && collator.compare(distinct[i - 1]!, distinct[i]!) !== 0) rank++;
    ranks.set(distinct[i]!, rank);
  }
  return { ranks, count: rank + 1 };
}

/** Sorts findings in place into report order (see the module comment) and returns them. */
export function sortFindings(findings: Finding[]): Finding[] {
  const n = findings.length;
  const identities = collationRanks(findings, (f) => f.identityArn);
  const rules = collationRanks(findings, (f) => f.ruleId);
  const granulars = collationRanks(findings, (f) => f.granular ?? '');

  // Primary key: severity, worst first (SEVERITIES lists the worst first; severityRank ranks an unknown one above all), then identity.
  const primary = new Int32Array(n);
  const secondary = new Float64Array(n);
  const buckets = (SEVERITIES.length + 1) * identities.count;
  const starts = new Int32Array(buckets + 1);
  for (let i = 0; i < n; i++) {
    const f = findings[i]!;
    const key = (SEVERITIES.indexOf(f.severity) + 1) * identities.count + identities.ranks.get(f.identityArn)!;
    primary[i] = key;
    secondary[i] = rules.ranks.get(f.ruleId)! * granulars.count + granulars.ranks.get(f.granular ?? '')!;
    starts[key + 1]!++;
  }
  for (let b = 0; b < buckets; b++) starts[b + 1]! += starts[b]!;
  const order = new Int32Array(n);
  const fill = starts.slice(0, buckets);
  for (let i = 0; i < n; i++) order[fill[primary[i]!]!++] = i;

  // Within a bucket (one identity's findings of one severity: a few dozen), insertion sort is stable and quick.
  for (let b = 0; b < buckets; b++) {
    const first = starts[b]!;
    const end = starts[b + 1]!;
    for (let k = first + 1; k < end; k++) {
      const item = order[k]!;
      const key = secondary[item]!;
      let j = k - 1;
      while (j >= first && secondary[order[j]!]! > key) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = item;
    }
  }
  const input = findings.slice();
  for (let i = 0; i < n; i++) findings[i] = input[order[i]!]!;
  return findings;
}
