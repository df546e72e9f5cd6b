/**
 * The bundled sample end to end: the staging QA bot reaches production
 * through the staging agent's role (a two-hop chain), the JSON report
 * carries the chain's edges, and `keywarden explain` prints the tree.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { reportSchema, type AuditReport } from '../../src/report/json-schema.js';
import { projectRoot } from '../helpers/fixtures.js';

const SAMPLE = path.join(projectRoot, 'samples', 'acme');
const CONFIG = path.join(projectRoot, 'examples', 'keywarden.example.yaml');
const QA_BOT = 'arn:aws:iam::222222222222:user/agents/qa-bot';
const STAGING_AGENT = 'arn:aws:iam::222222222222:role/agents/staging-agent';
const PROD_DEPLOYER = 'arn:aws:iam::111111111111:role/prod-deployer';

let tmp: string;
let db: string;
let report: AuditReport;

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(['node', 'keywarden', ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-explain-'));
  db = path.join(tmp, 'k.db');
  const out = path.join(tmp, 'reports');
  const run = await cli('--config', CONFIG, '--db', db, 'audit', '--from', SAMPLE, '--as-of', '2026-11-15', '--window', '60', '--out', out);
  expect(run.code).toBe(0);
  report = reportSchema.parse(JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('reach on the bundled sample', () => {
  it('reports the staging QA bot reaching production through two assume-role hops, and the edges it used', () => {
    const finding = report.findings.find((f) => f.ruleId === 'aws.staging-reaches-production' && f.identityArn === QA_BOT)!;
    expect(finding).toMatchObject({ severity: 'critical', granular: `Chain::${PROD_DEPLOYER}` });
    const path = finding.evidence.find((e) => e.kind === 'reach-path')!;
    expect(path.summary).toBe('path (2 hops): qa-bot -[assume-role]-> staging-agent -[assume-role]-> prod-deployer');
    const edges = report.reach!.edges.map((e) => [e.from, e.to, e.edge]);
    expect(edges).toContainEqual([QA_BOT, STAGING_AGENT, 'assume-role']);
    expect(edges).toContainEqual([STAGING_AGENT, PROD_DEPLOYER, 'assume-role']);
    const hop = report.reach!.edges.find((e) => e.from === STAGING_AGENT && e.to === PROD_DEPLOYER)!;
    expect(hop.grantedBy.join('\n')).toContain(`trust policy of ${PROD_DEPLOYER} statement 0 admits ${STAGING_AGENT}`);
    expect(hop.grantedBy.join('\n')).toContain('inline policy "assume-prod-deployer" statement 0 allows sts:AssumeRole');
  });

  it('explain prints the tree with the evidence for each hop', async () => {
    const run = await cli('--config', CONFIG, '--db', db, 'explain', 'qa-bot');
    expect(run.code).toBe(0);
    const lines = run.out.split('\n');
    expect(lines[0]).toMatch(/^arn:aws:iam::222222222222:user\/agents\/qa-bot \(user, account 222222222222 staging/);
    const agent = lines.findIndex((l) => l.includes(`assume-role → ${STAGING_AGENT}`));
    const deployer = lines.findIndex((l) => l.includes(`assume-role → ${PROD_DEPLOYER} (role, account 111111111111 production`));
    expect(agent).toBeGreaterThan(0);
    expect(deployer).toBeGreaterThan(agent);
    // The deeper hop is indented under the first.
    expect(lines[deployer]!.search(/[├└]─/)).toBeGreaterThan(lines[agent]!.search(/[├└]─/));
    expect(run.out).toContain(`because trust policy of ${STAGING_AGENT} statement 0 admits ${QA_BOT}`);
    expect(run.out).toContain('no identity-policy Allow needed');
  });

  it('explain by ARN works, and an unknown identity is one clear line with exit code 3', async () => {
    expect((await cli('--config', CONFIG, '--db', db, 'explain', PROD_DEPLOYER)).code).toBe(0);
    const missing = await cli('--config', CONFIG, '--db', db, 'explain', 'nobody-here');
    expect(missing.code).toBe(3);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toContain('no identity "nobody-here" in the latest scan');
  });
});
