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
  kind: 'policy-statement' | 'usage' | 'credential' | 'environment' | 'history' | 'coverage' | 'note';
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
}

export type RuleOutcome = 'pass' | 'fail' | 'not-applicable' | 'error';
