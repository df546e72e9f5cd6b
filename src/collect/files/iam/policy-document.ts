/**
 * Policy documents arrive three ways: decoded objects (CLI output), JSON
 * strings (some exporters), and URL-encoded JSON (the raw IAM API). All are
 * decoded here and checked for the shape the analysers rely on.
 */
import { z } from 'zod';
import type { PolicyDocument } from '../../../model/policy.js';
import { jsonSyntaxError } from './export-file.js';

const oneOrManyStrings = z.union([z.string(), z.array(z.string())]);

const statementSchema = z.looseObject({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Action: oneOrManyStrings.optional(),
  NotAction: oneOrManyStrings.optional(),
  Resource: oneOrManyStrings.optional(),
  NotResource: oneOrManyStrings.optional(),
  Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  Principal: z.unknown().optional(),
  NotPrincipal: z.unknown().optional(),
});

const documentSchema = z.looseObject({
  Version: z.string().optional(),
  Id: z.string().optional(),
  Statement: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]),
});

/** Thrown when a policy document cannot be decoded; the message says what was wrong. */
export class PolicyDocumentError extends Error {}

function parseJsonText(text: string): unknown {
  const trimmed = text.trim();
  let json = trimmed;
  // URL-encoded JSON starts with an encoded brace (`%7B`).
  if (/^%7b/i.test(trimmed)) {
    try {
      json = decodeURIComponent(trimmed);
    } catch {
      throw new PolicyDocumentError('is not valid URL-encoded JSON (malformed percent-encoding)');
    }
  } else if (!trimmed.startsWith('{')) throw new PolicyDocumentError('is a string that is neither JSON nor URL-encoded JSON');
  try {
    return JSON.parse(json);
  } catch {
    throw new PolicyDocumentError(`is not valid JSON (${jsonSyntaxError(json).where})`);
  }
}

function notAPolicy(issue: z.core.$ZodIssue | undefined, prefix: PropertyKey[]): PolicyDocumentError {
  const path = [...prefix, ...(issue?.path ?? [])];
  const where = path.length ? path.map(String).join('.') : 'document';
  return new PolicyDocumentError(`is not an IAM policy (${where}: ${issue?.message ?? 'invalid'})`);
}

/** Decode and validate a policy document; throws PolicyDocumentError naming the problem. */
export function decodePolicyDocument(value: unknown): PolicyDocument {
  let raw: unknown = value;
  if (typeof value === 'string') {
    try {
      raw = parseJsonText(value);
    } catch (err) {
      if (err instanceof PolicyDocumentError) throw err;
      throw new PolicyDocumentError(`is not valid JSON (${(err as Error).name})`);
    }
  }
  if (raw === undefined || raw === null) throw new PolicyDocumentError('is missing');
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) throw notAPolicy(parsed.error.issues[0], []);
  // Statements are checked one by one so the message can point at the bad one.
  const statements = parsed.data.Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  list.forEach((statement, index) => {
    const checked = statementSchema.safeParse(statement);
    if (!checked.success) throw notAPolicy(checked.error.issues[0], Array.isArray(statements) ? ['Statement', index] : ['Statement']);
  });
  return parsed.data as PolicyDocument;
}
