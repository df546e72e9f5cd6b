/**
 * `keywarden collect gcp`, and the live GCP source of `keywarden audit`: one
 * collection from the live APIs (config `gcp.live`), transformed like an
 * export and written as one scan after collection ends, without an export
 * directory in between. Predefined roles come from the store's cache; only
 * new or changed ones are fetched (collect/gcp/predefined-roles.ts).
 */
import { closeGcpClients, createGcpClients, type GcpClientOptions } from '../collect/gcp/clients.js';
import { collectGcp } from '../collect/gcp/collect.js';
import { gcpExportToSnapshot } from '../collect/files/gcp/to-snapshot.js';
import type { KeywardenConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { withStore, type Io } from './commands.js';
import { EXIT, UserError } from './errors.js';
import { terminalText } from '../util/terminal-text.js';
import { defaultAuth, type GcpLiveDeps } from './export-gcp.js';
import { writeGcpScan } from './import-gcp.js';
import type { GlobalOptions } from './main.js';

const DAY_MS = 86_400_000;

type LiveGcpConfig = NonNullable<NonNullable<KeywardenConfig['gcp']>['live']>;

function requireLive(config: KeywardenConfig): LiveGcpConfig {
  if (!config.gcp?.live) throw new UserError('no gcp.live section in the config: add one (see examples/keywarden.example.yaml) or use --from <export-dir>');
  return config.gcp.live;
}

function endpointOf(url: string | undefined): GcpClientOptions['endpoint'] {
  if (!url) return undefined;
  const u = new URL(url);
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  return { host: u.hostname, port: Number(u.port) || (protocol === 'http' ? 80 : 443), protocol };
}

/** Collects live and stores the scan; returns its id and whether anything could not be read. */
export async function collectGcpInto(store: Store, config: KeywardenConfig, io: Io, deps: GcpLiveDeps = {}): Promise<{ scanId: number; gaps: number }> {
  const live = requireLive(config);
  const now = deps.now?.() ?? new Date();
  const cachedRoles = store.gcpPredefinedRoleCache();
  const oldest = Math.min(...[...cachedRoles.values()].map((r) => Date.parse(r.storedAt)));
  const refreshAllRoles = !cachedRoles.size || now.getTime() - oldest > live.predefinedRolesMaxAgeDays * DAY_MS;
  const clients = createGcpClients({
    authClient: deps.authClient ?? (await defaultAuth()),
    endpoint: deps.endpoint ?? endpointOf(live.endpoint),
    requestTimeoutMs: deps.requestTimeoutMs ?? live.requestTimeoutSeconds * 1000,
  });
  let files;
  try {
    files = await collectGcp(clients, {
      organization: live.organization,
      projects: live.projects,
      // Entries at or before each project's stored cursor are skipped, so overlapping reads count nothing twice.
      logsSince: new Date(now.getTime() - live.logDays * DAY_MS).toISOString(),
      predefinedRoles: true,
      cachedRoles,
      refreshAllRoles,
      onProgress: (line) => io.err(`${terminalText(line)}\n`),
      ...(deps.retry && { retry: deps.retry }),
    });
  } finally {
    await closeGcpClients(clients);
  }
  const imported = gcpExportToSnapshot(files, {
    source: `live:gcp:${[live.organization, ...live.projects].filter(Boolean).join(',')}`,
    collectedAt: now.toISOString(),
    alreadyIngested: (digest) => store.hasIngested(digest),
    logCursor: (projectId) => store.gcpLogCursor(projectId),
    queryOwned: (scope, day) => store.isQueryOwned(scope, '', day),
  });
  const scanId = writeGcpScan(store, imported, io);
  return { scanId, gaps: imported.snapshot.coverage.filter((c) => c.status === 'gap').length };
}

export function runCollectGcp(opts: GlobalOptions & { allowPartial?: boolean }, io: Io, deps: GcpLiveDeps = {}): Promise<number> {
  return withStore(opts, async (store, config) => {
    const { gaps } = await collectGcpInto(store, config, io, deps);
    if (gaps && !opts.allowPartial) {
      io.err(`${gaps} source(s) could not be read (warnings above): exit code 2; pass --allow-partial to accept\n`);
      return EXIT.incomplete;
    }
    return EXIT.ok;
  });
}
