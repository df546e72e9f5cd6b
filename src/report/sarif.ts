/**
 * SARIF 2.1.0 for code scanning. One reporting descriptor per rule id with
 * the rule's own documentation as help; each finding names the identity by
 * ARN or email as a logical location (an identity is not a file, so there is
 * no physical location); the finding fingerprint becomes a partial
 * fingerprint so code scanning tracks a finding across scans; suppressed
 * findings carry an accepted suppression, expired ones none.
 */
import { isOpen, type Severity } from '../model/finding.js';
import type { Rule } from '../rules/rule.js';
import type { AuditReport, ReportFinding } from './json-schema.js';
import { firstEvidence } from './json-report.js';
import { streamedMap, writeJson, type StreamedArray } from './json-stream.js';
import type { StreamedContent } from './write.js';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
/** Key of the keywarden fingerprint in `partialFingerprints`; bump the suffix if the fingerprint's meaning changes. */
export const FINGERPRINT_KEY = 'keywardenFingerprint/v1';

export type RuleMetadata = Pick<Rule, 'id' | 'title' | 'severity' | 'description' | 'risk' | 'remediation' | 'references'>;

type SarifLevel = 'error' | 'warning' | 'note' | 'none';

export interface SarifReportingDescriptor {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { 'security-severity': string; tags: string[]; precision: string };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: { logicalLocations: { name: string; fullyQualifiedName: string; kind: string }[] }[];
  partialFingerprints: Record<string, string>;
  suppressions?: { kind: 'external'; status: 'accepted'; justification: string; properties: Record<string, string> }[];
  properties: Record<string, unknown>;
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: { driver: { name: string; version: string; semanticVersion: string; rules: SarifReportingDescriptor[] } };
    automationDetails: { id: string };
    invocations: { executionSuccessful: boolean; endTimeUtc: string; toolExecutionNotifications: { level: SarifLevel; message: { text: string }; descriptor: { id: string } }[] }[];
    results: SarifResult[];
    properties: Record<string, unknown>;
  }[];
}

/** GitHub code scanning reads `security-severity` as CVSS-like: >= 9 critical, >= 7 high, >= 4 medium, > 0 low. */
/**
 * Cloud-supplied text in a plain-text SARIF message. A viewer reads
 * `[text](target)` in a message as an embedded link (SARIF 2.1.0, 3.11.6),
 * so literal brackets are escaped as the format asks (`\[`, `\]`): a name
 * like `[click](javascript:…)` stays text.
 */
export function sarifText(text: string): string {
  return text.replace(/[[\]]/g, '\\$&');
}

export const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };
export const SARIF_LEVEL: Record<Severity, SarifLevel> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

function helpText(rule: RuleMetadata): { text: string; markdown: string } {
  const refs = rule.references;
  return {
    text: [rule.description, `Risk: ${rule.risk}`, `Remediation: ${rule.remediation}`, ...(refs.length ? [`References: ${refs.join(' ')}`] : [])].join('\n\n'),
    markdown: [
      rule.description,
      `**Risk.** ${rule.risk}`,
      `**Remediation.** ${rule.remediation}`,
      ...(refs.length ? [`**References.**\n${refs.map((r) => `- ${r}`).join('\n')}`] : []),
    ].join('\n\n'),
  };
}

function descriptor(rule: RuleMetadata): SarifReportingDescriptor {
  const helpUri = rule.references.find((r) => /^https:\/\//.test(r));
  return {
    id: rule.id,
    name: rule.title,
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: helpText(rule),
    ...(helpUri && { helpUri }),
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: { 'security-severity': SECURITY_SEVERITY[rule.severity], tags: ['security', 'iam', 'machine-credentials'], precision: 'high' },
  };
}

/** Rules that ran but whose metadata the caller did not pass (e.g. a newer rule set) still get a descriptor, from the report's tally. */
function tallyRule(report: AuditReport, ruleId: string): RuleMetadata {
  const tally = report.rules.find((r) => r.ruleId === ruleId);
  const severity = (['critical', 'high', 'medium', 'low', 'info'] as const).find((s) => s === tally?.severity) ?? 'info';
  const title = tally?.title ?? ruleId;
  return { id: ruleId, title, severity, description: title, risk: 'see the keywarden rule documentation', remediation: 'see the keywarden rule documentation', references: [] };
}

function result(finding: ReportFinding, ruleIndex: number, names: Map<string, string>): SarifResult {
  const s = finding.suppression;
  // Built for this result only, and only its first item where the builder can (src/rules/lazy-evidence.ts).
  const evidence = firstEvidence(finding)?.summary;
  return {
    ruleId: finding.ruleId,
    ruleIndex,
    level: SARIF_LEVEL[finding.severity],
    message: { text: sarifText(`${finding.title} (${finding.identityArn})${evidence ? `. ${evidence}` : ''}`) },
    locations: [{ logicalLocations: [{ name: names.get(finding.identityArn) ?? finding.identityArn, fullyQualifiedName: finding.identityArn, kind: 'resource' }] }],
    partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    ...(s && !s.expired && {
      suppressions: [{ kind: 'external' as const, status: 'accepted' as const, justification: s.reason, properties: { owner: s.owner, source: s.source, ...(s.expires && { expires: s.expires }) } }],
    }),
    properties: {
      severity: finding.severity,
      'security-severity': SECURITY_SEVERITY[finding.severity],
      accountId: finding.accountId,
      ...(finding.credentialId && { credentialId: finding.credentialId }),
      ...(finding.granular && { granular: finding.granular }),
      ...(s?.expired && { suppressionExpired: { reason: s.reason, owner: s.owner, expires: s.expires } }),
    },
  };
}

/** The report as a SARIF log: one run, one descriptor per rule id (rules without findings included). */
export function toSarif(report: AuditReport, rules: readonly RuleMetadata[]): SarifLog {
  return sarifLog(report, rules, (result) => report.findings.map(result)) as SarifLog;
}

/** The SARIF log's bytes, exactly `JSON.stringify(toSarif(report, rules), null, 2) + '\n'`, with results made one at a time as they are written. */
export function sarifContent(report: AuditReport, rules: readonly RuleMetadata[]): StreamedContent {
  return (out) => {
    writeJson(sarifLog(report, rules, (result) => streamedMap(report.findings, result)), out, { indent: 2, depth: 3 });
    out('\n');
  };
}

function sarifLog(
  report: AuditReport,
  rules: readonly RuleMetadata[],
  results: (result: (f: ReportFinding) => SarifResult) => SarifResult[] | StreamedArray<SarifResult>,
): Omit<SarifLog, 'runs'> & { runs: (Omit<SarifLog['runs'][number], 'results'> & { results: SarifResult[] | StreamedArray<SarifResult> })[] } {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const ruleIds = [...new Set([...rules.map((r) => r.id), ...report.rules.map((r) => r.ruleId), ...report.findings.map((f) => f.ruleId)])];
  const descriptors = ruleIds.map((id) => descriptor(byId.get(id) ?? tallyRule(report, id)));
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const names = new Map(report.identities.map((i) => [i.arn, i.name]));
  const gaps = report.coverage.entries.filter((e) => e.status !== 'ok');
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'keywarden', version: report.tool.version, semanticVersion: report.tool.version, rules: descriptors } },
        // `category/run`: code scanning groups runs by the part before the last slash.
        automationDetails: { id: `keywarden/scan${report.scan.id}` },
        invocations: [
          {
            // A source that could not be read is a failed execution: nothing it speaks for is known clean.
            executionSuccessful: report.coverage.complete,
            endTimeUtc: report.generatedAt,
            toolExecutionNotifications: gaps.map((g) => ({
              level: g.status === 'gap' ? ('error' as const) : ('warning' as const),
              message: { text: sarifText(`${g.status} ${g.scope} (${g.source})${g.reason ? `: ${g.reason}` : ''}`) },
              descriptor: { id: `coverage/${g.source}` },
            })),
          },
        ],
        results: results((f) => result(f, ruleIndex.get(f.ruleId) as number, names)),
        properties: {
          scanId: report.scan.id,
          window: report.window,
          openFindings: report.findings.filter(isOpen).length,
        },
      },
    ],
  };
}
