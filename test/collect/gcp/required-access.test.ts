/**
 * keywarden's documented read-only roles cover every call the GCP collectors
 * make: run them against the local API server, map each recorded request to
 * a documented method, and check its permission against the real role
 * definitions.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { OAuth2Client } from 'google-auth-library';
import { expect, it } from 'vitest';
import { closeGcpClients, createGcpClients } from '../../../src/collect/gcp/clients.js';
import { collectGcp } from '../../../src/collect/gcp/collect.js';
import { GCP_API_METHODS, KEYWARDEN_GCP_ROLES, apiMethodForCall } from '../../../src/collect/gcp/required-access.js';
import type { GcpRoleWire } from '../../../src/model/gcp-wire.js';
import { ACME_AS_OF, ORG_ID, acmeGcp } from '../../helpers/acme-gcp.js';
import { describeFixtures, fixture, projectRoot } from '../../helpers/fixtures.js';
import { startGcpServer } from '../../servers/gcp/server.js';

describeFixtures("keywarden's own GCP access", () => {
  const roles = new Map((JSON.parse(gunzipSync(readFileSync(fixture('gcp/predefined-roles.json.gz'))).toString('utf8')) as GcpRoleWire[]).map((r) => [r.name!, new Set(r.includedPermissions ?? [])]));
  const granted = new Set(KEYWARDEN_GCP_ROLES.flatMap((r) => [...(roles.get(r.role) ?? [])]));

  it('documents only real, read-only roles', () => {
    for (const { role } of KEYWARDEN_GCP_ROLES) {
      expect(roles.has(role), role).toBe(true);
      const writes = [...roles.get(role)!].filter((p) => /\.(create|update|delete|set\w*|undelete|patch|enable|disable|move|sign\w*|actAs|getAccessToken)$/.test(p));
      expect(writes, role).toEqual([]);
    }
  });

  it('every documented method is covered by the documented roles, and is in docs/gcp-access.md', () => {
    const doc = readFileSync(path.join(projectRoot, 'docs/gcp-access.md'), 'utf8');
    for (const m of GCP_API_METHODS) {
      expect(granted.has(m.permission), `${m.method} needs ${m.permission}`).toBe(true);
      expect(doc).toContain(`\`${m.permission}\``);
    }
    for (const { role } of KEYWARDEN_GCP_ROLES) expect(doc).toContain(`\`${role}\``);
  });

  it('every call the collectors make is a documented method', async () => {
    const editor = { name: 'roles/editor', title: 'Editor', stage: 'GA', etag: 'AA==', includedPermissions: ['storage.buckets.delete'] };
    const server = await startGcpServer({ ...acmeGcp, predefinedRoles: [editor] }, ACME_AS_OF, { pageSize: 2 });
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'test' });
    const clients = createGcpClients({ authClient: auth, endpoint: { host: '127.0.0.1', port: server.port, protocol: 'http' } });
    try {
      const files = await collectGcp(clients, { organization: `organizations/${ORG_ID}`, logsSince: '2026-01-01T00:00:00Z', predefinedRoles: true });
      expect(files.coverage).toEqual([]);
      // With a cache whose title differs: the etag listing, then roles.get for the changed role.
      const cachedRoles = new Map([['roles/editor', { etag: 'AA==', title: 'Editor (old)', stage: 'GA' }]]);
      const again = await collectGcp(clients, { projects: ['acme-sandbox-ml'], logsSince: '2026-01-01T00:00:00Z', predefinedRoles: true, cachedRoles });
      expect(again.coverage).toEqual([]);
      expect(again.predefinedRoles).toEqual([editor]);
    } finally {
      await closeGcpClients(clients);
      await server.close();
    }
    const calls = [...new Set(server.calls.map((c) => `${c.method} ${c.path}`))];
    expect(calls.length).toBeGreaterThan(20);
    const unmapped = calls.filter((c) => apiMethodForCall(c).length === 0);
    expect(unmapped).toEqual([]);
    // And every documented method was exercised (the table lists nothing the collectors do not call).
    const used = new Set(calls.flatMap((c) => apiMethodForCall(c).map((m) => m.method)));
    expect(GCP_API_METHODS.map((m) => m.method).filter((m) => !used.has(m))).toEqual([]);
  });
});
