/**
 * The live GCP collectors, with the real Google clients over HTTP against a
 * local server built from the acme organisation description: pagination,
 * 429/503 retries, PERMISSION_DENIED on one project, a malformed response.
 * What they collect must equal what the gcloud export of the same
 * organisation imports.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { OAuth2Client } from 'google-auth-library';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { closeGcpClients, createGcpClients, type GcpClients } from '../../../src/collect/gcp/clients.js';
import { collectGcp } from '../../../src/collect/gcp/collect.js';
import { importGcpExportDir } from '../../../src/collect/files/gcp/import-gcp-export.js';
import { gcpExportToSnapshot } from '../../../src/collect/files/gcp/to-snapshot.js';
import type { Snapshot } from '../../../src/model/domain.js';
import type { GcpRoleWire } from '../../../src/model/gcp-wire.js';
import { ACME_AS_OF, ORG_ID, acmeGcp } from '../../helpers/acme-gcp.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';
import { writeGcloudExport, type OrgSpec } from '../../helpers/gcp-org.js';
import { startGcpServer, type GcpFaults, type GcpTestServer } from '../../servers/gcp/server.js';

const noSleep = { sleep: async () => {}, attempts: 4 };
const LOGS_SINCE = '2026-08-01T00:00:00Z';

describeFixtures('live GCP collection against local API servers', () => {
  let spec: OrgSpec;
  let server: GcpTestServer | undefined;
  let clients: GcpClients | undefined;

  beforeAll(() => {
    const all = JSON.parse(gunzipSync(readFileSync(fixture('gcp/predefined-roles.json.gz'))).toString('utf8')) as GcpRoleWire[];
    const bound = new Set(['roles/editor', 'roles/owner', 'roles/iam.serviceAccountUser', 'roles/bigquery.dataViewer', 'roles/storage.admin', 'roles/run.developer', 'roles/aiplatform.user', 'roles/iam.securityReviewer']);
    // Live APIs always answer; leaving files out is an offline-only fault.
    spec = { ...acmeGcp, projects: acmeGcp.projects.map((p) => ({ ...p, omit: undefined })), predefinedRoles: all.filter((r) => bound.has(r.name!)) };
  });
  afterEach(async () => {
    if (clients) await closeGcpClients(clients);
    await server?.close();
    clients = undefined;
    server = undefined;
  });

  async function collectLive(faults: GcpFaults) {
    server = await startGcpServer(spec, ACME_AS_OF, faults);
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'test' });
    clients = createGcpClients({ authClient: auth, endpoint: { host: '127.0.0.1', port: server.port, protocol: 'http' } });
    const files = await collectGcp(clients, { organization: `organizations/${ORG_ID}`, logsSince: LOGS_SINCE, predefinedRoles: true, retry: noSleep });
    return gcpExportToSnapshot(files, { source: 'live:test', collectedAt: ACME_AS_OF.toISOString(), alreadyIngested: () => false }).snapshot;
  }

  function offline(): Snapshot {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-live-vs-offline-'));
    try {
      writeGcloudExport(tmp, spec, ACME_AS_OF);
      return importGcpExportDir(tmp, { alreadyIngested: () => false, now: () => ACME_AS_OF }).snapshot;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  const sortBy = <T>(list: T[], key: (t: T) => string) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
  /** What both paths must agree on. */
  const essence = (s: Snapshot) => ({
    accounts: sortBy(s.accounts, (a) => a.accountId),
    identities: sortBy(s.identities, (i) => i.arn),
    credentials: sortBy(s.credentials, (c) => c.id),
    usage: sortBy(s.usage, (u) => `${u.identityArn}|${u.action}|${u.day}`),
    resources: sortBy(s.gcp!.resources, (r) => r.name),
    bindings: sortBy(s.gcp!.bindings, (b) => `${b.resource}|${b.role}|${b.member}`),
    denyRules: s.gcp!.denyRules.map(({ policyName: _name, ...rule }) => rule),
    roles: sortBy(s.gcp!.roles, (r) => r.name),
    keys: sortBy(s.gcp!.keys, (k) => k.keyId),
    lastAuthentications: sortBy(s.gcp!.lastAuthentications, (a) => `${a.subject}|${a.id}`),
    insights: sortBy(s.gcp!.insights.map(({ name: _n, ...i }) => i), (i) => `${i.serviceAccount}|${i.role}`),
    recommendations: sortBy(s.gcp!.recommendations, (r) => `${r.serviceAccount}|${r.role}`),
  });

  it('collects, page by page and through 429/503 retries, exactly what the gcloud export holds', async () => {
    const live = await collectLive({
      pageSize: 1,
      transient: [
        { match: /^GET \/v1\/projects\/[^/]+\/serviceAccounts$/, status: 429, times: 2 },
        { match: /^POST \/v3\/folders\/.*:getIamPolicy$/, status: 503, times: 1 },
        { match: /^POST \/v2\/entries:list$/, status: 503, times: 1 },
      ],
    });
    expect(live.coverage.filter((c) => c.status === 'gap')).toEqual([]);
    expect(offline().coverage.filter((c) => c.status === 'gap')).toEqual([]);
    expect(essence(live)).toEqual(essence(offline()));
    expect(live.identities).toHaveLength(6);
    // Tags (effectiveTags.list) and ACTIVE role recommendations came through the real clients too.
    expect(live.gcp!.resources.find((r) => r.name === 'projects/acme-payments-prod')!.tags).toEqual({ [`${ORG_ID}/environment`]: 'production' });
    expect(sortBy(live.gcp!.recommendations, (r) => r.serviceAccount).map((r) => [r.serviceAccount, r.role, r.replacements, r.subtype])).toEqual([
      ['ci-deployer@acme-data-staging.iam.gserviceaccount.com', 'roles/editor', ['roles/iam.serviceAccountUser', 'roles/run.developer'], 'REPLACE_ROLE'],
      ['old-etl@acme-data-staging.iam.gserviceaccount.com', 'roles/storage.admin', [], 'REMOVE_ROLE'],
    ]);
    const statuses = server!.calls.map((c) => c.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(statuses.filter((s) => s === 503)).toHaveLength(2);
    // Pagination happened: more than one service-account page for a project with three accounts.
    expect(server!.calls.filter((c) => c.path === '/v1/projects/acme-payments-prod/serviceAccounts').length).toBe(3);
  });

  it('records PERMISSION_DENIED on one project as gaps for it, and collects the others', async () => {
    const live = await collectLive({ deniedProjects: ['acme-data-staging'] });
    const gaps = live.coverage.filter((c) => c.status === 'gap');
    expect(gaps.length).toBeGreaterThan(3);
    expect(gaps.every((g) => g.scope.startsWith('gcp:acme-data-staging') || g.scope === 'projects/acme-data-staging')).toBe(true);
    expect(gaps.find((g) => g.source === 'service-accounts')!.reason).toMatch(/permission denied/);
    expect(live.identities.map((i) => i.accountId).sort()).toEqual(['acme-payments-prod', 'acme-payments-prod', 'acme-payments-prod', 'acme-sandbox-ml']);
  });

  it('turns a malformed response into a gap naming the call, not an empty project', async () => {
    const live = await collectLive({ malformed: [{ match: /^GET \/v1\/projects\/acme-sandbox-ml\/serviceAccounts$/, body: '{"accounts": {"not": "a list"}}' }] });
    expect(live.coverage).toContainEqual(expect.objectContaining({ scope: 'gcp:acme-sandbox-ml', source: 'service-accounts', status: 'gap', reason: expect.stringMatching(/`accounts` is not a list/) }));
    expect(live.identities.filter((i) => i.accountId === 'acme-sandbox-ml')).toEqual([]);
    expect(live.identities).toHaveLength(5);
  });

  it('gives up after the retry budget and says so', async () => {
    const live = await collectLive({ transient: [{ match: /activities:query$/, status: 503, times: 100 }] });
    const gaps = live.coverage.filter((c) => c.source.startsWith('activity-analyzer'));
    expect(gaps).toHaveLength(6);
    expect(gaps[0]!.reason).toMatch(/503|unavailable/i);
  });
});

