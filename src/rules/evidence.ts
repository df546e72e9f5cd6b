/**
 * Evidence pieces the AWS grant rules share, so that a policy statement, an
 * environment or an incomplete grant reads the same in every finding.
 * Wording a rule owns (which resources count, extra detail keys) is passed
 * in by the caller. Cloud-supplied text goes through `printable`.
 */
import { describeHeldStatement, type EffectiveGrant, type GrantingStatement, type HeldStatement, type HeldStatementRole } from '../analyse/aws/effective-grant.js';
import type { ExpandedStatement } from '../analyse/aws/policy-expansion.js';
import { printable } from '../config/patterns.js';
import type { Evidence } from '../model/finding.js';
import type { IdentityFacts, RuleContext } from './rule.js';

/** Which side of the evaluation a statement speaks for. */
export type StatementRole = HeldStatementRole;

/**
 * One statement document as a rule indexes it: a policy attached several ways
 * (directly, via groups) is one entry, with every attachment in `held`.
 */
export interface IndexedStatementRef {
  role: StatementRole;
  policyHash: string;
  statementIndex: number;
  /** The document's statement (the same object for every attachment). */
  statement: ExpandedStatement;
  /** Every attachment of it, in the grant's order. */
  held: HeldStatement[];
  /** Where its first attachment is in the list it was grouped from: the order grantsFor and friends list statements in. */
  position: number;
}

/**
 * Statements of one role (a filtered `grant.statements(role)`, in its order)
 * grouped by document, in the order of each document's first attachment.
 */
export function byDocument(role: StatementRole, held: readonly HeldStatement[]): IndexedStatementRef[] {
  const byKey = new Map<ExpandedStatement, IndexedStatementRef>();
  held.forEach((h, position) => {
    // The expander shares one expansion per policy hash, so the statement object stands for (hash, index).
    const key = h.statement;
    const entry = byKey.get(key);
    if (entry) entry.held.push(h);
    else byKey.set(key, { role, policyHash: h.source.policyHash, statementIndex: h.statement.index, statement: h.statement, held: [h], position });
  });
  return [...byKey.values()];
}

/** The identity's own statements (with their sources) behind an indexed statement: one document may be attached several ways. */
export function sourcesOf(entry: IndexedStatementRef): GrantingStatement[] {
  return entry.held.map(described);
}

/** A held statement as grantsFor would list it (described once, shared: evidence copies what it shows). */
export const described = describeHeldStatement;

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

/** What statement evidence says of a statement whatever the finding: worked out once per described statement. */
interface StatementText {
  /** `<source> statement <n> (Sid "…") <verb>` */
  head: string;
  condition: string;
  detail: Record<string, unknown>;
}

function statementText(s: GrantingStatement): StatementText {
  let text = statementTexts.get(s);
  if (!text) {
    const sid = s.sid ? ` (Sid "${printable(s.sid)}")` : '';
    // A boundary grants nothing by itself: it only lets the identity's own grants through.
    const verb = s.effect === 'Deny' ? 'denies' : s.kind === 'permissions-boundary' ? 'lets through' : 'allows';
    text = { head: `${sourceText(s)} statement ${s.statementIndex}${sid} ${verb}`, condition: conditionText(s), detail: statementDetail(s) };
    statementTexts.set(s, text);
  }
  return text;
}
// Keyed by the described statement: `described` hands every finding of an identity the same object.
const statementTexts = new WeakMap<GrantingStatement, StatementText>();

/**
 * One statement as evidence: `<source> statement <n> (Sid "…") allows|denies|lets through <what> on <on><condition>`.
 * `on` is the rule's reading of the statement's resources; `extra` is appended to the detail, after the statement's own fields.
 */
export function statementEvidence(s: GrantingStatement, what: string, on: string, extra: Record<string, unknown> = {}): Evidence {
  const text = statementText(s);
  const scope = s.notAction ? `${what} (NotAction: every action except those it lists)` : what;
  return {
    kind: 'policy-statement',
    summary: `${text.head} ${scope} on ${on}${text.condition}`,
    // Object.assign, not `{ ...a, ...b }`: V8's spread-then-add path is slow, and evidence is built per finding.
    detail: Object.assign({}, text.detail, extra),
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
