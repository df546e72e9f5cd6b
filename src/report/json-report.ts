/**
 * The JSON report as written: validated against the documented schema
 * (json-schema.ts) without building every finding's evidence and without
 * copying what parse would return unchanged (schema-conform.ts), and written
 * piece by piece with each finding's evidence built for its own write,
 * checked in place and dropped after (src/rules/lazy-evidence.ts), so a
 * 50,000-principal report takes bounded memory and no string near V8's
 * limit.
 */
import { z } from 'zod';
import type { Evidence } from '../model/finding.js';
import { evidenceOf as modelEvidenceOf, evidencePending, firstEvidence as modelFirstEvidence, lazyEvidence } from '../rules/lazy-evidence.js';
import { reportSchema, type AuditReport, type ReportFinding } from './json-schema.js';
import { MISMATCH, SchemaNormalizer } from './schema-conform.js';
import { streamedMap, writeJson, type StreamedArray } from './json-stream.js';
import type { StreamedContent } from './write.js';

/** evidenceOf for a report finding (the report's evidence kinds are strings; the model's are its own). */
export const evidenceOf = modelEvidenceOf as (finding: { evidence: ReportFinding['evidence'] }, limit?: number) => ReportFinding['evidence'];
/** firstEvidence for a report finding: its first evidence item, the rest not made when the builder can help it (lazy-evidence.ts). */
export const firstEvidence = modelFirstEvidence as (finding: { evidence: ReportFinding['evidence'] }) => ReportFinding['evidence'][number] | undefined;

const findingSchema = reportSchema.shape.findings.element;
const evidenceListSchema = findingSchema.shape.evidence;
const FINDING_KEYS = Object.keys(findingSchema.shape);
/** The report's schema with each finding's evidence left out: validated (and normalised) when it is built, finding by finding. */
const withoutEvidenceSchema = reportSchema.extend({ findings: z.array(findingSchema.omit({ evidence: true })) });
/** The report's schema with its findings left to be checked one by one (in the same place among the keys). */
const besideFindingsSchema = reportSchema.extend({ findings: z.array(z.unknown()) });

/** Evidence is made and dropped one finding at a time: nothing to remember between lists. */
const evidenceNormalizer = new SchemaNormalizer(false);

/**
 * Whether an evidence item is as parse would return it: a plain object with
 * exactly `kind` and `summary` (strings) and an optional `detail` (a plain
 * object of string keys, values as they are), in that order. Told without
 * allocating: evidence is validated each time a finding's is built.
 */
function isParsedEvidence(e: unknown): boolean {
  if (typeof e !== 'object' || e === null || Object.getPrototypeOf(e) !== Object.prototype) return false;
  const item = e as Record<string, unknown>;
  if (typeof item.kind !== 'string' || typeof item.summary !== 'string') return false;
  // Own enumerable keys in order (a plain object inherits none): kind, summary, then detail or nothing.
  let at = 0;
  for (const key in item) {
    if (key !== (at === 0 ? 'kind' : at === 1 ? 'summary' : at === 2 ? 'detail' : undefined)) return false;
    at++;
  }
  if (at < 2) return false;
  const detail = item.detail;
  // A hidden detail (non-enumerable) would be copied by parse, and shown.
  if (at === 2) return detail === undefined;
  if (detail === undefined) return true;
  if (typeof detail !== 'object' || detail === null || Object.getPrototypeOf(detail) !== Object.prototype) return false;
  // Parse's record takes only string keys and skips an own __proto__ (which JSON writes); an own constructor may make it no plain object.
  const has = Object.prototype.hasOwnProperty;
  return !has.call(detail, '__proto__') && !has.call(detail, 'constructor') && Object.getOwnPropertySymbols(detail).length === 0;
}

/** `evidenceListSchema.parse(evidence)`, sharing what parse would only copy: the list itself, as a rule. */
function validEvidence(evidence: readonly unknown[]): Evidence[] {
  if (Array.isArray(evidence)) {
    let parsed = true;
    // Index by index, as parse walks it (a hole is undefined, which it rejects).
    for (let i = 0; i < evidence.length && parsed; i++) parsed = isParsedEvidence(evidence[i]);
    if (parsed) return evidence as Evidence[];
  }
  const out = evidenceNormalizer.normalized(evidenceListSchema, evidence);
  return (out === MISMATCH ? evidenceListSchema.parse(evidence) : out) as Evidence[];
}

/**
 * `reportSchema.parse(report)`, the same value key for key and in the same
 * order, except that a finding whose evidence is not built yet keeps it
 * unbuilt: it is validated each time it is built (reading
 * `finding.evidence` builds and keeps it; `evidenceOf` builds it for one
 * call). Throws as parse does when the report breaks the schema; evidence
 * that breaks it throws when built.
 *
 * What parse would return unchanged is not copied (schema-conform.ts): the
 * identities' services, actions and credentials, the suggestions and the
 * edges are the audit's own objects (services the audit shares between
 * identities stay shared), and only objects whose keys parse would reorder
 * or strip are copied. A report this cannot follow (a kind of value it does
 * not model, or one parse rejects) is parsed as before, which throws zod's
 * own error.
 */
export function validatedReport(report: AuditReport): AuditReport {
  const shared = sharedReport(report);
  return shared === MISMATCH ? parsedReport(report) : shared;
}

/** The report validated, sharing what parse would only copy; MISMATCH for parse to answer. */
function sharedReport(report: AuditReport): AuditReport | typeof MISMATCH {
  const normalizer = new SchemaNormalizer();
  const head = normalizer.normalized(besideFindingsSchema, report);
  if (head === MISMATCH) return MISMATCH;
  const findings: ReportFinding[] = new Array(report.findings.length);
  for (let n = 0; n < report.findings.length; n++) {
    const finding = sharedFinding(report.findings[n]!, normalizer);
    if (finding === MISMATCH) return MISMATCH;
    findings[n] = finding;
  }
  return { ...(head as AuditReport), findings };
}

/** A finding as parse would make it, its evidence, when not built yet, left to be validated when built. */
function sharedFinding(source: ReportFinding, normalizer: SchemaNormalizer): ReportFinding | typeof MISMATCH {
  if (typeof source !== 'object' || source === null || Array.isArray(source) || Object.getPrototypeOf(source) !== Object.prototype) return MISMATCH;
  const plan = normalizer.plan(findingSchema)!;
  const draft: Record<string, unknown> = {};
  for (let k = 0; k < plan.keys.length; k++) {
    const key = plan.keys[k]! as keyof ReportFinding;
    if (!(key in source)) {
      if (!plan.optional[k]) return MISMATCH;
      continue;
    }
    if (key === 'evidence' && evidencePending(source)) {
      // Not read: reading it would build and keep it.
      lazyEvidence(draft, (limit) => validEvidence(evidenceOf(source, limit)));
      continue;
    }
    const out = normalizer.normalized(plan.fields[k]!, source[key]);
    if (out === MISMATCH) return MISMATCH;
    draft[key] = out;
  }
  return draft as ReportFinding;
}

/** As before conformance: parse every part but the findings' evidence, which is parsed when built. */
function parsedReport(report: AuditReport): AuditReport {
  const parsed = withoutEvidenceSchema.parse(report);
  const findings = parsed.findings.map((head, n): ReportFinding => {
    const source = report.findings[n]!;
    const draft: Record<string, unknown> = {};
    for (const key of FINDING_KEYS) {
      if (key === 'evidence') {
        if (evidencePending(source)) lazyEvidence(draft, (limit) => evidenceListSchema.parse(evidenceOf(source, limit)) as Evidence[]);
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
