/**
 * The suppressions file a team checks into its repository
 * (`.keywarden/suppressions.yaml` by default):
 *
 *   suppressions:
 *     - rule: aws.root-level-scope
 *       identity: "arn:aws:iam::111111111111:role/break-glass-*"
 *       granular: "Action::*"            # optional: only this part of the finding
 *       reason: break-glass role, MFA and alarms on use
 *       owner: secops@acme.example
 *       expires: 2027-01-31              # optional, inclusive
 *
 * Every entry needs a reason and an owner: a suppression nobody can explain
 * or answer for is a hole, not a decision. Validated on load; every problem
 * names the file, line and entry.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, parseValidated, readProblem } from '../config/index.js';

export const DEFAULT_SUPPRESSIONS_FILE = '.keywarden/suppressions.yaml';

const text = (what: string) => z.string({ error: `missing: expected ${what}` }).trim().min(1, { error: `expected ${what}, got an empty string` });

/** YYYY-MM-DD that is a real calendar day (2026-02-30 is refused, not rolled over). */
const calendarDay = z
  .string({ error: 'expected a date YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date YYYY-MM-DD' })
  .refine((d) => {
    const t = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
  }, { error: 'not a calendar day' });

const entrySchema = z.strictObject({
  /** Rule id, exact (e.g. aws.production-reach) or a glob (aws.*). */
  rule: text('a rule id such as aws.root-level-scope'),
  /** Identity ARN or service-account email; `*` and `?` wildcards. */
  identity: text('an identity ARN or email (wildcards * and ? allowed)'),
  /** The finding's granular part (e.g. Action::iam:PassRole); glob. Absent: every part. */
  granular: text('a granular part such as Action::iam:PassRole').optional(),
  reason: text('a reason (why this finding is accepted)'),
  owner: text('an owner (who answers for it)'),
  expires: calendarDay.optional(),
});

const fileSchema = z.strictObject({ suppressions: z.array(entrySchema).default([]) });

export type SuppressionEntryInput = z.output<typeof entrySchema>;

export interface SuppressionEntry extends SuppressionEntryInput {
  /** `file#index` (1-based) for reports: which entry matched. */
  source: string;
}

/** Parses suppressions text; `fileName` names the file in messages and picks YAML or JSON. */
export function parseSuppressions(content: string, fileName: string): SuppressionEntry[] {
  const parsed = parseValidated(fileSchema, content, fileName);
  return parsed.suppressions.map((e, i) => ({ ...e, source: `${fileName}#${i + 1}` }));
}

/**
 * The suppressions in effect: the named file (which must exist), else the
 * default file when present, else none.
 */
export function loadSuppressions(file: string | undefined): SuppressionEntry[] {
  const chosen = file ?? (existsSync(DEFAULT_SUPPRESSIONS_FILE) ? DEFAULT_SUPPRESSIONS_FILE : undefined);
  if (chosen === undefined) return [];
  let content: string;
  try {
    content = readFileSync(chosen, 'utf8');
  } catch (error) {
    throw new ConfigError(chosen, [`${chosen}: cannot read suppressions file: ${readProblem(error)}`]);
  }
  return parseSuppressions(content, chosen);
}
