/**
 * `keywarden export gcp <dir>`: collects an organisation (or listed projects)
 * from the live APIs with Application Default Credentials and writes the
 * gcloud export layout. Read-only calls only (docs/gcp-access.md).
 */
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import { closeGcpClients, createGcpClients, type GcpClientOptions } from '../collect/gcp/clients.js';
import { collectGcp } from '../collect/gcp/collect.js';
import { writeGcpExport } from '../collect/gcp/write-export.js';
import type { RetryOptions } from '../collect/gcp/retry.js';
import { terminalText } from '../util/terminal-text.js';
import { configFor, type Io } from './commands.js';
import { EXIT, UserError } from './errors.js';
import { printGcpGaps } from './import-gcp.js';

export interface ExportGcpOptions {
  dir: string;
  /** The config file (global --config): its gcp.live.requestTimeoutSeconds applies here too. */
  config?: string;
  organization?: string;
  projects?: string[];
  /** Days of audit logs to read (default 30). */
  logDays?: number;
  predefinedRoles?: boolean;
}

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform.read-only'];

/** Application Default Credentials (read-only Cloud Platform scope unless told otherwise), or one line saying how to get them. */
export async function defaultAuth(scopes: string[] = SCOPES): Promise<OAuth2Client> {
  let client;
  try {
    client = await new GoogleAuth({ scopes }).getClient();
  } catch (error) {
    throw new UserError(`no Google credentials found (${(error as Error).message.split('\n')[0]}): run \`gcloud auth application-default login\` or set GOOGLE_APPLICATION_CREDENTIALS`);
  }
  if (!(client instanceof OAuth2Client)) throw new UserError('these Application Default Credentials are not supported here: use a user or service-account credential');
  return client;
}

/** Lets tests point the real clients at a local server (and shorten their retry backoff). */
export type GcpLiveDeps = Partial<GcpClientOptions> & { now?: () => Date; retry?: RetryOptions };

/** Collections from the live APIs print what they could not read, in one line each. */
export async function runExportGcp(options: ExportGcpOptions, io: Io, deps: GcpLiveDeps = {}): Promise<number> {
  if (!options.organization && !options.projects?.length) throw new UserError('export gcp needs --organization organizations/<id> or at least one --project <id>');
  if (options.organization && !/^organizations\/\d+$/.test(options.organization)) throw new UserError(`--organization must look like organizations/123456789012, got ${terminalText(options.organization)}`);
  const timeoutSeconds = configFor({ config: options.config }).gcp?.live?.requestTimeoutSeconds;
  const clients = createGcpClients({
    authClient: deps.authClient ?? (await defaultAuth()),
    endpoint: deps.endpoint,
    requestTimeoutMs: deps.requestTimeoutMs ?? (timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000),
  });
  try {
    const now = deps.now?.() ?? new Date();
    const since = new Date(now.getTime() - (options.logDays ?? 30) * 86_400_000).toISOString();
    const files = await collectGcp(clients, {
      organization: options.organization,
      projects: options.projects,
      logsSince: since,
      predefinedRoles: options.predefinedRoles ?? true,
      onProgress: (line) => io.err(`${terminalText(line)}\n`),
      ...(deps.retry && { retry: deps.retry }),
    });
    writeGcpExport(options.dir, files);
    printGcpGaps(files.coverage, io);
    io.err(`wrote ${files.projects.length} project(s) and ${files.folders.length} folder(s) to ${terminalText(options.dir)}/gcp\n`);
    return files.coverage.some((c) => c.status === 'gap') ? EXIT.incomplete : EXIT.ok;
  } finally {
    await closeGcpClients(clients);
  }
}
