/**
 * One report from two: the account audit and the policy-file check that a
 * CI run judges together. Lists are concatenated, counts added, coverage is
 * complete only when both are, findings stay worst first.
 */
import { severityRank } from '../model/finding.js';
import type { AuditReport } from './json-schema.js';

function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function mergeReports(a: AuditReport, b: AuditReport): AuditReport {
  const tallies = new Map(a.rules.map((t) => [t.ruleId, { ...t }]));
  for (const t of b.rules) {
    const mine = tallies.get(t.ruleId);
    if (!mine) tallies.set(t.ruleId, { ...t });
    else Object.assign(mine, { pass: mine.pass + t.pass, fail: mine.fail + t.fail, notApplicable: mine.notApplicable + t.notApplicable, error: mine.error + t.error });
  }
  const { findingsBySeverity, ...counts } = a.summary;
  const { findingsBySeverity: otherBySeverity, ...otherCounts } = b.summary;
  return {
    ...a,
    scan: { ...a.scan, source: `${a.scan.source} + ${b.scan.source}` },
    accounts: [...a.accounts, ...b.accounts],
    coverage: { complete: a.coverage.complete && b.coverage.complete, entries: [...a.coverage.entries, ...b.coverage.entries] },
    rules: [...tallies.values()],
    // Stable sort: each input is already worst first.
    findings: [...a.findings, ...b.findings].sort((x, y) => severityRank(y.severity) - severityRank(x.severity)),
    summary: { ...(addCounts(counts, otherCounts) as typeof counts), findingsBySeverity: addCounts(findingsBySeverity, otherBySeverity) },
    identities: [...a.identities, ...b.identities],
  };
}
