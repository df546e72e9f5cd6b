/**
 * GCP roles -> permissions. Predefined roles come from the IAM API
 * (`roles.list --view=FULL`, `gcloud iam roles describe`) or a file in that
 * format, and are cached in the store with their etag; custom roles come
 * with each scan. A binding to a role the catalog does not know is a
 * coverage gap, never "no permissions".
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { GcpRole, GcpRoleSource } from '../model/gcp.js';
import type { GcpRoleWire } from '../model/gcp-wire.js';

export class GcpRoleFileError extends Error {
  override name = 'GcpRoleFileError';
}

export function roleFromWire(wire: GcpRoleWire, source: GcpRoleSource): GcpRole {
  if (typeof wire?.name !== 'string' || !wire.name) throw new Error('role without a name');
  return {
    name: wire.name,
    title: wire.title ?? undefined,
    etag: wire.etag ?? undefined,
    stage: wire.stage ?? undefined,
    source,
    deleted: wire.deleted === true || undefined,
    permissions: [...new Set(wire.includedPermissions ?? [])].sort(),
  };
}

/** Reads a JSON array of Role objects (optionally gzip-compressed), as `gcloud iam roles list/describe --format=json` print them. */
export function readRolesFile(file: string, source: GcpRoleSource): GcpRole[] {
  let parsed: unknown;
  try {
    const bytes = readFileSync(file);
    const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GcpRoleFileError(`${file}: cannot read roles (${(error as Error).message})`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((wire, i) => {
    try {
      return roleFromWire(wire as GcpRoleWire, source);
    } catch (error) {
      throw new GcpRoleFileError(`${file}[${i}]: ${(error as Error).message}`);
    }
  });
}

/** `Permission.customRolesSupportLevel` as `gcloud iam list-testable-permissions` prints it. */
export type CustomRoleSupport = 'SUPPORTED' | 'TESTING' | 'NOT_SUPPORTED';

export class GcpRoleCatalog {
  private readonly byName = new Map<string, GcpRole>();
  private readonly support: ReadonlyMap<string, CustomRoleSupport>;

  /** `support`: per permission, whether custom roles may hold it; absent when not read (then unknown). */
  constructor(roles: Iterable<GcpRole>, support: ReadonlyMap<string, CustomRoleSupport> = new Map()) {
    for (const role of roles) this.byName.set(role.name, role);
    this.support = support;
  }

  /** Whether a custom role may hold the permission; undefined when the catalog was given no support levels for it. */
  customRoleSupport(permission: string): CustomRoleSupport | undefined {
    return this.support.get(permission);
  }

  get size(): number {
    return this.byName.size;
  }

  get(name: string): GcpRole | undefined {
    return this.byName.get(name);
  }

  /** Permissions of a role, or undefined when the catalog does not know it. */
  permissionsOf(name: string): readonly string[] | undefined {
    return this.byName.get(name)?.permissions;
  }

  roles(): IterableIterator<GcpRole> {
    return this.byName.values();
  }
}
