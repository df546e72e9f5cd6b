/**
 * A suggestion as the planner builds it: structured commands and the
 * documents they need. The report carries the rendered form (json-schema.ts
 * `Suggestion`); `keywarden plan` turns the structured form into scripts.
 */
import type { Evidence } from '../model/finding.js';
import type { Provider } from '../model/domain.js';
import type { Suggestion } from '../report/json-schema.js';
import type { PlannedCommand } from './command.js';

export interface PlannedStep {
  /** 1: reversible first step; later stages (the destructive ones) only after observing. */
  stage: number;
  description: string;
  commands: PlannedCommand[];
  /** Days to observe after stage 1 before running this step. */
  waitDays?: number;
}

/** A document a step passes as file://…: a replacement policy, or a saved copy of what the change removes. */
export interface PlanDocument {
  name: string;
  /** What it is, for plan.md. */
  purpose: string;
  document: unknown;
}

/** A value the person running the script must supply (an access key id the offline export does not carry). */
export interface RequiredInput {
  env: string;
  description: string;
  /** POSIX extended regular expression the value must match before anything runs. */
  pattern: string;
}

export interface PlannedSuggestion {
  kind: string;
  provider: Provider;
  identityArn: string;
  accountId: string;
  credentialId?: string;
  /** What distinguishes this change from others of the same kind on the same target (part of the stable id). */
  change: string;
  title: string;
  resolves: string[];
  risk: string;
  evidence: Evidence[];
  steps: PlannedStep[];
  rollback: PlannedStep[];
  replacement?: Suggestion['replacement'];
  documents: PlanDocument[];
  inputs: RequiredInput[];
  /** A command printing who the script runs as, and the value it must print (e.g. the AWS account id). */
  guard?: { command: PlannedCommand; expected: string; description: string };
}

/** The report's form plus the structured one the plan writer needs. */
export interface SuggestionWithPlan {
  suggestion: Suggestion;
  plan: PlannedSuggestion;
}
