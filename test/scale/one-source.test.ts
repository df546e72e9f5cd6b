/**
 * Local readers leave the partitions a warehouse query loaded to it: CloudTrail
 * files from an Athena-loaded account/region/day prefix are not read, and
 * audit-log entries of a BigQuery-loaded project day are not counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importExportDir } from '../../src/collect/files/import-export-dir.js';
import { importGcpExportDir } from '../../src/collect/files/gcp/import-gcp-export.js';
import { ACME_AS_OF, acmeGcp, BILLING } from '../helpers/acme-gcp.js';
import { projectRoot } from '../helpers/fixtures.js';
import { writeGcloudExport } from '../helpers/gcp-org.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-one-source-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('one source per partition', () => {
  it('an export import does not read CloudTrail files of partitions Athena loaded', async () => {
    const dir = path.join(projectRoot, 'samples/acme');
    const all = await importExportDir(dir, { alreadyIngested: () => false });
    const owned = (p: { accountId: string; region: string; day: string }) => p.accountId === '111111111111' && p.region === 'us-east-1' && p.day >= '2026-11-01';
    const some = await importExportDir(dir, { alreadyIngested: () => false, queryOwned: owned });
    const skipped = all.snapshot.ingested.filter((o) => /AWSLogs\/111111111111\/CloudTrail\/us-east-1\/2026\/11\//.test(o.location));
    expect(skipped.length).toBeGreaterThan(0);
    expect(some.snapshot.ingested).toHaveLength(all.snapshot.ingested.length - skipped.length);
    expect(some.snapshot.coverage).toContainEqual(expect.objectContaining({ scope: 'aws', source: 'cloudtrail', status: 'ok', reason: expect.stringMatching(new RegExp(`^${skipped.length} CloudTrail file\\(s\\) not read: .*Athena`)) }));
    const events = (r: typeof all) => r.cloudTrail.events;
    expect(events(some)).toBe(events(all) - skipped.reduce((n, o) => n + o.events, 0));
  });

  it('a gcloud export import does not count audit-log entries of project days BigQuery loaded', () => {
    writeGcloudExport(tmp, acmeGcp, ACME_AS_OF);
    const all = importGcpExportDir(tmp, { alreadyIngested: () => false });
    const loaded = all.snapshot.usage.find((u) => u.identityArn === BILLING)!;
    expect(loaded).toBeDefined();
    const some = importGcpExportDir(tmp, { alreadyIngested: () => false, queryOwned: (scope, day) => scope === 'projects/acme-payments-prod' && day === loaded.day });
    expect(some.snapshot.usage).not.toContainEqual(loaded);
    expect(some.snapshot.usage.length).toBeLessThan(all.snapshot.usage.length);
    expect(some.snapshot.coverage).toContainEqual(expect.objectContaining({ scope: 'gcp:acme-payments-prod', source: 'audit-logs', reason: expect.stringMatching(/loaded from BigQuery/) }));
  });
});
