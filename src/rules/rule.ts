/**
 * The rule contract (DESIGN.md): one file per rule exporting one typed
 * object with an explicit id. `evaluate` is pure and returns an outcome for
 * every identity it looked at, so each rule has a denominator.
 */
import type { ActionSet } from '../catalog/action-set.js';
import type { ActionResourceEvidence } from '../store/index.js';
import type { AwsActionCatalog } from '../catalog/aws-actions.js';
import type { EffectiveGrant } from '../analyse/aws/effective-grant.js';
import type { AuditWindow } from '../analyse/window.js';
import type { AgentAttribution } from '../analyse/agents.js';
import type { EnvironmentResolution } from '../analyse/environment.js';
import type { AwsReach } from '../analyse/reach/index.js';
import type { KeywardenConfig } from '../config/index.js';
import type { AccountInfo, Credential, Identity, PolicyAttachment } from '../model/domain.js';
import type { Evidence, RuleOutcome, Severity } from '../model/finding.js';
import type { AuditFacts } from '../analyse/granted-vs-used.js';
import type { IdentityHistoryEntry, ScanRecord, StoredLastUse } from '../store/index.js';
import type { GcpRuleContext } from '../analyse/gcp/scan-facts.js';

/** Everything rules may know about one identity. */
export interface IdentityFacts {
  identity: Identity;
  account?: AccountInfo;
  environment: EnvironmentResolution;
  agent: AgentAttribution;
  /** Granted vs used over the window. */
  audit: AuditFacts;
  grant: EffectiveGrant;
  /** Granted actions seen used, and those a source saw unused, over the window (unknown is in neither). */
  usage: { used: ActionSet; unused: ActionSet; resources?: ReadonlyMap<string, ActionResourceEvidence> };
  /** The policies in effect for it in this scan, and how each got there. */
  attachments: PolicyAttachment[];
  credentials: Credential[];
}

export interface RuleContext {
  identities: IdentityFacts[];
  catalog: AwsActionCatalog;
  config: KeywardenConfig;
  window: AuditWindow;
  /** Environment of a resource ARN or name (account id in the ARN, then resource patterns). */
  resourceEnvironment(resource: string): EnvironmentResolution;
  /** Stored scans of one identity, oldest first (for rules that compare scans). */
  history(identityArn: string): IdentityHistoryEntry[];
  /** The newest dated last use (RoleLastUsed and the like) any stored complete scan recorded for the identity, this one included. */
  lastUse(identityArn: string): StoredLastUse | undefined;
  /**
   * The identity as the earliest other stored scan inside the window saw it,
   * with its effective grant then: the reference point for "grants grew".
   */
  referenceGrant(identityArn: string): ReferenceGrant | undefined;
  /** Who can become whom (assume-role, pass-role, escalation), built on first use; absent when the caller built no graph. */
  readonly reach?: AwsReach;
  /** GCP service accounts, for the `gcp.*` rules (present when the scan is a GCP scan). */
  gcp?: GcpRuleContext;
}

export interface ReferenceGrant {
  scan: ScanRecord;
  attachments: PolicyAttachment[];
  grant: EffectiveGrant;
}

/** What a rule reports for one finding; the engine adds rule id, identity and fingerprint. */
export interface FindingDraft {
  severity: Severity;
  title: string;
  credentialId?: string;
  /** The precise part a suppression can name, e.g. `Action::iam:PassRole`. */
  granular?: string;
  evidence: Evidence[];
}

export interface RuleEvaluation {
  identityArn: string;
  outcome: RuleOutcome;
  findings: FindingDraft[];
  /** Why not applicable, or what went wrong. */
  reason?: string;
}

export interface Rule {
  /** Stable, explicit id (never derived from the file name): baselines and suppressions key on it. */
  id: string;
  title: string;
  /** The highest severity the rule reports. */
  severity: Severity;
  description: string;
  risk: string;
  remediation: string;
  references: string[];
  evaluate(ctx: RuleContext): RuleEvaluation[];
}

/**
 * Most rules judge each identity on its own: this builds `evaluate` from a
 * per-identity check. A rule that judges grants (`judgesGrants`) cannot pass
 * an identity some of whose policies could not be read: that is an `error`.
 */
export function perIdentity(
  check: (facts: IdentityFacts, ctx: RuleContext) => FindingDraft[] | { notApplicable: string },
  options: { judgesGrants?: boolean } = {},
): Rule['evaluate'] {
  return (ctx) =>
    ctx.identities.map((facts): RuleEvaluation => {
      const result = check(facts, ctx);
      const identityArn = facts.identity.arn;
      if (!Array.isArray(result)) return { identityArn, outcome: 'not-applicable', findings: [], reason: result.notApplicable };
      if (result.length) return { identityArn, outcome: 'fail', findings: result };
      const errors = facts.grant.errors;
      if (options.judgesGrants && errors.length) {
        const reason = `cannot pass: ${errors.length} policies could not be read (${errors.map((e) => e.message).join('; ')})`;
        return { identityArn, outcome: 'error', findings: [], reason };
      }
      return { identityArn, outcome: 'pass', findings: [] };
    });
}
