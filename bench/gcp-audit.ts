/**
 * `npx tsx bench/gcp-audit.ts`: the full audit of one stored GCP scan —
 * grants with inheritance and deny, granted vs used, every rule, the report —
 * for 2,000 service accounts in 50 projects under 5 folders, bound to real
 * predefined roles (Editor for one in twenty), with insights for half of
 * them and 90 days of audit-log usage for a tenth. Needs
 * ../shared/fixtures/gcp/predefined-roles.json.gz. Writing the scan is set-up.
 * Target: under 10 s and under 1 GiB peak RSS.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { buildAuditReport } from '../src/analyse/audit.js';
import { windowEndingAt } from '../src/analyse/window.js';
import { loadAwsActionCatalog } from '../src/catalog/aws-actions.js';
import { roleFromWire } from '../src/catalog/gcp-roles.js';
import { parseConfig } from '../src/config/index.js';
import type { Credential, Identity, Snapshot, UsageDay } from '../src/model/domain.js';
import type { GcpBinding, GcpSnapshotPart } from '../src/model/gcp.js';
import type { GcpRoleWire } from '../src/model/gcp-wire.js';
import { ALL_RULES } from '../src/rules/index.js';
import { openStore } from '../src/store/index.js';
import { prng } from './prng.js';
import { reportFigure } from './figures.js';

const TARGET_SECONDS = 10;
const TARGET_RSS_MB = 1024;
const AS_OF = new Date('2026-11-15T12:00:00Z');
const ROLES_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/fixtures/gcp/predefined-roles.json.gz');
const COMMON = ['roles/storage.objectViewer', 'roles/pubsub.publisher', 'roles/cloudsql.client', 'roles/run.invoker', 'roles/logging.logWriter', 'roles/bigquery.dataEditor', 'roles/secretmanager.secretAccessor', 'roles/iam.serviceAccountUser'];

export async function main(): Promise<{ seconds: number; peakRssMb: number; ok: boolean } | undefined> {
  if (!existsSync(ROLES_FILE)) {
    console.log(`skipped: ${ROLES_FILE} not found`);
    return undefined;
  }
  const wires = JSON.parse(gunzipSync(readFileSync(ROLES_FILE)).toString('utf8')) as GcpRoleWire[];
  const roles = wires.map((w) => roleFromWire(w, 'predefined'));
  const byName = new Map(roles.map((r) => [r.name, r]));
  const random = prng(7);
  const part: GcpSnapshotPart = { resources: [{ name: 'organizations/1', kind: 'organization', labels: {} }], bindings: [], denyRules: [], roles, keys: [], lastAuthentications: [], insights: [], serviceAccounts: [], recommendations: [], logCursors: [] };
  const identities: Identity[] = [];
  const credentials: Credential[] = [];
  const usage: UsageDay[] = [];
  const window = windowEndingAt(AS_OF, 90);
  for (let f = 0; f < 5; f++) part.resources.push({ name: `folders/${f}`, kind: 'folder', parent: 'organizations/1', displayName: f === 0 ? 'production' : `team-${f}`, labels: {} });
  for (let p = 0; p < 50; p++) {
    const project = `bench-project-${String(p).padStart(3, '0')}`;
    part.resources.push({ name: `projects/${project}`, kind: 'project', parent: `folders/${p % 5}`, labels: { env: p % 5 === 0 ? 'production' : 'staging' } });
    part.denyRules.push({ attachedTo: `projects/${project}`, policyName: 'no-iam', deniedPrincipals: ['principalSet://goog/public:all'], exceptionPrincipals: [], deniedPermissions: ['iam.googleapis.com/roles.*'], exceptionPermissions: [] });
    for (let s = 0; s < 40; s++) {
      const email = `sa-${s}@${project}.iam.gserviceaccount.com`;
      identities.push({ provider: 'gcp', arn: email, accountId: project, kind: 'service-account', name: `sa-${s}`, tags: {} });
      part.serviceAccounts.push({ email, disabled: false });
      const held = [COMMON[Math.floor(random() * COMMON.length)]!, COMMON[Math.floor(random() * COMMON.length)]!];
      if (random() < 0.05) held.push('roles/editor');
      const bindings: GcpBinding[] = held.map((role) => ({ resource: `projects/${project}`, level: 'project', role, member: `serviceAccount:${email}` }));
      if (random() < 0.02) bindings.push({ resource: `folders/${p % 5}`, level: 'folder', role: 'roles/viewer', member: `serviceAccount:${email}` });
      part.bindings.push(...bindings);
      const keyId = `${p}x${s}`.padEnd(40, "a");
      part.keys.push({ keyId, serviceAccount: email, keyType: 'USER_MANAGED', validAfter: '2025-01-01T00:00:00Z', disabled: false });
      credentials.push({ provider: 'gcp', id: keyId, identityArn: email, accountId: project, kind: 'service-account-key', active: true, createdAt: '2025-01-01T00:00:00Z' });
      part.lastAuthentications.push({ subject: 'service-account', id: email, serviceAccount: email, lastAuthenticated: random() < 0.8 ? '2026-11-10T00:00:00Z' : '2026-01-10T00:00:00Z' });
      if (s % 2 === 0) {
        const role = byName.get(held[0]!)!;
        part.insights.push({ name: `i-${email}`, serviceAccount: email, role: role.name, resource: `projects/${project}`, exercised: role.permissions.slice(0, 2), inferred: [], currentTotal: role.permissions.length, observationDays: 90 });
      }
      if (s % 10 === 0) {
        for (let d = 0; d < 90; d += 3) {
          const day = new Date(Date.parse(`${window.from}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);
          for (const action of byName.get(held[1]!)!.permissions.slice(0, 3)) usage.push({ identityArn: email, credentialId: keyId, action, day, count: 4, denied: 0, lastSeen: `${day}T12:00:00Z` });
        }
      }
    }
  }
  const snapshot: Snapshot = {
    provider: 'gcp', source: 'bench:synthetic-gcp', collectedAt: AS_OF.toISOString(),
    accounts: part.resources.filter((r) => r.kind === 'project').map((r) => ({ provider: 'gcp', accountId: r.name.slice(9), tags: r.labels })),
    identities, credentials, policies: [], attachments: [], accessAdvisor: [], usage, unmappedEvents: [], ingested: [], coverage: [], gcp: part,
  };
  const store = openStore(':memory:', { now: () => AS_OF });
  const scanId = store.writeScan(snapshot);
  const config = parseConfig('environments:\n  accountTags:\n    - { key: env, value: production, environment: production }\n    - { key: env, value: staging, environment: staging }\n', 'bench.yaml');
  const catalog = await loadAwsActionCatalog();
  const started = performance.now();
  const report = buildAuditReport(store, catalog, { scanId, window, config, rules: ALL_RULES, toolVersion: 'bench', now: AS_OF });
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  store.close();
  const ok = seconds < TARGET_SECONDS && peakRssMb < TARGET_RSS_MB;
  console.log(`GCP audit: ${identities.length} service accounts, ${part.bindings.length} bindings, ${report.findings.length} findings in ${seconds.toFixed(2)} s (target < ${TARGET_SECONDS} s), peak RSS ${peakRssMb} MB (target < ${TARGET_RSS_MB} MB): ${ok ? 'ok' : 'MISSED'}`);
  reportFigure({
    measure: `GCP audit, ${identities.length.toLocaleString('en-US')} service accounts`,
    result: `${seconds.toFixed(2)} s, ${peakRssMb} MB`,
    target: `< ${TARGET_SECONDS} s, < ${TARGET_RSS_MB} MB`,
    ok,
  });
  return { seconds, peakRssMb, ok };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await main();
  if (result && !result.ok) process.exitCode = 1;
}
