/** Findings: what a rule says is wrong with one identity or credential, with its evidence. */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse; for sorting and thresholds. */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(s);
}

export function atLeast(s: Severity, threshold: Severity): boolean {
  return severityRank(s) >= severityRank(threshold);
}

/** One piece of evidence: the statement that grants, the usage that was or was not seen. */
export interface Evidence {
  kind: 'policy-statement' | 'usage' | 'credential' | 'environment' | 'history' | 'coverage' | 'note' | 'reach-path';
  /** One line a person reads. */
  summary: string;
  /** Structured detail: policy name/arn, statement index, resources, condition, dates, counts. */
  detail?: Record<string, unknown>;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  identityArn: string;
  accountId: string;
  credentialId?: string;
  /** The precise part a suppression can name, e.g. `Action::iam:PassRole`. */
  granular?: string;
  title: string;
  evidence: Evidence[];
  /** sha256 of rule id + identity + credential + granular part: stable across scans. */
  fingerprint: string;
  /** Set when a suppressions entry matches: the finding stays in every report, marked. */
  suppression?: FindingSuppression;
}

/**
 * A suppressions-file entry that matched a finding. An expired one no longer
 * hides the finding (`expired: true`): the finding is open again and says why.
 */
export interface FindingSuppression {
  reason: string;
  owner: string;
  /** YYYY-MM-DD, inclusive. */
  expires?: string;
  expired: boolean;
  /** Where the entry came from, e.g. `.keywarden/suppressions.yaml#3`. */
  source: string;
}

/** A finding is open unless a suppression that has not expired matches it. */
export function isOpen(finding: Pick<Finding, 'suppression'>): boolean {
  return !finding.suppression || finding.suppression.expired;
}

/**
 * One hop of a reach path (evidence kind `reach-path`, detail `{ hops: ReachHop[] }`):
 * `from` can become, or act as, `to` because of `grantedBy`.
 */
export interface ReachHop {
  from: string;
  to: string;
  /** e.g. `assume-role`, `pass-role`, `escalation:iam:AttachUserPolicy`, `gcp-impersonation`. */
  edge: string;
  /** The statement(s) or binding(s) allowing the hop, in words: policy name and statement index, trust policy. */
  grantedBy: string[];
}

export type RuleOutcome = 'pass' | 'fail' | 'not-applicable' | 'error';
