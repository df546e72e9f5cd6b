/** `keywarden export gcp` against the local API server, then an offline audit of what it wrote. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runExportGcp } from '../../src/cli/export-gcp.js';
import { main } from '../../src/cli/main.js';
import { importGcpExportDir } from '../../src/collect/files/gcp/import-gcp-export.js';
import { ACME_AS_OF, ORG_ID, acmeGcp } from '../helpers/acme-gcp.js';
import { role } from '../helpers/gcp-audit.js';
import { startGcpServer, type GcpTestServer } from '../servers/gcp/server.js';

let tmp: string;
let server: GcpTestServer;
const io = { out: () => {}, err: () => {} };
const spec = { ...acmeGcp, projects: acmeGcp.projects.map((p) => ({ ...p, omit: undefined })), predefinedRoles: [role('roles/editor', ['storage.buckets.delete'])] };

beforeEach(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-export-gcp-'));
  server = await startGcpServer(spec, ACME_AS_OF, { deniedProjects: ['acme-sandbox-ml'] });
});
afterEach(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

const auth = () => {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'test' });
  return client;
};

describe('keywarden export gcp', () => {
  it('writes the gcloud layout, which imports back, and exits 2 on the denied project', async () => {
    const code = await runExportGcp({ dir: tmp, organization: `organizations/${ORG_ID}`, logDays: 90 }, io, {
      authClient: auth(),
      endpoint: { host: '127.0.0.1', port: server.port, protocol: 'http' },
      now: () => ACME_AS_OF,
    });
    expect(code).toBe(2);
    const root = path.join(tmp, 'gcp');
    expect(readdirSync(path.join(root, 'projects')).sort()).toEqual(['acme-data-staging', 'acme-payments-prod', 'acme-sandbox-ml']);
    expect(readdirSync(path.join(root, 'projects/acme-sandbox-ml'))).toEqual([]);
    const keyFile = path.join(root, 'projects/acme-data-staging/service-account-keys/ci-deployer%40acme-data-staging.iam.gserviceaccount.com.json');
    expect(statSync(keyFile).mode & 0o077).toBe(0);
    expect(readFileSync(keyFile, 'utf8')).not.toMatch(/privateKeyData/);

    const { snapshot } = importGcpExportDir(tmp, { alreadyIngested: () => false });
    expect(snapshot.identities.map((i) => i.arn).sort()).toEqual([
      '700000000001-compute@developer.gserviceaccount.com',
      'billing-exporter@acme-payments-prod.iam.gserviceaccount.com',
      'ci-deployer@acme-data-staging.iam.gserviceaccount.com',
      'iam-bot@acme-payments-prod.iam.gserviceaccount.com',
      'old-etl@acme-data-staging.iam.gserviceaccount.com',
    ]);
    expect(snapshot.gcp!.bindings.filter((b) => b.level === 'folder')).toHaveLength(1);
    expect(snapshot.usage.length).toBeGreaterThan(0);
    expect(snapshot.coverage).toContainEqual(expect.objectContaining({ scope: 'gcp:acme-sandbox-ml', source: 'service-accounts', status: 'gap' }));
  });

  it('takes the request timeout from the config (gcp.live.requestTimeoutSeconds): a hung call is a gap after it', { timeout: 30_000 }, async () => {
    const hung = await startGcpServer(spec, ACME_AS_OF, { silent: [{ match: /^GET \/v1\/projects\/acme-data-staging\/serviceAccounts$/, kind: 'hang' }] });
    try {
      const config = path.join(tmp, 'keywarden.yaml');
      writeFileSync(config, `gcp:\n  live:\n    organization: organizations/${ORG_ID}\n    requestTimeoutSeconds: 1\n`);
      let err = '';
      const started = Date.now();
      const code = await runExportGcp({ dir: tmp, config, organization: `organizations/${ORG_ID}` }, { out: () => {}, err: (s) => void (err += s) }, {
        authClient: auth(),
        endpoint: { host: '127.0.0.1', port: hung.port, protocol: 'http' },
        retry: { attempts: 2, sleep: async () => {} },
        now: () => ACME_AS_OF,
      });
      const elapsed = Date.now() - started;
      expect(code).toBe(2);
      expect(err).toMatch(/warning: gcp:acme-data-staging \[service-accounts\]: .*no answer within the request timeout/);
      // Two attempts of 1 s each, not of the 30 s default.
      expect(elapsed).toBeGreaterThanOrEqual(1_800);
      expect(elapsed).toBeLessThan(15_000);
    } finally {
      await hung.close();
    }
  });

  it('refuses to run without a scope, in one line', async () => {
    let err = '';
    const code = await main(['node', 'keywarden', 'export', 'gcp', tmp], { out: () => {}, err: (s) => void (err += s) });
    expect(code).toBe(3);
    expect(err).toBe('keywarden: export gcp needs --organization organizations/<id> or at least one --project <id>\n');
  });
});
