import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccessAdvisorReport, Identity, PolicyAttachment, Snapshot, StoredPolicy } from '../../src/model/domain.js';
import type { PolicyDocument } from '../../src/model/policy.js';
import type { WireAuthorizationDetails } from '../../src/model/aws-wire.js';
import { openStore, type Store } from '../../src/store/index.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';
import {
  ADMIN,
  DEPLOY_INLINE,
  READ_ONLY_GROUP,
  TERRAFORM_KEY,
  TERRAFORM_USER,
  UNATTACHED,
  clone,
  policy,
  realisticSnapshot,
} from './realistic-snapshot.js';

const stores: Store[] = [];
function open(file = ':memory:'): Store {
  const store = openStore(file);
  stores.push(store);
  return store;
}
afterEach(() => stores.splice(0).forEach((s) => s.close()));

const byKey = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** The order the store documents for reads: identities by ARN, services by namespace, … */
function inStoreOrder(snapshot: Snapshot) {
  const reports = clone(snapshot.accessAdvisor)
    .sort(byKey((r) => r.identityArn))
    .map((r): AccessAdvisorReport => ({
      ...r,
      services: r.services
        .sort(byKey((s) => s.namespace))
        .map((s) => (s.trackedActions ? { ...s, trackedActions: s.trackedActions.sort(byKey((t) => t.action)) } : s)),
    }));
  const attachments: PolicyAttachment[] = [];
  for (const arn of [...new Set(snapshot.attachments.map((a) => a.identityArn))].sort()) {
    attachments.push(...snapshot.attachments.filter((a) => a.identityArn === arn));
  }
  return {
    accounts: snapshot.accounts,
    identities: clone(snapshot.identities).sort(byKey((i) => i.arn)),
    credentials: clone(snapshot.credentials).sort(byKey((c) => c.id)),
    attachments,
    accessAdvisor: reports,
    coverage: snapshot.coverage,
    policies: new Map(snapshot.policies.map((p) => [p.hash, p.document])),
  };
}

describe('writing and reading back a scan', () => {
  it('returns every typed field exactly as written, optional fields absent rather than undefined', () => {
    const store = open();
    const snapshot = realisticSnapshot();
    const scanId = store.writeScan(snapshot, { startedAt: '2025-03-10T05:55:00Z' });

    const contents = store.scanContents(scanId);
    const expected = inStoreOrder(snapshot);
    expect(contents.scan).toMatchObject({
      id: scanId,
      provider: 'aws',
      source: 'files:/exports/acme-prod',
      collectedAt: '2025-03-10T06:00:00.000Z',
      startedAt: '2025-03-10T05:55:00.000Z',
    });
    expect(contents.accounts).toStrictEqual(expected.accounts);
    expect(contents.identities).toStrictEqual(expected.identities);
    expect(contents.credentials).toStrictEqual(expected.credentials);
    expect(contents.attachments).toStrictEqual(expected.attachments);
    expect(contents.accessAdvisor).toStrictEqual(expected.accessAdvisor);
    expect(contents.coverage).toStrictEqual(expected.coverage);
    expect(contents.policies).toStrictEqual(expected.policies);
    // The unattached policy still belongs to the scan.
    expect(contents.policies.get(UNATTACHED.hash)).toEqual(UNATTACHED.document);
  });

  it('keeps service-level and action-level Access Advisor data apart', () => {
    const store = open();
    const contents = store.scanContents(store.writeScan(realisticSnapshot()));
    const services = contents.accessAdvisor.find((r) => r.identityArn === TERRAFORM_USER)!.services;
    expect(services.find((s) => s.namespace === 'iam')!.trackedActions).toEqual([]); // tracked, none used
    expect(services.find((s) => s.namespace === 'kms')).not.toHaveProperty('trackedActions'); // not tracked
  });

  it('stores each policy document once however many scans hold it', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'kw-store-')), 'kw.db');
    const store = open(file);
    store.writeScan(realisticSnapshot());
    store.writeScan({ ...realisticSnapshot(), collectedAt: '2025-03-11T06:00:00Z', usage: [], ingested: [] });
    store.close();
    const count = (sql: string) => {
      const raw = openRaw(file);
      try {
        return raw.prepare(sql).pluck().get();
      } finally {
        raw.close();
      }
    };
    expect(count('SELECT count(*) FROM policies')).toBe(4);
    expect(count('SELECT count(*) FROM scan_policies')).toBe(8);
  });

  it('refuses a policy hash that is already stored for a different document', () => {
    const store = open();
    store.writeScan(realisticSnapshot());
    const forged = realisticSnapshot();
    forged.collectedAt = '2025-03-11T06:00:00Z';
    forged.ingested = [];
    forged.policies[1] = { hash: ADMIN.hash, document: DEPLOY_INLINE.document };
    expect(() => store.writeScan(forged)).toThrow(/policies\[1\] ".*": hash already stored for a different document/);
  });

  it('accepts the same document again with its keys in another order', () => {
    const store = open();
    store.writeScan(realisticSnapshot());
    const again = realisticSnapshot();
    again.collectedAt = '2025-03-11T06:00:00Z';
    again.ingested = [];
    const reordered = JSON.parse(JSON.stringify(READ_ONLY_GROUP.document), (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    ) as PolicyDocument;
    again.policies[2] = { hash: READ_ONLY_GROUP.hash, document: reordered };
    expect(() => store.writeScan(again)).not.toThrow();
  });

  it('writes only the typed fields: an extra secret on an input object never reaches the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-store-'));
    const file = path.join(dir, 'kw.db');
    const store = open(file);
    const snapshot = realisticSnapshot();
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    Object.assign(snapshot.credentials[0]!, { SecretAccessKey: secret, SessionToken: `FwoGZXIvYXdzE${secret}` });
    Object.assign(snapshot.identities[1]!, { LoginProfile: { Password: secret } });
    store.writeScan(snapshot);
    store.close();
    const bytes = readdirSync(dir).map((f) => readFileSync(path.join(dir, f)).toString('latin1')).join('');
    expect(bytes).toContain(TERRAFORM_KEY); // key ids are fine
    expect(bytes).not.toContain(secret);
  });
});

function openRaw(file: string) {
  return new Database(file, { readonly: true });
}

function toDocument(value: PolicyDocument | string | undefined): PolicyDocument | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? (JSON.parse(decodeURIComponent(value)) as PolicyDocument) : value;
}

/** Roles, their inline and customer-managed policies, from a real authorization-details export. */
function rolesSnapshot(details: WireAuthorizationDetails): Snapshot {
  const policies = new Map<string, StoredPolicy>();
  const managed = new Map<string, { hash: string; version: string }>();
  for (const p of details.Policies ?? []) {
    const version = p.PolicyVersionList?.find((v) => v.IsDefaultVersion);
    const document = toDocument(version?.Document);
    if (!document || !p.Arn || !version?.VersionId) throw new Error(`fixture policy ${p.Arn} has no default document`);
    const stored = policy(document);
    policies.set(stored.hash, stored);
    managed.set(p.Arn, { hash: stored.hash, version: version.VersionId });
  }
  const identities: Identity[] = [];
  const attachments: PolicyAttachment[] = [];
  const missing: string[] = [];
  for (const role of details.RoleDetailList ?? []) {
    const arn = role.Arn!;
    const trustPolicy = toDocument(role.AssumeRolePolicyDocument);
    identities.push({
      provider: 'aws',
      arn,
      accountId: arn.split(':')[4]!,
      kind: 'role',
      name: role.RoleName!,
      path: role.Path!,
      uniqueId: role.RoleId!,
      createdAt: role.CreateDate!,
      tags: Object.fromEntries((role.Tags ?? []).map((t) => [t.Key!, t.Value!])),
      ...(trustPolicy ? { trustPolicy } : {}),
    });
    for (const inline of role.RolePolicyList ?? []) {
      const stored = policy(toDocument(inline.PolicyDocument)!);
      policies.set(stored.hash, stored);
      attachments.push({ identityArn: arn, policyHash: stored.hash, kind: 'inline', policyName: inline.PolicyName! });
    }
    for (const attached of role.AttachedManagedPolicies ?? []) {
      const found = managed.get(attached.PolicyArn!);
      if (!found) {
        missing.push(attached.PolicyArn!);
        continue;
      }
      attachments.push({
        identityArn: arn,
        policyHash: found.hash,
        kind: 'managed',
        policyName: attached.PolicyName!,
        policyArn: attached.PolicyArn!,
        policyVersion: found.version,
      });
    }
  }
  return {
    provider: 'aws',
    source: 'files:cloudsplaining-example',
    collectedAt: '2023-03-10T00:00:00Z',
    accounts: [],
    identities,
    credentials: [],
    policies: [...policies.values()],
    attachments,
    accessAdvisor: [],
    usage: [],
    unmappedEvents: [],
    ingested: [],
    coverage: [
      {
        scope: 'aws:200611803367',
        source: 'authorization-details',
        status: missing.length ? 'partial' : 'ok',
        detail: { managedPoliciesNotInExport: [...new Set(missing)].sort() },
      },
    ],
  };
}

describeFixtures('a real authorization-details export', () => {
  it('round-trips every role, trust policy and policy document of the cloudsplaining example account', () => {
    const details = JSON.parse(
      readFileSync(fixture('aws/authz-cloudsplaining-example.json'), 'utf8'),
    ) as WireAuthorizationDetails;
    const snapshot = rolesSnapshot(details);
    expect(snapshot.identities).toHaveLength(78);

    const store = open();
    const contents = store.scanContents(store.writeScan(snapshot));
    expect(contents.identities).toStrictEqual(clone(snapshot.identities).sort(byKey((i) => i.arn)));
    expect(contents.policies).toStrictEqual(new Map(snapshot.policies.map((p) => [p.hash, p.document])));
    expect(contents.attachments).toHaveLength(snapshot.attachments.length);
    expect(new Set(contents.attachments.map((a) => JSON.stringify(a)))).toStrictEqual(
      new Set(snapshot.attachments.map((a) => JSON.stringify(a))),
    );
    expect(contents.coverage).toStrictEqual(snapshot.coverage);
  });
});
