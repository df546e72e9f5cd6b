/**
 * The JSON report as written: validated against the documented schema
 * (json-schema.ts) without building every finding's evidence, and written
 * piece by piece with each finding's evidence built for its own write and
 * dropped after (src/rules/lazy-evidence.ts), so a 50,000-principal report
 * takes bounded memory and no string near V8's limit.
 */
import { z } from 'zod';
import type { Evidence } from '../model/finding.js';
import { evidenceOf as modelEvidenceOf, evidencePending, lazyEvidence } from '../rules/lazy-evidence.js';
import { reportSchema, type AuditReport, type ReportFinding } from './json-schema.js';
import { streamedMap, writeJson, type StreamedArray } from './json-stream.js';
import type { StreamedContent } from './write.js';

/** evidenceOf for a report finding (the report's evidence kinds are strings; the model's are its own). */
export const evidenceOf = modelEvidenceOf as (finding: { evidence: ReportFinding['evidence'] }) => ReportFinding['evidence'];

const findingSchema = reportSchema.shape.findings.element;
const evidenceListSchema = findingSchema.shape.evidence;
const FINDING_KEYS = Object.keys(findingSchema.shape);
/** The report's schema with each finding's evidence left out: validated (and normalised) when it is built, finding by finding. */
const withoutEvidenceSchema = reportSchema.extend({ findings: z.array(findingSchema.omit({ evidence: true })) });

/**
 * `reportSchema.parse(report)`, the same value key for key and in the same
 * order, except that a finding whose evidence is not built yet keeps it
 * unbuilt: it is parsed by the evidence schema each time it is built
 * (reading `finding.evidence` builds and keeps it; `evidenceOf` builds it
 * for one call). Throws as parse does when the report breaks the schema;
 * evidence that breaks it throws when built.
 */
export function validatedReport(report: AuditReport): AuditReport {
  const parsed = withoutEvidenceSchema.parse(report);
  const findings = parsed.findings.map((head, n): ReportFinding => {
    const source = report.findings[n]!;
    const draft: Record<string, unknown> = {};
    for (const key of FINDING_KEYS) {
      if (key === 'evidence') {
        if (evidencePending(source)) lazyEvidence(draft, () => evidenceListSchema.parse(evidenceOf(source)) as Evidence[]);
        else draft.evidence = evidenceListSchema.parse(source.evidence);
      } else if (key in head) draft[key] = (head as Record<string, unknown>)[key];
    }
    return draft as ReportFinding;
  });
  return { ...parsed, findings };
}

/** A finding as a plain object with its evidence built for this call only (same keys, same order). */
export function findingForWriting(finding: ReportFinding): ReportFinding {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(finding)) out[key] = key === 'evidence' ? evidenceOf(finding) : finding[key as keyof ReportFinding];
  return out as ReportFinding;
}

/** The report with its long lists made while written: findings with evidence built one at a time. */
function streamedReport(report: AuditReport): Record<string, unknown> {
  const lists: Partial<Record<keyof AuditReport, StreamedArray>> = {
    findings: streamedMap(report.findings, findingForWriting),
    identities: streamedMap(report.identities, (i) => i),
  };
  if (report.suggestions) lists.suggestions = streamedMap(report.suggestions, (s) => s);
  const view: Record<string, unknown> = { ...report, ...lists };
  if (report.reach) view.reach = { ...report.reach, edges: streamedMap(report.reach.edges, (e) => e) };
  return view;
}

/** The JSON report's bytes, exactly `JSON.stringify(report, null, 2) + '\n'`, written piece by piece. */
export function jsonReportContent(report: AuditReport): StreamedContent {
  return (out) => {
    writeJson(streamedReport(report), out, { indent: 2, depth: 2 });
    out('\n');
  };
}
