/**
 * A local HTTP server speaking the REST/JSON mapping of the Google APIs the
 * GCP collectors call (IAM v1 and v2, Resource Manager v3, Recommender v1,
 * Policy Analyzer, Logging v2), answering from a declarative OrgSpec. Faults
 * are declared too: forced pagination, transient 429/503, PERMISSION_DENIED
 * on chosen projects, malformed bodies, requests never answered or whose
 * connection is dropped. Every request is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  activities,
  allowPolicy,
  auditLogEntries,
  denyPolicies,
  effectiveTagsOf,
  emailOf,
  insights,
  recommendationsOf,
  keysOf,
  serviceAccounts,
  type OrgSpec,
  type ProjectSpec,
} from '../../helpers/gcp-org.js';
import { listenLocally, stopListening } from '../local-listener.js';

export interface GcpFaults {
  /** Items per page on every list endpoint. */
  pageSize?: number;
  /** Project ids whose every call answers 403 PERMISSION_DENIED. */
  deniedProjects?: string[];
  /** The first `times` requests whose `METHOD path` matches fail with `status`. */
  transient?: { match: RegExp; status: 429 | 503; times: number }[];
  /** Requests whose `METHOD path` matches get this body with status 200. */
  malformed?: { match: RegExp; body: string }[];
  /** Requests whose `METHOD path` matches are never answered (`hang`: the connection stays open) or their connection is dropped (`reset`). */
  silent?: { match: RegExp; kind: 'hang' | 'reset' }[];
}

export interface RecordedCall {
  method: string;
  path: string;
  /** 0: not answered (a `silent` fault). */
  status: number;
}

export interface GcpTestServer {
  port: number;
  calls: RecordedCall[];
  close(): Promise<void>;
}

export const STATUS_NAMES: Record<number, string> = { 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 503: 'UNAVAILABLE' };

function paged<T>(items: T[], field: string, url: URL, pageSize: number | undefined): Record<string, unknown> {
  const start = Number(url.searchParams.get('pageToken') ?? 0) || 0;
  const size = pageSize ?? items.length;
  const page = items.slice(start, start + Math.max(size, 1));
  const next = start + page.length < items.length ? String(start + page.length) : undefined;
  return { [field]: page, ...(next && { nextPageToken: next }) };
}

function pagedBody<T>(items: T[], field: string, token: unknown, pageSize: number | undefined): Record<string, unknown> {
  const url = new URL('http://x/');
  if (typeof token === 'string') url.searchParams.set('pageToken', token);
  return paged(items, field, url, pageSize);
}

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Decodes `%2F` (and `%252F`, gax may encode twice) in a path. */
const decode = (s: string): string => {
  let out = s;
  for (let i = 0; i < 3 && /%[0-9a-f]{2}/i.test(out); i++) out = decodeURIComponent(out);
  return out;
};

export async function startGcpServer(spec: OrgSpec, asOf: Date, faults: GcpFaults = {}): Promise<GcpTestServer> {
  const calls: RecordedCall[] = [];
  const transient = (faults.transient ?? []).map((t) => ({ ...t, left: t.times }));
  const projectById = new Map(spec.projects.map((p) => [p.id, p]));
  const projectByNumber = new Map(spec.projects.map((p) => [p.number, p]));
  const projectOfEmail = new Map(spec.projects.flatMap((p) => p.serviceAccounts.map((sa) => [emailOf(p, sa.id), p] as const)));
  const project = (idOrNumber: string): ProjectSpec | undefined => projectById.get(idOrNumber) ?? projectByNumber.get(idOrNumber);
  const v3Project = (p: ProjectSpec) => ({ name: `projects/${p.number}`, parent: p.parent, projectId: p.id, state: 'ACTIVE', displayName: p.name, labels: p.labels ?? {}, etag: 'W/"p"' });
  const denyNode = (resource: string) => {
    const [kind, id] = resource.split('/') as [string, string];
    if (kind === 'organizations') return spec.organization.deny;
    if (kind === 'folders') return spec.folders.find((f) => f.id === id)?.deny;
    return project(id)?.deny;
  };
  const nodePolicy = (kind: string, id: string) => {
    if (kind === 'organizations' && id === spec.organization.id) return allowPolicy(spec.organization.bindings);
    if (kind === 'folders') {
      const f = spec.folders.find((x) => x.id === id);
      return f && allowPolicy(f.bindings);
    }
    const p = project(id);
    return p && allowPolicy(p.bindings);
  };

  async function route(method: string, url: URL, req: IncomingMessage): Promise<[number, unknown]> {
    const path = decode(url.pathname);
    let m: RegExpExecArray | null;
    // Resource Manager v3
    if (method === 'GET' && (m = /^\/v3\/organizations\/(\d+)$/.exec(path)))
      return m[1] === spec.organization.id ? [200, { name: `organizations/${m[1]}`, displayName: spec.organization.displayName, directoryCustomerId: 'C01abc234', state: 'ACTIVE' }] : [404, null];
    if (method === 'POST' && (m = /^\/v3\/(organizations|folders|projects)\/([^/:]+):getIamPolicy$/.exec(path))) {
      const policy = nodePolicy(m[1]!, m[2]!);
      return policy ? [200, policy] : [404, null];
    }
    if (method === 'GET' && path === '/v3/folders')
      return [200, paged(spec.folders.filter((f) => f.parent === url.searchParams.get('parent')).map((f) => ({ name: `folders/${f.id}`, parent: f.parent, displayName: f.displayName, state: 'ACTIVE' })), 'folders', url, faults.pageSize)];
    if (method === 'GET' && path === '/v3/projects')
      return [200, paged(spec.projects.filter((p) => p.parent === url.searchParams.get('parent')).map(v3Project), 'projects', url, faults.pageSize)];
    if (method === 'GET' && (m = /^\/v3\/projects\/([^/:]+)$/.exec(path))) {
      const p = project(m[1]!);
      return p ? [200, v3Project(p)] : [404, null];
    }
    // IAM v2 deny policies
    if (method === 'GET' && (m = /^\/v2\/policies\/cloudresourcemanager\.googleapis\.com\/(\w+\/[^/]+)\/denypolicies(?:\/([^/]+))?$/.exec(path))) {
      const attachment = m[1]!;
      const all = denyPolicies(attachment, denyNode(attachment));
      if (m[2]) {
        const found = all.find((d) => d.name!.endsWith(`/denypolicies/${m![2]}`));
        return found ? [200, found] : [404, null];
      }
      return [200, paged(all.map(({ rules: _omitted, ...meta }) => meta), 'policies', url, faults.pageSize)];
    }
    // IAM v1
    if (method === 'GET' && (m = /^\/v1\/projects\/([^/]+)\/serviceAccounts$/.exec(path))) {
      const p = project(m[1]!);
      return p ? [200, paged(serviceAccounts(p), 'accounts', url, faults.pageSize)] : [404, null];
    }
    if (method === 'GET' && (m = /^\/v1\/projects\/-\/serviceAccounts\/([^/]+)\/keys$/.exec(path))) {
      const email = m[1]!;
      const p = projectOfEmail.get(email);
      const sa = p?.serviceAccounts.find((s) => emailOf(p, s.id) === email);
      return p && sa ? [200, { keys: keysOf(p, sa, asOf) }] : [404, null];
    }
    if (method === 'POST' && (m = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):getIamPolicy$/.exec(path))) {
      const p = projectOfEmail.get(m[1]!);
      const sa = p?.serviceAccounts.find((s) => emailOf(p, s.id) === m![1]);
      return sa ? [200, sa.bindings ? allowPolicy(sa.bindings) : { etag: 'ACAB' }] : [404, null];
    }
    if (method === 'GET' && path === '/v1/roles') {
      // view BASIC (the default) omits the permissions.
      const full = url.searchParams.get('view') === 'FULL';
      return [200, paged((spec.predefinedRoles ?? []).map(({ includedPermissions, ...basic }) => (full ? { ...basic, includedPermissions } : basic)), 'roles', url, faults.pageSize)];
    }
    if (method === 'GET' && (m = /^\/v1\/(roles\/[^/]+)$/.exec(path))) {
      const found = spec.predefinedRoles?.find((r) => r.name === m![1]);
      return found ? [200, found] : [404, null];
    }
    // Resource Manager v3 effective tags (the project is named in the query)
    if (method === 'GET' && path === '/v3/effectiveTags') {
      const p = project(/^\/\/cloudresourcemanager\.googleapis\.com\/projects\/([^/]+)$/.exec(url.searchParams.get('parent') ?? '')?.[1] ?? '');
      return p ? [200, paged(effectiveTagsOf(p, spec.organization.id), 'effectiveTags', url, faults.pageSize)] : [404, null];
    }
    if (method === 'GET' && (m = /^\/v1\/organizations\/(\d+)\/roles$/.exec(path))) return [200, paged(spec.organization.customRoles ?? [], 'roles', url, faults.pageSize)];
    if (method === 'GET' && (m = /^\/v1\/projects\/([^/]+)\/roles$/.exec(path))) return [200, paged(project(m[1]!)?.customRoles ?? [], 'roles', url, faults.pageSize)];
    // Recommender v1
    if (method === 'GET' && (m = /^\/v1\/projects\/([^/]+)\/locations\/global\/insightTypes\/google\.iam\.policy\.Insight\/insights$/.exec(path))) {
      const p = project(m[1]!);
      return p ? [200, paged(insights(p, asOf).filter((i) => i.stateInfo?.state === 'ACTIVE'), 'insights', url, faults.pageSize)] : [404, null];
    }
    if (method === 'GET' && (m = /^\/v1\/projects\/([^/]+)\/locations\/global\/recommenders\/google\.iam\.policy\.Recommender\/recommendations$/.exec(path))) {
      const p = project(m[1]!);
      return p ? [200, paged(recommendationsOf(p, asOf).filter((r) => r.stateInfo?.state === 'ACTIVE'), 'recommendations', url, faults.pageSize)] : [404, null];
    }
    // Policy Analyzer (REST only)
    if (method === 'GET' && (m = /^\/v1\/projects\/([^/]+)\/locations\/global\/activityTypes\/(\w+)\/activities:query$/.exec(path))) {
      const p = project(m[1]!);
      const subject = m[2] === 'serviceAccountKeyLastAuthentication' ? 'key' : 'service-account';
      return p ? [200, paged(activities(p, subject, asOf), 'activities', url, faults.pageSize)] : [404, null];
    }
    // Logging v2
    if (method === 'POST' && path === '/v2/entries:list') {
      const body = await bodyOf(req);
      const id = String((body.resourceNames as string[] | undefined)?.[0] ?? '').replace('projects/', '');
      const since = /timestamp>="([^"]+)"/.exec(String(body.filter ?? ''))?.[1] ?? '';
      const p = project(id);
      // entries:list names its project in the body, not the path.
      if (p && faults.deniedProjects?.includes(p.id)) return [403, { error: { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' } }];
      return p ? [200, pagedBody(auditLogEntries(p, asOf).filter((e) => (e.timestamp ?? '') >= since), 'entries', body.pageToken, faults.pageSize)] : [404, null];
    }
    return [404, null];
  }

  /** Which project a request is about (for deniedProjects). */
  function projectOf(url: URL): ProjectSpec | undefined {
    const path = decode(url.pathname);
    const byPath = /projects\/([^/:]+)/.exec(path)?.[1] ?? /projects\/([^/:]+)$/.exec(url.searchParams.get('parent') ?? '')?.[1];
    const bySa = /serviceAccounts\/([^/:]+@[^/:]+)/.exec(path)?.[1];
    return (byPath && byPath !== '-' ? project(byPath) : undefined) ?? (bySa ? projectOfEmail.get(bySa) : undefined);
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const key = `${method} ${decode(url.pathname)}`;
    const send = (status: number, body: unknown, raw?: string) => {
      calls.push({ method, path: decode(url.pathname), status });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(raw ?? JSON.stringify(body ?? { error: { code: status, message: `${key} not found`, status: STATUS_NAMES[status] ?? 'UNKNOWN' } }));
    };
    const error = (status: number, message: string) => send(status, { error: { code: status, message, status: STATUS_NAMES[status] } });
    (async () => {
      if (req.headers.authorization !== 'Bearer test') return error(401, 'missing or wrong bearer token');
      const target = projectOf(url);
      if (target && faults.deniedProjects?.includes(target.id)) return error(403, `The caller does not have permission on ${target.id}`);
      const t = transient.find((x) => x.left > 0 && x.match.test(key));
      if (t) {
        t.left--;
        return error(t.status, t.status === 429 ? 'Quota exceeded' : 'The service is currently unavailable');
      }
      const silent = faults.silent?.find((x) => x.match.test(key));
      if (silent) {
        calls.push({ method, path: decode(url.pathname), status: 0 });
        if (silent.kind === 'reset') req.socket.destroy();
        return;
      }
      const bad = faults.malformed?.find((x) => x.match.test(key));
      if (bad) return send(200, null, bad.body);
      const [status, body] = await route(method, url, req);
      return send(status, body);
    })().catch((e: unknown) => error(500, String(e)));
  });
  const { port } = await listenLocally(server);
  return { port, calls, close: () => stopListening(server) };
}
