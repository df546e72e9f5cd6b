/** The GCP part of a scan in the store: round trip, role cache, usage accumulation without double counting. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importGcpExportDir } from '../../src/collect/files/gcp/import-gcp-export.js';
import { openStore, type Store } from '../../src/store/index.js';
import { writeGcloudExport } from '../helpers/gcp-org.js';
import { AS_OF, SA, auditScan, importOrg, member, oneProject, role } from '../helpers/gcp-audit.js';

let store: Store;
let tmp: string;
beforeEach(() => {
  store = openStore(':memory:', { now: () => AS_OF });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-gcp-store-'));
});
afterEach(() => {
  store.close();
  rmSync(tmp, { recursive: true, force: true });
});

const ROLES = [role('roles/storage.objectViewer', ['storage.objects.get', 'storage.objects.list'])];
const spec = () =>
  oneProject(
    {
      bindings: [{ role: 'roles/storage.objectViewer', members: [member], condition: { title: 'only logs', expression: "resource.name.startsWith('projects/_/buckets/logs')" } }],
      serviceAccounts: [{ id: 'app', lastAuthDaysAgo: 5, keys: [{ id: 'k1', createdDaysAgo: 10, lastAuthDaysAgo: 5 }] }],
      deny: [{ id: 'no-delete', deniedPrincipals: ['principalSet://goog/public:all'], deniedPermissions: ['storage.googleapis.com/objects.delete'] }],
      logs: [{ sa: 'app', key: 'k1', permissions: [{ permission: 'storage.objects.get', granted: true }, { permission: 'storage.objects.delete', granted: false }], daysAgo: 2 }],
    },
    ROLES,
  );

describe('GCP scans in the store', () => {
  it('read back what was written: hierarchy, bindings with condition and level, deny rules, keys', () => {
    writeGcloudExport(tmp, spec(), AS_OF);
    const { snapshot, extras } = importGcpExportDir(tmp, { alreadyIngested: () => false, now: () => AS_OF });
    const scanId = store.writeScan(snapshot, extras);
    const part = store.gcpPart(scanId);
    expect(part.resources).toEqual(snapshot.gcp!.resources.slice().sort((a, b) => a.name.localeCompare(b.name)));
    expect(part.bindings).toEqual(snapshot.gcp!.bindings);
    expect(part.bindings[0]).toMatchObject({ level: 'project', condition: { title: 'only logs' } });
    expect(part.denyRules).toEqual(snapshot.gcp!.denyRules);
    expect(part.denyRules[0]!.attachedTo).toBe('projects/p-prod-1');
    expect(part.keys).toEqual(snapshot.gcp!.keys);
    expect(store.scanContents(scanId).credentials.map((c) => [c.id, c.kind, c.identityArn])).toEqual([['k1', 'service-account-key', SA]]);
  });

  it('never stores private key material a keys file might carry', () => {
    writeGcloudExport(tmp, spec(), AS_OF);
    const file = path.join(tmp, 'gcp/projects/p-prod-1/service-account-keys', `${SA}.json`);
    const keys = JSON.parse(readFileSync(file, 'utf8'));
    keys[0].privateKeyData = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tU0VDUkVU';
    writeFileSync(file, JSON.stringify(keys));
    const { snapshot } = importGcpExportDir(tmp, { alreadyIngested: () => false });
    expect(JSON.stringify(snapshot)).not.toContain('LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tU0VDUkVU');
  });

  it('caches predefined roles: a later import without role definitions uses them', async () => {
    importOrg(store, spec());
    const without = spec();
    delete without.predefinedRoles;
    const report = await auditScan(store, importOrg(store, without));
    expect(report.identities[0]!.granted.actions).toBe(2);
    expect(report.coverage.entries.filter((e) => e.source === 'gcp-roles')).toEqual([]);
  });

  it('accumulates audit-log usage across scans and never counts the same export twice', () => {
    importOrg(store, spec());
    importOrg(store, spec()); // identical logging-read.json: same digest, skipped
    const usage = store.usageFor({ from: '2026-11-01', to: '2026-11-15' }, [SA]);
    expect(usage.map((u) => [u.action, u.credentialId, u.count, u.denied])).toEqual([
      ['storage.objects.delete', 'k1', 0, 1],
      ['storage.objects.get', 'k1', 1, 0],
    ]);
    const later = spec();
    later.projects[0]!.logs![0]!.daysAgo = 1;
    importOrg(store, later);
    expect(store.usageFor({ from: '2026-11-01', to: '2026-11-15' }, [SA]).find((u) => u.action === 'storage.objects.get')!.count).toBe(2);
  });

  it('counts each audit-log entry once when reads overlap', () => {
    const first = spec();
    first.projects[0]!.logs = [{ sa: 'app', permissions: [{ permission: 'storage.objects.get', granted: true }], daysAgo: 5 }];
    importOrg(store, first);
    // A later read covering the same days and one more: the entry from five days ago is the same entry (same insertId).
    const overlapping = spec();
    overlapping.projects[0]!.logs = [
      { sa: 'app', permissions: [{ permission: 'storage.objects.get', granted: true }], daysAgo: 5 },
      { sa: 'app', permissions: [{ permission: 'storage.objects.get', granted: true }], daysAgo: 3 },
    ];
    importOrg(store, overlapping);
    const rows = store.usageFor({ from: '2026-11-01', to: '2026-11-15' }, [SA]);
    expect(rows.map((u) => [u.action, u.count, u.activeDays])).toEqual([['storage.objects.get', 2, 2]]);
    expect(store.gcpLogCursor('p-prod-1')).toMatchObject({ timestamp: '2026-11-12T12:00:00.000Z' });
  });

  it('keeps the latest authentication any scan saw', async () => {
    const recent = spec();
    delete recent.projects[0]!.logs;
    importOrg(store, recent);
    const older = spec();
    delete older.projects[0]!.logs;
    older.projects[0]!.serviceAccounts[0]!.lastAuthDaysAgo = 50;
    const report = await auditScan(store, importOrg(store, older));
    expect(report.identities[0]!.lastUsed).toEqual({ at: '2026-11-10T12:00:00.000Z', source: 'gcp-activity-analyzer' });
  });
});
