/**
 * Scheduled runs that collect live (schedule.live), alone or after an
 * export import: one scan and one report per source, the run's counts over
 * all of them, against the GCP API test server over real HTTP.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { OAuth2Client } from 'google-auth-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditJob } from '../../scheduler/audit-job.js';
import { runSchedule } from '../../src/cli/schedule.js';
import { configSchema, parseConfig, type KeywardenConfig } from '../../src/config/index.js';
import { openStore } from '../../src/store/index.js';
import { openDatabase } from '../../src/store/open-database.js';
import { ACME_AS_OF, ORG_ID, acmeGcp } from '../helpers/acme-gcp.js';
import { projectRoot } from '../helpers/fixtures.js';
import { role } from '../helpers/gcp-audit.js';
import { startGcpServer, type GcpTestServer } from '../servers/gcp/server.js';

const SAMPLE = path.join(projectRoot, 'samples', 'acme');
const spec = { ...acmeGcp, projects: acmeGcp.projects.map((p) => ({ ...p, omit: undefined })), predefinedRoles: [role('roles/editor', ['storage.buckets.delete'])] };

let tmp: string;
let dbPath: string;
let db: Database.Database;
let server: GcpTestServer;
beforeEach(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-live-schedule-'));
  dbPath = path.join(tmp, 'kw.db');
  db = openDatabase(dbPath);
  server = await startGcpServer(spec, ACME_AS_OF);
});
afterEach(async () => {
  db.close();
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

function job(schedule: Record<string, unknown>) {
  const config: KeywardenConfig = {
    ...parseConfig(`gcp:\n  live:\n    organization: organizations/${ORG_ID}\n`, 'keywarden.yaml'),
    reports: path.join(tmp, 'reports'),
  };
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'test' });
  const parsed = configSchema.shape.schedule.unwrap().parse(schedule);
  return (kind: 'audit' | 'ingest') =>
    auditJob(kind, new AbortController().signal, {
      dbPath,
      db,
      config,
      schedule: parsed,
      io: { out: () => undefined, err: () => undefined },
      now: () => ACME_AS_OF,
      live: { gcp: { authClient, endpoint: { host: '127.0.0.1', port: server.port, protocol: 'http' }, now: () => ACME_AS_OF } },
    });
}

describe('schedule.live', () => {
  it('collects GCP live on each run and writes that scan\'s report', async () => {
    const end = await job({ live: ['gcp'] })('audit');
    expect(end.scanId).toBe(1);
    expect(end.counts?.identities).toBe(6);
    expect(end.counts?.findings).toBeGreaterThan(0);
    const store = openStore(dbPath);
    try {
      expect(store.listScans().map((s) => [s.id, s.provider, s.source])).toEqual([[1, 'gcp', `live:gcp:organizations/${ORG_ID}`]]);
    } finally {
      store.close();
    }
    expect(existsSync(path.join(tmp, 'reports', `keywarden-2026-11-15-scan1.json`))).toBe(true);
    // A second run is a new scan: history accumulates.
    expect((await job({ live: ['gcp'] })('ingest')).scanId).toBe(2);
  });

  it('imports the export first, then collects live: a report per scan, counts over both', async () => {
    const end = await job({ from: SAMPLE, live: ['gcp'] })('audit');
    expect(end.scanId).toBe(2);
    // The AWS sample's 16 identities and the GCP organisation's 6.
    expect(end.counts?.identities).toBe(16 + 6);
    for (const scan of [1, 2]) expect(existsSync(path.join(tmp, 'reports', `keywarden-2026-11-15-scan${scan}.json`))).toBe(true);
  });

  it('refuses to start when a live cloud has no section to collect it with', async () => {
    const config = path.join(tmp, 'keywarden.yaml');
    writeFileSync(config, `schedule:\n  live: [aws]\n`);
    await expect(runSchedule({ config, db: dbPath, once: 'audit' }, { out: () => {}, err: () => {} })).rejects.toThrow(
      'schedule.live names aws, but the config has no liveAws section to collect it with',
    );
  });

  it('an ingest run with no export and no live source is an error, not an empty success', async () => {
    await expect(job({})('ingest')).rejects.toThrow(/nothing to ingest: set schedule\.from .* or schedule\.live/);
  });
});
