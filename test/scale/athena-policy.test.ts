/**
 * policies/keywarden-athena-policy.json grants the Athena operations a full
 * `collect athena --create-table` run sends (recorded at the SDK client),
 * and no other Athena action; its other statements name real actions of the
 * AWS catalog (they are for Athena, acting for keywarden).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { awsClientFactory } from '../../src/collect/aws/clients.js';
import { ensureCloudTrailTable, loadCloudTrailFromAthena } from '../../src/scale/athena.js';
import { CLOUDTRAIL_ROW_COLUMNS } from '../../src/scale/athena-sql.js';
import { GIB } from '../../src/scale/plan.js';
import { openStore } from '../../src/store/index.js';
import { projectRoot } from '../helpers/fixtures.js';
import { FakeAthenaServer } from '../servers/aws/athena-server.js';
import { recordOperations } from '../servers/aws/harness.js';

const policy = JSON.parse(readFileSync(path.join(projectRoot, 'policies/keywarden-athena-policy.json'), 'utf8')) as { Statement: { Sid: string; Action: string[]; Resource: string | string[] }[] };

describe('the Athena policy', () => {
  const ops: string[] = [];
  let server: FakeAthenaServer;
  beforeAll(async () => {
    let runs = 0;
    server = new FakeAthenaServer({
      answer: () => ({ columns: [...CLOUDTRAIL_ROW_COLUMNS], rows: [] }),
      // The last query never finishes, so the run also stops one.
      script: () => (runs++ < 3 ? { states: ['SUCCEEDED'] } : { states: ['RUNNING'] }),
    });
    const endpoint = await server.start();
    const client = awsClientFactory({ region: 'us-east-1', maxAttempts: 1, endpoints: { athena: endpoint }, credentials: { accessKeyId: 'AKIAKEYWARDENTEST001', secretAccessKey: 'x' }, instrument: recordOperations(ops) }).athena();
    const store = openStore(':memory:');
    const settings = { table: { database: 'keywarden', table: 'cloudtrail' }, maxScannedBytes: GIB, poll: { timeoutMs: 100, initialDelayMs: 5, maxDelayMs: 20 } };
    const now = new Date('2026-11-15T12:00:00Z');
    await ensureCloudTrailTable(client, settings, { bucket: 'acme-trail', prefix: '', accounts: ['111111111111'], regions: ['us-east-1'], fromDay: '2026-01-01' });
    await loadCloudTrailFromAthena(client, store, { ...settings, window: { from: '2026-11-01', to: '2026-11-15' }, now });
    await loadCloudTrailFromAthena(client, store, { ...settings, window: { from: '2026-11-01', to: '2026-11-15' }, now });
    store.close();
    client.destroy();
  }, 30_000);
  afterAll(() => server.stop());

  it("grants exactly the Athena operations keywarden sends, on the workgroup only", () => {
    const sent = [...new Set(ops)].map((o) => o.replace(/^Athena:/, 'athena:')).sort();
    expect(sent).toEqual(['athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StartQueryExecution', 'athena:StopQueryExecution']);
    const athena = policy.Statement.filter((s) => s.Action.some((a) => a.startsWith('athena:')));
    expect(athena).toHaveLength(1);
    expect([...athena[0]!.Action].sort()).toEqual(sent);
    expect(athena[0]!.Resource).toBe('arn:aws:athena:REGION:ACCOUNT_ID:workgroup/WORKGROUP');
  });

  it('names only real actions, none of them on the trail bucket a write', async () => {
    const catalog = await loadAwsActionCatalog();
    for (const s of policy.Statement) for (const action of s.Action) expect(catalog.indexOf(action), action).toBeDefined();
    const trail = policy.Statement.find((s) => s.Sid === 'AthenaReadsTheTrailForTheQuery')!;
    expect(trail.Action.map((a) => catalog.accessLevelAt(catalog.indexOf(a)!)).every((level) => level === 'Read' || level === 'List')).toBe(true);
  });
});
