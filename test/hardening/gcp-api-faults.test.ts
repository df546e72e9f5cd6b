/**
 * API faults for every GCP collector path (each fetch.ts call, through the
 * real gax, googleapis and REST clients): a server that never answers and
 * one that drops the connection. Throttling, 5xx, PERMISSION_DENIED and
 * malformed bodies are covered by test/collect/gcp/live-collect.test.ts.
 * Each faulted call is tried exactly `attempts` times (the clients' own
 * retries are off), the run completes within the request timeout times the
 * attempts, the call is a coverage gap saying what happened, the rest is
 * still collected, and `keywarden collect gcp` fails closed (exit 2).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCollectGcp } from '../../src/cli/collect-gcp.js';
import { closeGcpClients, createGcpClients } from '../../src/collect/gcp/clients.js';
import { collectGcp } from '../../src/collect/gcp/collect.js';
import type { GcpExportFiles } from '../../src/collect/files/gcp/read-gcp-export.js';
import { openStore } from '../../src/store/index.js';
import { ACME_AS_OF, BILLING, IAM_BOT, OLD_ETL, ORG_ID, acmeGcp } from '../helpers/acme-gcp.js';
import { role } from '../helpers/gcp-audit.js';
import type { OrgSpec } from '../helpers/gcp-org.js';
import { startGcpServer } from '../servers/gcp/server.js';

const TIMEOUT_MS = 250;
const ATTEMPTS = 3;
const retry = { attempts: ATTEMPTS, sleep: async () => {} };

// Live APIs always answer every file an export may lack; two predefined roles, so roles.get has something to fetch.
const spec: OrgSpec = {
  ...acmeGcp,
  projects: acmeGcp.projects.map((p) => ({ ...p, omit: undefined })),
  predefinedRoles: [role('roles/editor', ['storage.buckets.get']), role('roles/iam.serviceAccountUser', ['iam.serviceAccounts.actAs'])],
};
const ORG = `organizations/${ORG_ID}`;
const PROD_FOLDER = 'folders/500000000001';

interface FaultedPath {
  /** The fetch.ts call, for the printed figures. */
  call: string;
  /** `METHOD path` of its requests (the server's fault matching). */
  match: RegExp;
  kind: 'hang' | 'reset';
  /** How many distinct requests the collection makes on this path (each tried ATTEMPTS times). */
  calls: number;
  gap: { scope: string; source: string };
  /** The predefined-role cache: only a changed role is fetched with roles.get. */
  cached?: boolean;
}

/** Every collector path, alternating the fault kind so each client family meets both. */
const PATHS: FaultedPath[] = [
  { call: 'getOrganization', match: /^GET \/v3\/organizations\/\d+$/, kind: 'hang', calls: 1, gap: { scope: ORG, source: 'organization' } },
  { call: 'getIamPolicy (organization)', match: /^POST \/v3\/organizations\/\d+:getIamPolicy$/, kind: 'reset', calls: 1, gap: { scope: ORG, source: 'allow-policy' } },
  { call: 'listCustomRoles (organization)', match: /^GET \/v1\/organizations\/\d+\/roles$/, kind: 'hang', calls: 1, gap: { scope: ORG, source: 'custom-roles' } },
  { call: 'listFolders', match: /^GET \/v3\/folders$/, kind: 'reset', calls: 1, gap: { scope: ORG, source: 'folders' } },
  { call: 'getIamPolicy (folder)', match: /^POST \/v3\/folders\/500000000001:getIamPolicy$/, kind: 'hang', calls: 1, gap: { scope: PROD_FOLDER, source: 'allow-policy' } },
  // One listing per parent: the organisation and its two folders.
  { call: 'listProjects', match: /^GET \/v3\/projects$/, kind: 'reset', calls: 3, gap: { scope: ORG, source: 'projects' } },
  { call: 'getProject', match: /^GET \/v3\/projects\/acme-payments-prod$/, kind: 'hang', calls: 1, gap: { scope: 'gcp:acme-payments-prod', source: 'project' } },
  { call: 'getIamPolicy (project)', match: /^POST \/v3\/projects\/acme-data-staging:getIamPolicy$/, kind: 'reset', calls: 1, gap: { scope: 'projects/acme-data-staging', source: 'allow-policy' } },
  { call: 'getDenyPolicies (list)', match: /^GET \/v2\/policies\/.*projects\/acme-sandbox-ml\/denypolicies$/, kind: 'hang', calls: 1, gap: { scope: 'projects/acme-sandbox-ml', source: 'deny-policy' } },
  { call: 'getDenyPolicies (get)', match: /^GET \/v2\/policies\/.*\/denypolicies\/no-policy-rewrites-by-bots$/, kind: 'reset', calls: 1, gap: { scope: 'projects/acme-payments-prod', source: 'deny-policy' } },
  { call: 'listCustomRoles (project)', match: /^GET \/v1\/projects\/acme-sandbox-ml\/roles$/, kind: 'reset', calls: 1, gap: { scope: 'projects/acme-sandbox-ml', source: 'custom-roles' } },
  // Effective tags name the project in the query: every project's listing fails.
  { call: 'listEffectiveTags', match: /^GET \/v3\/effectiveTags$/, kind: 'hang', calls: 3, gap: { scope: 'gcp:acme-payments-prod', source: 'tags' } },
  { call: 'listServiceAccounts', match: /^GET \/v1\/projects\/acme-data-staging\/serviceAccounts$/, kind: 'hang', calls: 1, gap: { scope: 'gcp:acme-data-staging', source: 'service-accounts' } },
  { call: 'listServiceAccountKeys', match: new RegExp(`^GET /v1/projects/-/serviceAccounts/${OLD_ETL}/keys$`), kind: 'reset', calls: 1, gap: { scope: `gcp:acme-data-staging:${OLD_ETL}`, source: 'service-account-keys' } },
  { call: 'getServiceAccountIamPolicy', match: new RegExp(`^POST /v1/projects/-/serviceAccounts/${IAM_BOT}:getIamPolicy$`), kind: 'hang', calls: 1, gap: { scope: `gcp:acme-payments-prod:${IAM_BOT}`, source: 'service-account-policy' } },
  { call: 'queryActivity (service accounts)', match: /^GET \/v1\/projects\/acme-payments-prod\/.*\/serviceAccountLastAuthentication\/activities:query$/, kind: 'reset', calls: 1, gap: { scope: 'gcp:acme-payments-prod', source: 'activity-analyzer:service-accounts' } },
  { call: 'queryActivity (keys)', match: /^GET \/v1\/projects\/acme-payments-prod\/.*\/serviceAccountKeyLastAuthentication\/activities:query$/, kind: 'hang', calls: 1, gap: { scope: 'gcp:acme-payments-prod', source: 'activity-analyzer:keys' } },
  { call: 'listPolicyInsights', match: /^GET \/v1\/projects\/acme-data-staging\/.*\/insights$/, kind: 'reset', calls: 1, gap: { scope: 'gcp:acme-data-staging', source: 'recommender' } },
  { call: 'listPolicyRecommendations', match: /^GET \/v1\/projects\/acme-payments-prod\/.*\/recommendations$/, kind: 'hang', calls: 1, gap: { scope: 'gcp:acme-payments-prod', source: 'recommender:recommendations' } },
  // entries:list names its project in the body: every project's read fails.
  { call: 'listAuditLogEntries', match: /^POST \/v2\/entries:list$/, kind: 'reset', calls: 3, gap: { scope: 'gcp:acme-sandbox-ml', source: 'audit-logs' } },
  { call: 'listPredefinedRoles', match: /^GET \/v1\/roles$/, kind: 'hang', calls: 1, gap: { scope: 'gcp', source: 'predefined-roles' } },
  { call: 'getPredefinedRole', match: /^GET \/v1\/roles\/editor$/, kind: 'reset', calls: 1, gap: { scope: 'gcp', source: 'predefined-roles' }, cached: true },
];

const REASON = { hang: /^[\w:-]+ could not be read: no answer within the request timeout .* \(3 attempts\)$/, reset: /^[\w:-]+ could not be read: the connection was dropped \(ECONNRESET\) \(3 attempts\)$/ };

interface Outcome {
  path: FaultedPath;
  files: GcpExportFiles;
  requests: number;
  elapsed: number;
}

async function collectWith(path: FaultedPath): Promise<Outcome> {
  const server = await startGcpServer(spec, ACME_AS_OF, { silent: [{ match: path.match, kind: path.kind }] });
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'test' });
  const clients = createGcpClients({ authClient: auth, endpoint: { host: '127.0.0.1', port: server.port, protocol: 'http' }, requestTimeoutMs: TIMEOUT_MS });
  const started = Date.now();
  try {
    // With a cache in which roles/editor changed, the listing finds it and roles.get fetches it.
    const cachedRoles = path.cached ? new Map([['roles/editor', { etag: 'old' }], ['roles/iam.serviceAccountUser', { etag: 'BwX=', title: 'roles/iam.serviceAccountUser', stage: 'GA' }]]) : undefined;
    const files = await collectGcp(clients, { organization: ORG, logsSince: '2026-08-01T00:00:00Z', predefinedRoles: true, cachedRoles, retry });
    return { path, files, requests: server.calls.filter((c) => path.match.test(`${c.method} ${c.path}`)).length, elapsed: Date.now() - started };
  } finally {
    await closeGcpClients(clients);
    await server.close();
  }
}

describe('GCP collectors when a server never answers or drops the connection', () => {
  const outcomes: Outcome[] = [];
  beforeAll(async () => {
    for (const path of PATHS) outcomes.push(await collectWith(path));
    const requests = outcomes.reduce((n, o) => n + o.requests, 0);
    const slowest = Math.max(...outcomes.map((o) => o.elapsed));
    console.log(
      `gcp api faults: ${PATHS.length} collector paths (${PATHS.filter((p) => p.kind === 'hang').length} never answered, ${PATHS.filter((p) => p.kind === 'reset').length} connection dropped), ` +
        `${requests} requests in all = ${ATTEMPTS} attempts per call; each a coverage gap; slowest run ${slowest} ms with a ${TIMEOUT_MS} ms request timeout`,
    );
  }, 120_000);

  it('tries each faulted call exactly `attempts` times, and each run ends within the timeouts it waited for', () => {
    for (const o of outcomes) {
      expect(o.requests, o.path.call).toBe(ATTEMPTS * o.path.calls);
      const waited = o.path.kind === 'hang' ? o.requests * TIMEOUT_MS : 0;
      expect(o.elapsed, o.path.call).toBeLessThan(waited + 10_000);
      expect(o.elapsed, o.path.call).toBeGreaterThanOrEqual(waited * 0.9);
    }
  });

  it('records each failed call as a gap for its scope and source, saying what happened', () => {
    for (const { path, files } of outcomes) {
      const gaps = files.coverage.filter((c) => c.status === 'gap');
      const gap = gaps.find((g) => g.scope === path.gap.scope && g.source === path.gap.source);
      expect(gap, `${path.call}: ${JSON.stringify(gaps)}`).toBeDefined();
      expect(gap!.reason, path.call).toMatch(REASON[path.kind]);
      // Nothing else failed: every gap is this call's, one per request that failed (per parent, per project).
      expect(gaps.every((g) => g.source === path.gap.source), path.call).toBe(true);
      expect(gaps.length, path.call).toBe(path.calls);
    }
  });

  it('still collects what the failed call does not hold', () => {
    const of = (call: string) => outcomes.find((o) => o.path.call === call)!.files;
    // A project whose service-account listing hung keeps its policy; the other projects keep their accounts.
    const staging = of('listServiceAccounts').projects.find((p) => p.folder === 'acme-data-staging')!;
    expect(staging.serviceAccounts).toBeUndefined();
    expect(staging.iamPolicy?.bindings?.length).toBeGreaterThan(0);
    expect(of('listServiceAccounts').projects.find((p) => p.folder === 'acme-payments-prod')!.serviceAccounts!.map((s) => s.email)).toContain(BILLING);
    // With no project listed, the organisation and its folders are still read.
    expect(of('listProjects').projects).toEqual([]);
    expect(of('listProjects').folders).toHaveLength(2);
    expect(of('getPredefinedRole').predefinedRoles).toBeUndefined();
    expect(of('getOrganization').projects).toHaveLength(3);
  });

  it('fails closed: keywarden collect gcp exits 2, prints each gap and stores the scan with them', { timeout: 60_000 }, async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-gcp-faults-'));
    const server = await startGcpServer(spec, ACME_AS_OF, {
      silent: [
        { match: /^GET \/v1\/projects\/acme-sandbox-ml\/serviceAccounts$/, kind: 'hang' },
        { match: /^POST \/v2\/entries:list$/, kind: 'reset' },
      ],
    });
    try {
      const config = path.join(tmp, 'keywarden.yaml');
      writeFileSync(config, `gcp:\n  live:\n    organization: ${ORG}\n    requestTimeoutSeconds: 1\n`);
      const authClient = new OAuth2Client();
      authClient.setCredentials({ access_token: 'test' });
      let err = '';
      const io = { out: () => {}, err: (s: string) => void (err += s) };
      const db = path.join(tmp, 'k.db');
      // The request timeout from the config (1 s): three hung attempts take 3 s.
      const started = Date.now();
      const code = await runCollectGcp({ config, db }, io, { authClient, endpoint: { host: '127.0.0.1', port: server.port, protocol: 'http' }, retry, now: () => ACME_AS_OF });
      expect(Date.now() - started).toBeGreaterThanOrEqual(ATTEMPTS * 1000 * 0.9);
      expect(code, err).toBe(2);
      expect(err).toMatch(/warning: gcp:acme-sandbox-ml \[service-accounts\]: .*no answer within the request timeout/);
      expect(err).toMatch(/warning: gcp:acme-payments-prod \[audit-logs\]: .*connection was dropped/);
      expect(err).toMatch(/4 source\(s\) could not be read \(warnings above\): exit code 2/);
      expect(server.calls.filter((c) => c.status === 0)).toHaveLength(4 * ATTEMPTS);
      const store = openStore(db);
      try {
        const coverage = store.scanContents(store.listScans()[0]!.id).coverage.filter((c) => c.status === 'gap');
        expect(coverage.map((c) => `${c.scope} ${c.source}`).sort()).toEqual([
          'gcp:acme-data-staging audit-logs',
          'gcp:acme-payments-prod audit-logs',
          'gcp:acme-sandbox-ml audit-logs',
          'gcp:acme-sandbox-ml service-accounts',
        ]);
      } finally {
        store.close();
      }
    } finally {
      await server.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
