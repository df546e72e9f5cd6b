/**
 * Evidence pieces the AWS grant rules share, so that a policy statement, an
 * environment or an incomplete grant reads the same in every finding.
 * Wording a rule owns (which resources count, extra detail keys) is passed
 * in by the caller. Cloud-supplied text goes through `printable`.
 */
import type { EffectiveGrant, GrantingStatement } from '../analyse/aws/effective-grant.js';
import { printable } from '../config/patterns.js';
import type { Evidence } from '../model/finding.js';
import type { IdentityFacts, RuleContext } from './rule.js';

/** Which side of the evaluation a statement speaks for. */
export type StatementRole = 'allow' | 'boundary' | 'deny';

/** A statement document as a rule indexed it: `witness` is one action it covers, to find its attachments again. */
export interface IndexedStatementRef {
  role: StatementRole;
  policyHash: string;
  statementIndex: number;
  witness: number;
}

/** The identity's own statements (with their sources) behind an indexed statement: one document may be attached several ways. */
export function sourcesOf(grant: EffectiveGrant, entry: IndexedStatementRef): GrantingStatement[] {
  const all =
    entry.role === 'allow'
      ? grant.grantsFor(entry.witness)
      : entry.role === 'boundary'
        ? grant.boundaryGrantsFor(entry.witness)
        : grant.deniesFor(entry.witness);
  return all.filter((s) => s.policyHash === entry.policyHash && s.statementIndex === entry.statementIndex);
}

/** The first `max` items, comma-separated, saying nothing of the rest. */
export function firstFew<T>(items: readonly T[], show: (item: T) => string, max = 3): string {
  // `show` is called with the item alone: map's index would land in printable's `max`.
  return items.slice(0, max).map((item) => show(item)).join(', ');
}

/** The first `max` items and a count of the rest: `a, b, c (+2 more)`. */
export function listText<T>(items: readonly T[], show: (item: T) => string, max = 3): string {
  const rest = items.length > max ? ` (+${items.length - max} more)` : '';
  return firstFew(items, show, max) + rest;
}

/** Which policy a statement is in and how the identity holds it (directly, via a group, as its boundary). */
function sourceText(s: GrantingStatement): string {
  const name = `"${printable(s.policyName)}"`;
  const arn = s.policyArn ? ` (${printable(s.policyArn)})` : '';
  const group = s.groupName !== undefined ? `"${printable(s.groupName)}"` : '(unknown group)';
  switch (s.kind) {
    case 'inline':
      return `inline policy ${name}`;
    case 'managed':
      return `managed policy ${name}${arn}`;
    case 'group-inline':
      return `inline policy ${name} of group ${group}`;
    case 'group-managed':
      return `managed policy ${name}${arn} via group ${group}`;
    case 'permissions-boundary':
      return `permissions boundary ${name}${arn}`;
  }
}

/** ` only under Condition <op> <keys>; …`, or '' for an unconditioned statement; the keys say what the grant hinges on. */
function conditionText(s: GrantingStatement): string {
  if (!s.condition) return '';
  const parts = Object.entries(s.condition).map(([op, keys]) => `${printable(op)} ${Object.keys(keys).map((k) => printable(k)).join(', ')}`);
  return ` only under Condition ${parts.join('; ')}`;
}

/** The statement as written, for machine readers; optional fields only when the statement has them. */
function statementDetail(s: GrantingStatement): Record<string, unknown> {
  const detail: Record<string, unknown> = {
    policyName: s.policyName,
    policyKind: s.kind,
    statementIndex: s.statementIndex,
    effect: s.effect,
    notAction: s.notAction,
  };
  if (s.policyArn !== undefined) detail.policyArn = s.policyArn;
  if (s.groupName !== undefined) detail.group = s.groupName;
  if (s.sid !== undefined) detail.sid = s.sid;
  if (s.resources !== undefined) detail.resources = s.resources;
  if (s.notResources !== undefined) detail.notResources = s.notResources;
  if (s.condition !== undefined) detail.condition = s.condition;
  return detail;
}

/**
 * One statement as evidence: `<source> statement <n> (Sid "…") allows|denies|lets through <what> on <on><condition>`.
 * `on` is the rule's reading of the statement's resources; `extra` is appended to the detail, after the statement's own fields.
 */
export function statementEvidence(s: GrantingStatement, what: string, on: string, extra: Record<string, unknown> = {}): Evidence {
  const sid = s.sid ? ` (Sid "${printable(s.sid)}")` : '';
  // A boundary grants nothing by itself: it only lets the identity's own grants through.
  const verb = s.effect === 'Deny' ? 'denies' : s.kind === 'permissions-boundary' ? 'lets through' : 'allows';
  const scope = s.notAction ? `${what} (NotAction: every action except those it lists)` : what;
  return {
    kind: 'policy-statement',
    summary: `${sourceText(s)} statement ${s.statementIndex}${sid} ${verb} ${scope} on ${on}${conditionText(s)}`,
    detail: { ...statementDetail(s), ...extra },
  };
}

/** The environment of the identity's account, which sets the severity; unknown is weighed as production. */
export function environmentEvidence(facts: IdentityFacts): Evidence {
  const { environment, how } = facts.environment;
  const unknown = environment === 'unknown' ? '; unknown counts as production' : '';
  return {
    kind: 'environment',
    summary: `identity's account ${facts.identity.accountId} is ${environment} (${how})${unknown}`,
    detail: { accountId: facts.identity.accountId, environment, how },
  };
}

/** Policies that could not be read: the grant, and so the finding, may be incomplete. */
export function incompleteGrantEvidence(grant: EffectiveGrant): Evidence[] {
  return grant.errors.map((e) => ({
    kind: 'coverage' as const,
    summary: `grant incomplete: ${e.message}`,
    detail: { policyName: e.policyName, policyArn: e.policyArn, policyKind: e.kind },
  }));
}

/** The audit window as usage evidence names it. */
export function windowText(ctx: RuleContext): string {
  return `the ${ctx.window.days}-day window ${ctx.window.from}..${ctx.window.to}`;
}
