/**
 * Reads a gcloud export directory (docs/export-layout.md, GCP section) into
 * the APIs' own JSON objects, file by file. Nothing is interpreted here
 * beyond parsing: a file that is absent is `undefined`, a file that cannot
 * be read or parsed is a coverage gap naming it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { CoverageEntry } from '../../../model/domain.js';
import type {
  GcpActivityWire,
  GcpAllowPolicy,
  GcpAuditLogEntryWire,
  GcpDenyPolicyWire,
  GcpEffectiveTagWire,
  GcpFolderWire,
  GcpInsightWire,
  GcpOrganizationWire,
  GcpProjectWire,
  GcpRecommendationWire,
  GcpRoleWire,
  GcpServiceAccount,
  GcpServiceAccountKey,
} from '../../../model/gcp-wire.js';
import { shapeProblem } from './wire-shapes.js';

export interface GcpNodeFiles {
  iamPolicy?: GcpAllowPolicy;
  denyPolicies?: GcpDenyPolicyWire[];
  customRoles?: GcpRoleWire[];
}

export interface GcpProjectFiles extends GcpNodeFiles {
  /** Folder name under projects/: the project id. */
  folder: string;
  project?: GcpProjectWire;
  serviceAccounts?: GcpServiceAccount[];
  /** Per service-account email: `keys list` output. */
  keys: Map<string, GcpServiceAccountKey[]>;
  /** Per service-account email: who may act on it. */
  serviceAccountPolicies: Map<string, GcpAllowPolicy>;
  saLastAuthentication?: GcpActivityWire[];
  keyLastAuthentication?: GcpActivityWire[];
  insights?: GcpInsightWire[];
  recommendations?: GcpRecommendationWire[];
  /** `tags bindings list --effective`: tags bound to the project or inherited. */
  effectiveTags?: GcpEffectiveTagWire[];
  logEntries?: { entries: GcpAuditLogEntryWire[]; digest: string; file: string };
}

export interface GcpExportFiles {
  root: string;
  organization?: GcpOrganizationWire & GcpNodeFiles;
  folders: (GcpFolderWire & GcpNodeFiles & { folder: string })[];
  projects: GcpProjectFiles[];
  predefinedRoles?: GcpRoleWire[];
  coverage: CoverageEntry[];
}

/** Where the GCP part of an export lives: `<dir>/gcp`, or `<dir>` itself when it has `projects/<id>/project.json`. */
export function gcpExportRoot(dir: string): string | undefined {
  const nested = path.join(dir, 'gcp');
  if (statSync(nested, { throwIfNoEntry: false })?.isDirectory()) return nested;
  const projects = path.join(dir, 'projects');
  return subfolders(projects).some((p) => existsSync(path.join(projects, p, 'project.json'))) ? dir : undefined;
}

const subfolders = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort() : [];

class Reader {
  readonly coverage: CoverageEntry[] = [];

  /** Parsed JSON of a file (gzip allowed), undefined when absent; a gap when unreadable. */
  json<T>(file: string, scope: string, source: string, expect: 'array' | 'object'): { value: T; bytes: Buffer } | undefined {
    for (const candidate of [file, `${file}.gz`]) {
      if (!existsSync(candidate)) continue;
      try {
        const raw = readFileSync(candidate);
        const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
        const value: unknown = text.trim() === '' && expect === 'array' ? [] : JSON.parse(text);
        if (expect === 'array' ? !Array.isArray(value) : value === null || typeof value !== 'object' || Array.isArray(value)) {
          throw new Error(`expected a JSON ${expect}`);
        }
        const problem = shapeProblem(source, value);
        if (problem) throw new Error(`unexpected content at ${problem}`);
        return { value: value as T, bytes: raw };
      } catch (error) {
        this.coverage.push({ scope, source, status: 'gap', reason: `${candidate} could not be read: ${(error as Error).message}` });
        return undefined;
      }
    }
    return undefined;
  }

  node(dir: string, scope: string): GcpNodeFiles {
    return {
      iamPolicy: this.json<GcpAllowPolicy>(path.join(dir, 'iam-policy.json'), scope, 'allow-policy', 'object')?.value,
      denyPolicies: this.json<GcpDenyPolicyWire[]>(path.join(dir, 'deny-policies.json'), scope, 'deny-policy', 'array')?.value,
      customRoles: this.json<GcpRoleWire[]>(path.join(dir, 'roles.json'), scope, 'custom-roles', 'array')?.value,
    };
  }

  /** `<dir>/<email>.json` files, keyed by the email (lower case). */
  perServiceAccount<T>(dir: string, scope: string, source: string, expect: 'array' | 'object'): Map<string, T> {
    const out = new Map<string, T>();
    if (!existsSync(dir)) return out;
    for (const name of readdirSync(dir).filter((n) => /\.json(\.gz)?$/.test(n)).sort()) {
      const email = decodeURIComponent(name.replace(/\.json(\.gz)?$/, '')).toLowerCase();
      const parsed = this.json<T>(path.join(dir, name.replace(/\.gz$/, '')), `${scope}:${email}`, source, expect);
      if (parsed) out.set(email, parsed.value);
    }
    return out;
  }
}

export function readGcpExport(root: string): GcpExportFiles {
  const r = new Reader();
  const orgFile = r.json<GcpOrganizationWire>(path.join(root, 'organization', 'organization.json'), `gcp:${root}`, 'organization', 'object')?.value;
  const organization = orgFile && { ...orgFile, ...r.node(path.join(root, 'organization'), orgFile.name ?? 'organization') };
  const folders = subfolders(path.join(root, 'folders')).map((id) => {
    const dir = path.join(root, 'folders', id);
    const folder = r.json<GcpFolderWire>(path.join(dir, 'folder.json'), `folders/${id}`, 'folder', 'object')?.value ?? { name: `folders/${id}` };
    return { ...folder, ...r.node(dir, `folders/${id}`), folder: id };
  });
  const projects = subfolders(path.join(root, 'projects')).map((id): GcpProjectFiles => {
    const dir = path.join(root, 'projects', id);
    const scope = `gcp:${id}`;
    const logs = r.json<GcpAuditLogEntryWire[]>(path.join(dir, 'logging-read.json'), scope, 'audit-logs', 'array');
    return {
      folder: id,
      project: r.json<GcpProjectWire>(path.join(dir, 'project.json'), scope, 'project', 'object')?.value,
      ...r.node(dir, scope),
      serviceAccounts: r.json<GcpServiceAccount[]>(path.join(dir, 'service-accounts.json'), scope, 'service-accounts', 'array')?.value,
      keys: r.perServiceAccount<GcpServiceAccountKey[]>(path.join(dir, 'service-account-keys'), scope, 'service-account-keys', 'array'),
      serviceAccountPolicies: r.perServiceAccount<GcpAllowPolicy>(path.join(dir, 'service-account-iam-policies'), scope, 'service-account-policy', 'object'),
      saLastAuthentication: r.json<GcpActivityWire[]>(path.join(dir, 'activity-service-account-last-authentication.json'), scope, 'activity-analyzer', 'array')?.value,
      keyLastAuthentication: r.json<GcpActivityWire[]>(path.join(dir, 'activity-service-account-key-last-authentication.json'), scope, 'activity-analyzer', 'array')?.value,
      insights: r.json<GcpInsightWire[]>(path.join(dir, 'recommender-insights.json'), scope, 'recommender', 'array')?.value,
      recommendations: r.json<GcpRecommendationWire[]>(path.join(dir, 'recommender-recommendations.json'), scope, 'recommender:recommendations', 'array')?.value,
      effectiveTags: r.json<GcpEffectiveTagWire[]>(path.join(dir, 'effective-tags.json'), scope, 'tags', 'array')?.value,
      logEntries: logs && {
        entries: logs.value,
        digest: createHash('sha256').update(logs.bytes).digest('hex'),
        file: path.join(dir, 'logging-read.json'),
      },
    };
  });
  const predefinedRoles = r.json<GcpRoleWire[]>(path.join(root, 'predefined-roles.json'), `gcp:${root}`, 'predefined-roles', 'array')?.value;
  // Written by `keywarden export gcp`: the gaps its live collection met.
  const collected = r.json<CoverageEntry[]>(path.join(root, 'collection-gaps.json'), `gcp:${root}`, 'collection-gaps', 'array')?.value ?? [];
  r.coverage.unshift(...collected.filter((c) => typeof c?.scope === 'string' && typeof c.source === 'string' && ['ok', 'partial', 'gap'].includes(c.status)));
  return { root, organization, folders, projects, predefinedRoles, coverage: r.coverage };
}
