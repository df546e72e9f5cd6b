/**
 * `keywarden collect gcp` and `keywarden audit` from the live GCP source,
 * end to end: the real Google clients over HTTP against the local API
 * server, straight into the store (no export directory), the predefined-role
 * cache checked on later runs, tags deciding environments and role
 * recommendations carried into findings.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFileSync as readGz } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { OAuth2Client } from 'google-auth-library';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCollectGcp } from '../../src/cli/collect-gcp.js';
import { runAudit } from '../../src/cli/commands.js';
import { main } from '../../src/cli/main.js';
import type { GcpRoleWire } from '../../src/model/gcp-wire.js';
import { reportSchema } from '../../src/report/json-schema.js';
import { openStore } from '../../src/store/index.js';
import { ACME_AS_OF, CI, ORG_ID, acmeGcp } from '../helpers/acme-gcp.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';
import type { OrgSpec } from '../helpers/gcp-org.js';
import { startGcpServer, type GcpFaults, type GcpTestServer } from '../servers/gcp/server.js';

const DAY = 86_400_000;

describeFixtures('keywarden collect gcp / audit from gcp.live', () => {
  let tmp: string;
  let server: GcpTestServer | undefined;
  let spec: OrgSpec;

  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-collect-gcp-'));
    const all = JSON.parse(gunzipSync(readGz(fixture('gcp/predefined-roles.json.gz'))).toString('utf8')) as GcpRoleWire[];
    const bound = new Set(['roles/editor', 'roles/owner', 'roles/iam.serviceAccountUser', 'roles/bigquery.dataViewer', 'roles/storage.admin', 'roles/run.developer', 'roles/aiplatform.user', 'roles/iam.securityReviewer']);
    spec = { ...acmeGcp, projects: acmeGcp.projects.map((p) => ({ ...p, omit: undefined })), predefinedRoles: all.filter((r) => bound.has(r.name!)) };
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    rmSync(tmp, { recursive: true, force: true });
  });

  function config(extra = ''): string {
    const file = path.join(tmp, 'keywarden.yaml');
    writeFileSync(
      file,
      `gcp:\n  live:\n    organization: organizations/${ORG_ID}\n    logDays: 120\n` +
        `  tagEnvironments:\n    - { key: '*/environment', value: production, environment: production }\n    - { key: '*/environment', value: staging, environment: staging }\n${extra}`,
    );
    return file;
  }

  async function run(faults: GcpFaults = {}, at = ACME_AS_OF) {
    server ??= await startGcpServer(spec, ACME_AS_OF, faults);
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: 'test' });
    return { authClient, endpoint: { host: '127.0.0.1', port: server.port, protocol: 'http' as const }, now: () => at };
  }

  const io = () => {
    const lines = { out: '', err: '' };
    return { lines, io: { out: (s: string) => void (lines.out += s), err: (s: string) => void (lines.err += s) } };
  };
  const db = () => path.join(tmp, 'k.db');
  const roleCalls = () => server!.calls.filter((c) => c.path.startsWith('/v1/roles')).map((c) => c.path);

  it('stores one scan from the live APIs, then fetches only predefined roles that changed', async () => {
    const opts = { config: config(), db: db() };
    const first = io();
    expect(await runCollectGcp(opts, first.io, await run())).toBe(0);
    expect(first.lines.err).toMatch(/scan 1 \(gcp\): 3 project\(s\), 6 service accounts, .* 2 role recommendations/);
    expect(roleCalls()).toEqual(['/v1/roles']);

    // Second run, nothing changed: one listing without permissions, no role fetched, nothing new stored.
    server!.calls.length = 0;
    const second = io();
    expect(await runCollectGcp(opts, second.io, await run(undefined, new Date(ACME_AS_OF.getTime() + DAY)))).toBe(0);
    expect(roleCalls()).toEqual(['/v1/roles']);
    expect(second.lines.err).toMatch(/8 predefined role\(s\) unchanged since the last scan \(etag, title, stage\), 0 fetched/);

    // Google changes roles/editor's title and permissions (its etag stays AA==): only it is fetched again.
    const editor = spec.predefinedRoles!.find((r) => r.name === 'roles/editor')!;
    Object.assign(editor, { title: 'Editor (2026-11)', includedPermissions: ['storage.buckets.delete'] });
    server!.calls.length = 0;
    expect(await runCollectGcp(opts, io().io, await run(undefined, new Date(ACME_AS_OF.getTime() + 2 * DAY)))).toBe(0);
    expect(roleCalls()).toEqual(['/v1/roles', '/v1/roles/editor']);

    const store = openStore(db());
    try {
      const scans = store.listScans();
      expect(scans.map((s) => s.provider)).toEqual(['gcp', 'gcp', 'gcp']);
      expect(scans[0]!.source).toBe(`live:gcp:organizations/${ORG_ID}`);
      const roles = store.gcpRoles(scans[2]!.id);
      expect(roles.find((r) => r.name === 'roles/editor')!.permissions).toEqual(['storage.buckets.delete']);
      // The unchanged roles come from the cache, not from the third scan.
      expect(roles.find((r) => r.name === 'roles/storage.admin')!.permissions.length).toBeGreaterThan(10);
      const part = store.gcpPart(scans[2]!.id);
      expect(part.resources.find((r) => r.name === 'projects/acme-data-staging')!.tags).toEqual({ [`${ORG_ID}/environment`]: 'staging' });
      expect(part.recommendations.map((r) => `${r.serviceAccount} ${r.role}`).sort()).toEqual([`${CI} roles/editor`, `old-etl@acme-data-staging.iam.gserviceaccount.com roles/storage.admin`]);
    } finally {
      store.close();
    }
  });

  it('refreshes every predefined role once the cache is older than predefinedRolesMaxAgeDays', async () => {
    const opts = { config: config(), db: db() };
    expect(await runCollectGcp(opts, io().io, await run())).toBe(0);
    server!.calls.length = 0;
    expect(await runCollectGcp(opts, io().io, await run(undefined, new Date(ACME_AS_OF.getTime() + 8 * DAY)))).toBe(0);
    // Default maximum age 7 days: a full listing (no per-role fetches, every role delivered).
    expect(roleCalls()).toEqual(['/v1/roles']);
    const store = openStore(db());
    try {
      const latest = store.listScans().at(-1)!;
      expect(store.gcpRoles(latest.id).filter((r) => r.source === 'predefined')).toHaveLength(8);
    } finally {
      store.close();
    }
  });

  it('exits 2 when a project cannot be read, and 0 with --allow-partial; the gaps are stored', async () => {
    const opts = { config: config(), db: db() };
    const denied = io();
    expect(await runCollectGcp(opts, denied.io, await run({ deniedProjects: ['acme-sandbox-ml'] }))).toBe(2);
    expect(denied.lines.err).toMatch(/warning: gcp:acme-sandbox-ml \[service-accounts\]: .*permission denied/);
    expect(denied.lines.err).toMatch(/exit code 2; pass --allow-partial/);
    expect(await runCollectGcp({ ...opts, allowPartial: true }, io().io, await run())).toBe(0);
    const store = openStore(db());
    try {
      const coverage = store.scanContents(store.listScans()[0]!.id).coverage;
      expect(coverage).toContainEqual(expect.objectContaining({ scope: 'gcp:acme-sandbox-ml', source: 'service-accounts', status: 'gap' }));
    } finally {
      store.close();
    }
  });

  it('audit collects live, resolves environments from tags and carries the recommendation into the basic-role finding', async () => {
    const out = path.join(tmp, 'reports');
    const { io: sink, lines } = io();
    const code = await runAudit({ config: config(), db: db(), out, asOf: ACME_AS_OF, format: ['json'] }, sink, await run());
    expect(lines.err).not.toMatch(/internal error/);
    expect(code).toBe(0);
    const report = reportSchema.parse(JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')));
    const basic = report.findings.find((f) => f.ruleId === 'gcp.basic-role' && f.identityArn === CI && f.title.includes('acme-payments-prod'))!;
    expect(basic.evidence.map((e) => e.summary)).toContainEqual(
      'IAM Recommender suggests replacing roles/editor on projects/acme-payments-prod with roles/iam.serviceAccountUser, roles/run.developer',
    );
    expect(basic.evidence.find((e) => e.kind === 'environment')!.summary).toBe(
      `project acme-data-staging is staging (tag ${ORG_ID}/environment/staging matches */environment=staging)`,
    );
    // A recommendation about another binding is not attached here.
    expect(basic.evidence.some((e) => e.summary.includes('storage.admin'))).toBe(false);
    const unused = report.findings.find((f) => f.ruleId === 'gcp.unused-permissions' && f.identityArn === 'old-etl@acme-data-staging.iam.gserviceaccount.com')!;
    expect(unused.evidence).toContainEqual(
      expect.objectContaining({ kind: 'usage', summary: 'IAM Recommender suggests removing roles/storage.admin on projects/acme-data-staging (not used in its observation period)' }),
    );
  });

  it('says in one line that collect gcp needs gcp.live', async () => {
    const bare = path.join(tmp, 'bare.yaml');
    writeFileSync(bare, 'gcp:\n  folderEnvironments: []\n');
    let err = '';
    const code = await main(['node', 'keywarden', '--config', bare, '--db', db(), 'collect', 'gcp'], { out: () => {}, err: (s) => void (err += s) });
    expect(code).toBe(3);
    expect(err).toBe('keywarden: no gcp.live section in the config: add one (see examples/keywarden.example.yaml) or use --from <export-dir>\n');
  });
});
