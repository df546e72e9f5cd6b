/**
 * The CI verdict over a set of findings: which open findings at or above the
 * threshold fail the build, which are let through (suppressed, or already in
 * the baseline), and which baseline entries no longer occur (to prune).
 */
import { atLeast, isOpen, type Severity } from '../model/finding.js';
import type { ReportFinding as Finding } from '../report/json-schema.js';
import type { Baseline, BaselineEntry } from './baseline-file.js';

export interface GateInput {
  findings: readonly Finding[];
  failOn: Severity;
  baseline?: Baseline;
  coverageComplete: boolean;
  allowPartial: boolean;
}

export interface GateVerdict {
  /** Open, at or above the threshold, and not in the baseline. */
  failing: Finding[];
  /** At or above the threshold but suppressed by a live entry. */
  suppressed: Finding[];
  /** At or above the threshold, open, but already in the baseline. */
  baselined: Finding[];
  /** Open again because their suppression expired (also in `failing` or `baselined`). */
  reopened: Finding[];
  /** Baseline entries no finding matches any more. */
  staleBaseline: BaselineEntry[];
  /** Coverage is incomplete and that was not accepted. */
  incomplete: boolean;
}

export function judge(input: GateInput): GateVerdict {
  const known = new Set(input.baseline?.findings.map((e) => e.fingerprint));
  const present = new Set(input.findings.map((f) => f.fingerprint));
  const verdict: GateVerdict = { failing: [], suppressed: [], baselined: [], reopened: [], staleBaseline: [], incomplete: false };
  for (const f of input.findings) {
    if (!atLeast(f.severity, input.failOn)) continue;
    if (!isOpen(f)) verdict.suppressed.push(f);
    else if (known.has(f.fingerprint)) verdict.baselined.push(f);
    else verdict.failing.push(f);
    if (f.suppression?.expired) verdict.reopened.push(f);
  }
  verdict.staleBaseline = (input.baseline?.findings ?? []).filter((e) => !present.has(e.fingerprint));
  verdict.incomplete = !input.coverageComplete && !input.allowPartial;
  return verdict;
}
