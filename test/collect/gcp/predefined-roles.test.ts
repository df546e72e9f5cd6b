/**
 * Predefined roles against the cache, over real HTTP: unchanged roles are
 * not fetched, a new or changed one is fetched with `roles.get`, many
 * changes take one full listing, and no cache (or refreshAll) the full listing.
 */
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeGcpClients, createGcpClients, type GcpClients } from '../../../src/collect/gcp/clients.js';
import { FULL_LISTING_ABOVE, fetchPredefinedRoles, type CachedRole } from '../../../src/collect/gcp/predefined-roles.js';
import type { GcpRoleWire } from '../../../src/model/gcp-wire.js';
import { ACME_AS_OF, acmeGcp } from '../../helpers/acme-gcp.js';
import { startGcpServer, type GcpTestServer } from '../../servers/gcp/server.js';

const roles: GcpRoleWire[] = Array.from({ length: FULL_LISTING_ABOVE + 10 }, (_, n) => ({
  name: `roles/test.role${n}`,
  title: `Role ${n}`,
  stage: 'GA',
  etag: 'AA==',
  includedPermissions: [`test.things.get${n}`],
}));
const cacheOf = (list: GcpRoleWire[]) => new Map<string, CachedRole>(list.map((r) => [r.name!, { etag: r.etag!, title: r.title!, stage: r.stage! }]));

let server: GcpTestServer;
let clients: GcpClients;
beforeAll(async () => {
  server = await startGcpServer({ ...acmeGcp, predefinedRoles: roles }, ACME_AS_OF, { pageSize: 20 });
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'test' });
  clients = createGcpClients({ authClient: auth, endpoint: { host: '127.0.0.1', port: server.port, protocol: 'http' } });
});
afterAll(async () => {
  await closeGcpClients(clients);
  await server.close();
});

async function fetched(cache: Map<string, CachedRole> | undefined, refreshAll = false) {
  server.calls.length = 0;
  const result = await fetchPredefinedRoles(clients, cache, refreshAll);
  return { ...result, names: result.roles.map((r) => r.name), calls: server.calls.map((c) => c.path) };
}

it('fetches nothing when every role matches the cache, with one listing without permissions', async () => {
  const r = await fetched(cacheOf(roles));
  expect(r).toMatchObject({ names: [], unchanged: roles.length });
  expect(r.calls).toEqual(['/v1/roles', '/v1/roles', '/v1/roles']);
});

it('fetches a new role and one whose stage changed, each with roles.get and its permissions', async () => {
  const cache = cacheOf(roles.slice(1));
  cache.set('roles/test.role2', { etag: 'AA==', title: 'Role 2', stage: 'BETA' });
  const r = await fetched(cache);
  expect(r.names).toEqual(['roles/test.role0', 'roles/test.role2']);
  expect(r.roles[1]!.includedPermissions).toEqual(['test.things.get2']);
  expect(r.unchanged).toBe(roles.length - 2);
  expect(r.calls.filter((c) => c.startsWith('/v1/roles/'))).toEqual(['/v1/roles/test.role0', '/v1/roles/test.role2']);
});

it('takes one full listing when more than FULL_LISTING_ABOVE roles changed, or when asked to refresh all, or without a cache', async () => {
  const many = await fetched(cacheOf(roles.slice(FULL_LISTING_ABOVE + 1)));
  expect(many.names).toHaveLength(FULL_LISTING_ABOVE + 1);
  expect(many.calls.every((c) => c === '/v1/roles')).toBe(true);
  for (const r of [await fetched(cacheOf(roles), true), await fetched(undefined)]) {
    expect(r.names).toHaveLength(roles.length);
    expect(r.roles.every((x) => x.includedPermissions?.length === 1)).toBe(true);
  }
});
