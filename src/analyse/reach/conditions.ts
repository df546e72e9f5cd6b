/**
 * Conditions on reach edges. A condition keyword the graph can decide from
 * the scan alone (which principal is asking: aws:PrincipalArn,
 * aws:PrincipalAccount, aws:username) is decided; every other one (external
 * id, organisation id, MFA, source IP, tags) is kept on the edge and shown,
 * never silently treated as unconditional and never as impossible.
 */
import { globMatches, printable } from '../../config/patterns.js';
import { asArray, type ConditionBlock } from '../../model/policy.js';

/** `StringEquals sts:ExternalId = "abc"; Bool aws:MultiFactorAuthPresent = "true"` */
export function conditionText(block: ConditionBlock): string {
  const parts: string[] = [];
  for (const [op, keys] of Object.entries(block)) {
    for (const [key, value] of Object.entries(keys)) {
      const values = asArray(value).map((v) => JSON.stringify(typeof v === 'string' ? printable(v, 80) : v));
      parts.push(`${printable(op)} ${printable(key)} = ${values.length === 1 ? values[0] : `[${values.join(', ')}]`}`);
    }
  }
  return parts.join('; ');
}

export interface CallerFacts {
  arn: string;
  accountId: string;
  /** User name, for aws:username. */
  userName?: string;
}

/** Operators whose meaning on a single-valued key the graph can evaluate, by how they compare. */
const EXACT = new Set(['stringequals', 'arnequals', 'stringequalsignorecase']);
const LIKE = new Set(['stringlike', 'arnlike']);
const NEGATED_EXACT = new Set(['stringnotequals', 'arnnotequals', 'stringnotequalsignorecase']);
const NEGATED_LIKE = new Set(['stringnotlike', 'arnnotlike']);

function callerValue(key: string, caller: CallerFacts): string | undefined {
  switch (key.toLowerCase()) {
    case 'aws:principalarn':
      return caller.arn;
    case 'aws:principalaccount':
      return caller.accountId;
    case 'aws:username':
      return caller.userName;
    default:
      return undefined;
  }
}

export interface ConditionVerdict {
  /** False: a decidable condition rules the caller out. */
  admits: boolean;
  /** The conditions left undecided, in words (empty: unconditional for this caller). */
  pending: string[];
}

/**
 * Decides what can be decided of a condition block for one caller. Keys the
 * caller fixes are checked (every key in a block must hold: AND); the rest
 * are returned as pending. `IfExists` and set operators are left pending.
 */
const UNCONDITIONAL: ConditionVerdict = Object.freeze({ admits: true, pending: [] as string[] }) as ConditionVerdict;
/** Blocks naming no key a caller fixes: their verdict is the same for every caller, so it is worked out once. */
const callerIndependent = new WeakMap<ConditionBlock, ConditionVerdict | false>();
const CALLER_KEYS = new Set(['aws:principalarn', 'aws:principalaccount', 'aws:username']);

export function evaluateForCaller(block: ConditionBlock | undefined, caller: CallerFacts): ConditionVerdict {
  if (!block) return UNCONDITIONAL;
  let shared = callerIndependent.get(block);
  if (shared === undefined) {
    const dependsOnCaller = Object.values(block).some((keys) => Object.keys(keys).some((k) => CALLER_KEYS.has(k.toLowerCase())));
    shared = dependsOnCaller ? false : decide(block, caller);
    callerIndependent.set(block, shared);
  }
  return shared || decide(block, caller);
}

function decide(block: ConditionBlock, caller: CallerFacts): ConditionVerdict {
  const pending: string[] = [];
  for (const [op, keys] of Object.entries(block)) {
    const operator = op.toLowerCase();
    for (const [key, raw] of Object.entries(keys)) {
      const value = callerValue(key, caller);
      const decidable = value !== undefined && (EXACT.has(operator) || LIKE.has(operator) || NEGATED_EXACT.has(operator) || NEGATED_LIKE.has(operator));
      if (!decidable) {
        pending.push(conditionText({ [op]: { [key]: raw } }));
        continue;
      }
      const wanted = asArray(raw).map(String);
      const exact = (w: string) => w.toLowerCase() === value.toLowerCase();
      const like = (w: string) => globMatches(w, value);
      const matched = EXACT.has(operator) || NEGATED_EXACT.has(operator) ? wanted.some(exact) : wanted.some(like);
      const negated = NEGATED_EXACT.has(operator) || NEGATED_LIKE.has(operator);
      if (matched === negated) return { admits: false, pending: [] };
    }
  }
  return { admits: true, pending };
}
