/**
 * Predefined role definitions, fetched only when they changed: with a cache
 * of what is stored, one cheap listing (view BASIC: no permissions) tells
 * which roles are new or changed (etag, title or stage differs), and only
 * those are fetched with their permissions (one `roles.get` each, or one
 * full listing when many changed). Google serves every predefined role with
 * the same etag (`AA==`), so the etag alone never reveals a changed
 * permission list: the caller asks for a full listing (`refreshAll`) when
 * the cache is older than its maximum age, and without a cache.
 */
import type { GcpRoleWire } from '../../model/gcp-wire.js';
import type { GcpClients } from './clients.js';
import * as api from './fetch.js';
import type { RetryOptions } from './retry.js';

/** Above this many changed roles one full listing is cheaper than a `roles.get` per role. */
export const FULL_LISTING_ABOVE = 40;

export interface PredefinedRoles {
  /** New or changed definitions, with their permissions. */
  roles: GcpRoleWire[];
  /** Roles whose etag equals the cached one: not fetched again. */
  unchanged: number;
}

/** What the store holds of a predefined role's newest definition. */
export interface CachedRole {
  etag?: string;
  title?: string;
  stage?: string;
}

export async function fetchPredefinedRoles(c: GcpClients, cached: ReadonlyMap<string, CachedRole> | undefined, refreshAll: boolean, retry: RetryOptions = {}): Promise<PredefinedRoles> {
  if (refreshAll || !cached?.size) return { roles: await api.listPredefinedRoles(c, retry), unchanged: 0 };
  const listed = (await api.listPredefinedRoleEtags(c, retry)).filter((r) => r.name);
  const differs = (r: (typeof listed)[number], known: CachedRole | undefined) =>
    !known || !r.etag || known.etag !== r.etag || (known.title ?? null) !== (r.title ?? null) || (known.stage ?? null) !== (r.stage ?? null);
  const changed = listed.filter((r) => differs(r, cached.get(r.name!)));
  const unchanged = listed.length - changed.length;
  if (changed.length > FULL_LISTING_ABOVE) {
    const names = new Set(changed.map((r) => r.name!));
    return { roles: (await api.listPredefinedRoles(c, retry)).filter((r) => r.name && names.has(r.name)), unchanged };
  }
  const roles: GcpRoleWire[] = [];
  for (const r of changed) roles.push(await api.getPredefinedRole(c, r.name!, retry));
  return { roles, unchanged };
}
