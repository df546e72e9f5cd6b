/**
 * The baseline: fingerprints of the findings a team has already seen, so a
 * pipeline can fail on new findings only. A JSON file checked in next to the
 * suppressions; each entry keeps enough words (rule, identity, title) for a
 * reviewer to read a diff of it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, parseValidated, readProblem } from '../config/index.js';
import type { ReportFinding as Finding } from '../report/json-schema.js';

export const DEFAULT_BASELINE_FILE = '.keywarden/baseline.json';
export const BASELINE_VERSION = 1;

const entrySchema = z.strictObject({
  fingerprint: z.string().regex(/^[0-9a-f]{32}$/, { error: 'expected a 32-character finding fingerprint' }),
  ruleId: z.string(),
  identityArn: z.string(),
  granular: z.string().optional(),
  severity: z.string(),
  title: z.string(),
});

const baselineSchema = z.strictObject({
  version: z.literal(BASELINE_VERSION),
  createdAt: z.string(),
  findings: z.array(entrySchema),
});

export type Baseline = z.output<typeof baselineSchema>;
export type BaselineEntry = z.output<typeof entrySchema>;

export function baselineOf(findings: readonly Finding[], createdAt: Date): Baseline {
  const byFingerprint = new Map<string, BaselineEntry>();
  for (const f of findings) {
    byFingerprint.set(f.fingerprint, {
      fingerprint: f.fingerprint,
      ruleId: f.ruleId,
      identityArn: f.identityArn,
      ...(f.granular !== undefined && { granular: f.granular }),
      severity: f.severity,
      title: f.title,
    });
  }
  // Sorted so regenerating an unchanged baseline gives an unchanged file (clean diffs).
  const sorted = [...byFingerprint.values()].sort((a, b) => a.identityArn.localeCompare(b.identityArn) || a.ruleId.localeCompare(b.ruleId) || a.fingerprint.localeCompare(b.fingerprint));
  return { version: BASELINE_VERSION, createdAt: createdAt.toISOString(), findings: sorted };
}

export function serializeBaseline(baseline: Baseline): string {
  return JSON.stringify(baseline, null, 2) + '\n';
}

export function parseBaseline(content: string, fileName: string): Baseline {
  return parseValidated(baselineSchema, content, fileName.endsWith('.json') ? fileName : `${fileName}.json`);
}

export function readBaseline(file: string): Baseline {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`${file}: cannot read baseline file: ${readProblem(error)} (create it with \`keywarden baseline write --out ${file}\`)`]);
  }
  return parseBaseline(content, file);
}
