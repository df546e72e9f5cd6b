/**
 * API faults the collector tests do not already cover (they inject
 * throttling, 5xx, AccessDenied and malformed bodies): a server that never
 * answers and one that drops the connection. The run completes within the
 * client timeout times the attempts, each call is tried exactly maxAttempts
 * times, the API is a coverage gap, and `keywarden ci` on that scan fails
 * closed (exit 2).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectAwsLive, type LiveAwsCollection } from '../../src/collect/aws/collect-aws.js';
import { openStore } from '../../src/store/index.js';
import { EXTERNAL_ID, HOME, MEMBER, testWorld } from '../collect/aws/world.js';
import { fastPoll, liveOptions, startFakeAws, type FakeAws } from '../servers/aws/harness.js';
import { CONFIG, cliInProcess } from './cli-process.js';

const TIMEOUT_MS = 300;
const ATTEMPTS = 3;

describe('AWS collectors when a server never answers or drops the connection', () => {
  let aws: FakeAws;
  let result: LiveAwsCollection;
  let elapsed: number;
  let tmp: string;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-faults-'));
    aws = await startFakeAws(
      testWorld({
        faults: [
          { action: 'ListAccounts', kind: 'Hang' },
          { action: 'GetAccountAuthorizationDetails', account: MEMBER, kind: 'Reset' },
          { action: 'ListAccessKeys', account: HOME, kind: 'Hang' },
        ],
      }),
      { maxAttempts: ATTEMPTS, requestTimeoutMs: TIMEOUT_MS },
    );
    const started = Date.now();
    result = await collectAwsLive(
      aws.factory,
      liveOptions({ organizations: true, accounts: [MEMBER], auditRole: { name: 'keywarden-audit', externalId: EXTERNAL_ID, sessionName: 'kw' }, iam: { concurrency: 2, accessAdvisor: fastPoll(), credentialReport: fastPoll(2000) } }),
    );
    elapsed = Date.now() - started;
  }, 60_000);
  afterAll(async () => {
    await aws.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const gap = (scope: string, source: string) => result.snapshot.coverage.filter((c) => c.status === 'gap' && c.scope === scope && c.source === source);

  it('gives up on each silent or dropped call after exactly maxAttempts tries, bounded by the request timeout', () => {
    const retried = ['ListAccounts', 'GetAccountAuthorizationDetails', 'ListAccessKeys'].map((action) => ({
      action,
      requests: aws.server.calls(action).filter((r) => action !== 'GetAccountAuthorizationDetails' || r.account === MEMBER).length,
    }));
    console.log(`api faults: ${retried.map((r) => `${r.action} ${r.requests} requests`).join(', ')} (maxAttempts ${ATTEMPTS}); run took ${elapsed} ms with a ${TIMEOUT_MS} ms request timeout`);
    expect(retried.filter((r) => r.action !== 'ListAccessKeys').map((r) => r.requests)).toEqual([ATTEMPTS, ATTEMPTS]);
    // One ListAccessKeys call per user, each tried maxAttempts times.
    expect(retried[2]!.requests % ATTEMPTS).toBe(0);
    expect(retried[2]!.requests).toBeGreaterThan(0);
    // Without a timeout a hung call never returns; with it the run ends within a few timeouts per hung call.
    expect(elapsed).toBeLessThan(20_000);
  });

  it('records each failed API as a gap naming the call, and still collects the rest', () => {
    expect(gap('aws', 'organizations')[0]?.reason).toMatch(/ListAccounts failed: .*(Timeout|timed out|socket hang up|ECONNRESET)/i);
    expect(gap(`aws:${MEMBER}`, 'authorization-details')[0]?.reason).toMatch(/GetAccountAuthorizationDetails failed: .*(socket hang up|ECONNRESET|reset)/i);
    expect(result.snapshot.coverage.some((c) => c.status !== 'ok' && c.scope.includes(HOME) && /ListAccessKeys/.test(c.reason ?? ''))).toBe(true);
    expect(result.snapshot.identities.some((i) => i.accountId === HOME && i.kind === 'role')).toBe(true);
  });

  it('fails closed: keywarden ci on the stored scan exits 2 because coverage is incomplete', async () => {
    const db = path.join(tmp, 'faults.db');
    const store = openStore(db);
    try {
      store.writeScan(result.snapshot);
    } finally {
      store.close();
    }
    const run = await cliInProcess(['--config', CONFIG, '--db', db, 'ci', '--as-of', '2026-11-15']);
    expect(run.code, run.err).toBe(2);
    expect(run.out + run.err).toMatch(/coverage/i);
  });
});
