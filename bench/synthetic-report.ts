/**
 * Report-sized workloads for the report benchmarks and tests: the bundled
 * sample organisation audited through the CLI (real figures and evidence),
 * scaled to many identities by cloning its identities across accounts and
 * environments with a deterministic PRNG.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { reportSchema, type AuditReport } from '../src/report/json-schema.js';
import { groupBy } from '../src/util/group-by.js';
import { prng } from './prng.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SAMPLE = path.join(root, 'samples', 'acme');
export const SAMPLE_CONFIG = path.join(root, 'examples', 'keywarden.example.yaml');

/** Runs the CLI, capturing output. */
export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'keywarden', ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

export function sampleAuditArgs(db: string, out: string, ...extra: string[]): string[] {
  return ['--config', SAMPLE_CONFIG, '--db', db, 'audit', '--from', SAMPLE, '--as-of', '2026-11-15', '--window', '60', '--out', out, ...extra];
}

/** The sample audit's JSON report, validated against the report schema. */
export async function sampleReport(): Promise<AuditReport> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-report-'));
  try {
    const run = await cli(...sampleAuditArgs(path.join(tmp, 'k.db'), tmp, '--format', 'json'));
    if (run.code !== 0) throw new Error(`sample audit failed (${run.code}): ${run.err}`);
    return reportSchema.parse(JSON.parse(readFileSync(path.join(tmp, 'latest.json'), 'utf8')));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const ENVIRONMENTS = ['production', 'production', 'staging', 'development', 'unknown'];

/**
 * `count` identities cloned round-robin from `base`, spread over 25 accounts;
 * each clone keeps about `findingShare` of its template's findings.
 */
export function scaledReport(base: AuditReport, count: number, findingShare = 0.3, seed = 8): AuditReport {
  const random = prng(seed);
  const byArn = groupBy(base.findings, (f) => f.identityArn);
  const identities: AuditReport['identities'] = [];
  const findings: AuditReport['findings'] = [];
  for (let n = 0; n < count; n++) {
    const template = base.identities[n % base.identities.length]!;
    const accountId = String(100000000000 + (n % 25));
    const name = `${template.name}-${n}`;
    const arn = template.arn.replace(/::\d{12}:/, `::${accountId}:`).replace(/[^/:]+$/, name);
    const environment = { environment: ENVIRONMENTS[n % ENVIRONMENTS.length]!, how: `account ${accountId} (synthetic)` };
    identities.push({ ...template, arn, name, accountId, accountAlias: `acct-${n % 25}`, environment, agent: { agent: random() < 0.4, reasons: ['synthetic'] } });
    for (const f of byArn.get(template.arn) ?? [])
      if (random() < findingShare) findings.push({ ...f, identityArn: arn, accountId, fingerprint: `${f.fingerprint.slice(0, 40)}-${n}` });
  }
  // The sample's suggestions and reach edges name its own identities, which the clones replace.
  const { suggestions: _suggestions, reach: _reach, ...rest } = base;
  return { ...rest, identities, findings };
}
