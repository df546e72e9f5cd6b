/**
 * Resource Manager tags and IAM role recommendations from a gcloud export:
 * read, transformed, stored and read back, and tags deciding a project's
 * environment next to its id, labels and folders.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GcpHierarchy } from '../../../../src/analyse/gcp/hierarchy.js';
import { resolveProjectEnvironment } from '../../../../src/analyse/gcp/environment.js';
import { importGcpExportDir } from '../../../../src/collect/files/gcp/import-gcp-export.js';
import { roleRecommendations } from '../../../../src/collect/files/gcp/recommendations.js';
import { permissionInsights } from '../../../../src/collect/files/gcp/to-snapshot.js';
import { parseConfig } from '../../../../src/config/index.js';
import type { Snapshot } from '../../../../src/model/domain.js';
import { openStore } from '../../../../src/store/index.js';
import { ACME_AS_OF, CI, ORG_ID, OLD_ETL, acmeGcp } from '../../../helpers/acme-gcp.js';
import { insights, recommendationsOf, writeGcloudExport } from '../../../helpers/gcp-org.js';

let tmp: string;
let snapshot: Snapshot;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-gcp-tags-'));
  writeGcloudExport(tmp, acmeGcp, ACME_AS_OF);
  snapshot = importGcpExportDir(tmp, { alreadyIngested: () => false, now: () => ACME_AS_OF }).snapshot;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const resource = (s: Snapshot, name: string) => s.gcp!.resources.find((r) => r.name === name)!;

it('reads effective tags as namespaced key -> short value; a project without the file has unknown tags and a partial coverage entry', () => {
  expect(resource(snapshot, 'projects/acme-payments-prod').tags).toEqual({ [`${ORG_ID}/environment`]: 'production' });
  expect(resource(snapshot, 'projects/acme-data-staging').tags).toEqual({ [`${ORG_ID}/environment`]: 'staging' });
  expect(resource(snapshot, 'projects/acme-sandbox-ml').tags).toBeUndefined();
  expect(snapshot.coverage).toContainEqual(expect.objectContaining({ scope: 'gcp:acme-sandbox-ml', source: 'tags', status: 'partial' }));
  expect(snapshot.coverage).toContainEqual(expect.objectContaining({ scope: 'gcp:acme-sandbox-ml', source: 'recommender:recommendations', status: 'partial' }));
});

it('keeps ACTIVE recommendations only, one per service-account binding, with the suggested roles', () => {
  expect(snapshot.gcp!.recommendations.map((r) => ({ sa: r.serviceAccount, role: r.role, on: r.resource, with: r.replacements, subtype: r.subtype }))).toEqual([
    { sa: OLD_ETL, role: 'roles/storage.admin', on: 'projects/acme-data-staging', with: [], subtype: 'REMOVE_ROLE' },
    { sa: CI, role: 'roles/editor', on: 'projects/acme-payments-prod', with: ['roles/iam.serviceAccountUser', 'roles/run.developer'], subtype: 'REPLACE_ROLE' },
  ]);
  expect(snapshot.gcp!.recommendations[0]!.insights[0]).toMatch(/insightTypes\/google\.iam\.policy\.Insight\/insights\//);
});

it('ignores operations about users and groups, and adds for another member', () => {
  const [wire] = recommendationsOf({ ...acmeGcp.projects[0]!, recommendations: [{ sa: CI, role: 'roles/editor', replaceWith: ['roles/run.developer'] }] }, ACME_AS_OF);
  const ops = wire!.content!.operationGroups![0]!.operations!;
  const forUser = ops.map((o) => ({ ...o, value: o.value && 'user:alice@example.com', pathFilters: { ...o.pathFilters, ...(o.action === 'remove' && { '/iamPolicy/bindings/*/members/*': 'user:alice@example.com' }) } }));
  expect(roleRecommendations([{ ...wire!, content: { operationGroups: [{ operations: forUser }] } }])).toEqual([]);
  const otherAdd = ops.map((o) => (o.action === 'add' ? { ...o, value: 'serviceAccount:someone-else@p.iam.gserviceaccount.com' } : o));
  expect(roleRecommendations([{ ...wire!, content: { operationGroups: [{ operations: otherAdd }] } }])[0]!.replacements).toEqual([]);
});

it('stores tags (unknown stays unknown) and recommendations, and reads them back', () => {
  const store = openStore(':memory:', { now: () => ACME_AS_OF });
  try {
    const scanId = store.writeScan(snapshot, { startedAt: ACME_AS_OF.toISOString() });
    const part = store.gcpPart(scanId);
    expect(part.resources).toEqual(snapshot.gcp!.resources.slice().sort((a, b) => a.name.localeCompare(b.name)));
    expect(part.recommendations).toEqual(snapshot.gcp!.recommendations);
  } finally {
    store.close();
  }
});

it('resolves environments from tags after ids and labels, the riskier winning a disagreement, before folders', () => {
  const config = parseConfig(
    `environments:\n  accounts:\n    - { id: acme-data-staging, environment: development }\n  accountTags:\n    - { key: team, value: payments, environment: staging }\n` +
      `gcp:\n  tagEnvironments:\n    - { key: '*/environment', value: production, environment: production }\n    - { key: '*/environment', value: staging, environment: staging }\n` +
      `  folderEnvironments:\n    - { folder: non-production, environment: sandbox }\n`,
    'keywarden.yaml',
  );
  const hierarchy = new GcpHierarchy(snapshot.gcp!.resources);
  const env = (id: string) => resolveProjectEnvironment(snapshot.accounts.find((a) => a.accountId === id)!, hierarchy, config);
  // Label says staging, tag says production: production, and the explanation names both.
  expect(env('acme-payments-prod')).toEqual({
    environment: 'production',
    how: `tag ${ORG_ID}/environment/production matches */environment=production (production); tag team=payments matches team=payments says staging; the riskier applies`,
  });
  // An explicit id is the most deliberate statement: the tag does not override it.
  expect(env('acme-data-staging').environment).toBe('development');
  // No tags read: the folder decides.
  expect(env('acme-sandbox-ml').environment).toBe('sandbox');
  // A project whose only rule is its tag.
  const noIds = parseConfig(`gcp:\n  tagEnvironments:\n    - { key: '*/environment', value: staging, environment: staging }\n`, 'keywarden.yaml');
  expect(resolveProjectEnvironment(snapshot.accounts.find((a) => a.accountId === 'acme-data-staging')!, hierarchy, noIds)).toEqual({
    environment: 'staging',
    how: `tag ${ORG_ID}/environment/staging matches */environment=staging`,
  });
});

it('reads a permission count or observation period the store cannot hold as unknown, and the scan still stores (found by hostile-files)', () => {
  const project = acmeGcp.projects.find((p) => p.id === 'acme-data-staging')!;
  const [wire] = insights(project, ACME_AS_OF);
  const odd = [
    { ...wire!, content: { ...wire!.content!, currentTotalPermissionsCount: 2.5 }, observationPeriod: '1e308s' },
    { ...wire!, content: { ...wire!.content!, currentTotalPermissionsCount: '-3' }, observationPeriod: '7776000s' },
  ];
  const read = permissionInsights(odd);
  expect(read.map((i) => [i.currentTotal, i.observationDays])).toEqual([[undefined, undefined], [undefined, 90]]);
  const store = openStore(':memory:');
  try {
    const withOdd = { ...snapshot, gcp: { ...snapshot.gcp!, insights: read } };
    expect(() => store.writeScan(withOdd)).not.toThrow();
  } finally {
    store.close();
  }
});

it('names a folder whose folder.json has an empty name by its directory, and the scan stores (found by hostile-files)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keywarden-gcp-folder-'));
  try {
    writeGcloudExport(dir, acmeGcp, ACME_AS_OF);
    const file = path.join(dir, 'gcp', 'folders', '500000000001', 'folder.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), name: '' }));
    const { snapshot: read, extras } = importGcpExportDir(dir, { alreadyIngested: () => false, now: () => ACME_AS_OF });
    expect(read.gcp!.resources.find((r) => r.kind === 'folder' && r.displayName === 'production')!.name).toBe('folders/500000000001');
    const store = openStore(':memory:');
    try {
      expect(() => store.writeScan(read, extras)).not.toThrow();
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
