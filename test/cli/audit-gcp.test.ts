/** `keywarden audit --from <gcloud export>` through the CLI entry point. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { reportSchema } from '../../src/report/json-schema.js';
import { ACME_AS_OF, CI, acmeGcp } from '../helpers/acme-gcp.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';
import { writeGcloudExport } from '../helpers/gcp-org.js';

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(['node', 'keywarden', ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describeFixtures('keywarden audit on a gcloud export', () => {
  let tmp: string;
  let config: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-cli-gcp-'));
    writeGcloudExport(path.join(tmp, 'export'), acmeGcp, ACME_AS_OF);
    config = path.join(tmp, 'keywarden.yaml');
    writeFileSync(
      config,
      `environments:\n  accountTags:\n    - { key: env, value: production, environment: production }\n    - { key: env, value: staging, environment: staging }\n` +
        `gcp:\n  folderEnvironments:\n    - { folder: non-production, environment: development }\n  predefinedRoles: ${JSON.stringify(fixture('gcp/predefined-roles.json.gz'))}\n`,
    );
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('imports a GCP scan, reports it, and fails closed on the coverage gap', async () => {
    const db = path.join(tmp, 'k.db');
    const out = path.join(tmp, 'reports');
    const run = await cli('--config', config, '--db', db, 'audit', '--from', path.join(tmp, 'export'), '--as-of', '2026-11-15', '--out', out);
    expect(run.err).not.toMatch(/internal error/);
    expect(run.err).toMatch(/scan 1 \(gcp\): 3 project\(s\), 6 service accounts, 3 user-managed keys/);
    expect(run.err).toMatch(/warning: gcp:acme-sandbox-ml \[recommender\]/);
    expect(run.code).toBe(2);
    expect(run.out).toContain('ci-deployer@acme-data-staging');
    expect(run.out).toContain('GCP project acme-payments-prod (Acme Payments): 3 identities\n');
    expect(run.out).toMatch(/CRITICAL|critical/);
    const report = reportSchema.parse(JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')));
    expect(report.identities.every((i) => i.provider === 'gcp')).toBe(true);
    expect(report.findings.some((f) => f.ruleId === 'gcp.production-reach' && f.identityArn === CI)).toBe(true);

    const again = await cli('--config', config, '--db', db, 'report', '--provider', 'gcp', '--as-of', '2026-11-15', '--out', out, '--allow-partial');
    expect(again.code).toBe(0);
    expect((await cli('--db', db, 'report', '--provider', 'azure')).code).toBe(3);
  });

  it('names a bad predefined roles file in one line', async () => {
    const bad = path.join(tmp, 'bad.yaml');
    writeFileSync(bad, `gcp:\n  predefinedRoles: nowhere.json\n`);
    const run = await cli('--config', bad, '--db', path.join(tmp, 'b.db'), 'import', path.join(tmp, 'export'));
    expect(run.err).toMatch(/^keywarden: .*nowhere\.json: cannot read roles/m);
    expect(run.code).not.toBe(0);
  });
});
