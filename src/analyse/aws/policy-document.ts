/**
 * Reads an IAM permissions policy document in any of the shapes exports use
 * (decoded object, JSON string, URL-encoded JSON string as the raw IAM API
 * returns it) and checks it against the policy grammar, so expansion can
 * trust the shape. Anything IAM itself would refuse is an error naming the
 * statement, never a guess.
 */
import type { ConditionBlock, PolicyDocument, PolicyStatement } from '../../model/policy.js';

export interface PolicyDocumentError {
  message: string;
  /** Zero-based statement index when the problem is inside one statement. */
  statementIndex?: number;
}

export interface NormalisedStatement {
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** Action patterns as written, or NotAction patterns when `notAction`. */
  patterns: string[];
  notAction: boolean;
  resources?: string[];
  notResources?: string[];
  /** Kept verbatim; absent when the statement has none (an empty block counts as none). */
  condition?: ConditionBlock;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: PolicyDocumentError };

const fail = (message: string, statementIndex?: number): { ok: false; error: PolicyDocumentError } => ({
  ok: false,
  error: statementIndex === undefined ? { message } : { message, statementIndex },
});

const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
};

/** Decodes a policy document given as an object, a JSON string or a URL-encoded JSON string. */
export function decodePolicyDocument(raw: unknown): Parsed<Record<string, unknown>> {
  let value = raw;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return fail('policy document is an empty string');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // The raw IAM API returns documents URL-encoded (RFC 3986: %7B…, spaces as %20).
      if (!text.startsWith('%')) return fail(`policy document is not JSON: ${describe(text)}`);
      try {
        parsed = JSON.parse(decodeURIComponent(text));
      } catch (error) {
        return fail(`policy document is neither JSON nor URL-encoded JSON (${(error as Error).message})`);
      }
    }
    value = parsed;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail(`policy document must be a JSON object, got ${describe(value)}`);
  }
  return { ok: true, value: value as Record<string, unknown> };
}

function stringList(value: unknown, field: string, index: number): Parsed<string[]> {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) return fail(`${field} is an empty list`, index);
  for (const item of list) {
    if (typeof item !== 'string') return fail(`${field} must be a string or a list of strings, found ${describe(item)}`, index);
  }
  return { ok: true, value: list as string[] };
}

function conditionBlock(value: unknown, index: number): Parsed<ConditionBlock | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail(`Condition must be an object of operators, got ${describe(value)}`, index);
  }
  for (const [operator, keys] of Object.entries(value)) {
    if (keys === null || typeof keys !== 'object' || Array.isArray(keys)) {
      return fail(`Condition operator ${operator} must map condition keys to values, got ${describe(keys)}`, index);
    }
  }
  return { ok: true, value: Object.keys(value).length === 0 ? undefined : (value as ConditionBlock) };
}

function statement(raw: unknown, index: number): Parsed<NormalisedStatement> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail(`statement must be an object, got ${describe(raw)}`, index);
  }
  const s = raw as Partial<Record<keyof PolicyStatement, unknown>>;
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') {
    return fail(`Effect must be "Allow" or "Deny", got ${describe(s.Effect)}`, index);
  }
  if (s.Sid !== undefined && typeof s.Sid !== 'string') return fail(`Sid must be a string, got ${describe(s.Sid)}`, index);
  if ((s.Action === undefined) === (s.NotAction === undefined)) {
    return fail('statement needs exactly one of Action or NotAction', index);
  }
  if ((s.Resource === undefined) === (s.NotResource === undefined)) {
    return fail('statement needs exactly one of Resource or NotResource (identity policies always name resources)', index);
  }
  const notAction = s.NotAction !== undefined;
  const patterns = stringList(notAction ? s.NotAction : s.Action, notAction ? 'NotAction' : 'Action', index);
  if (!patterns.ok) return patterns;
  const condition = conditionBlock(s.Condition, index);
  if (!condition.ok) return condition;
  const out: NormalisedStatement = { index, effect: s.Effect, patterns: patterns.value, notAction };
  if (typeof s.Sid === 'string') out.sid = s.Sid;
  if (s.Resource !== undefined) {
    const resources = stringList(s.Resource, 'Resource', index);
    if (!resources.ok) return resources;
    out.resources = resources.value;
  } else {
    const notResources = stringList(s.NotResource, 'NotResource', index);
    if (!notResources.ok) return notResources;
    out.notResources = notResources.value;
  }
  if (condition.value) out.condition = condition.value;
  return { ok: true, value: out };
}

/** Decodes and checks a permissions policy, returning its statements in document order. */
export function normalisePolicyDocument(raw: unknown): Parsed<NormalisedStatement[]> {
  const decoded = decodePolicyDocument(raw);
  if (!decoded.ok) return decoded;
  const doc = decoded.value as Partial<Record<keyof PolicyDocument, unknown>>;
  if (doc.Statement === undefined) return fail('policy document has no Statement');
  const rawStatements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const statements: NormalisedStatement[] = [];
  for (let i = 0; i < rawStatements.length; i++) {
    const parsed = statement(rawStatements[i], i);
    if (!parsed.ok) return parsed;
    statements.push(parsed.value);
  }
  return { ok: true, value: statements };
}
