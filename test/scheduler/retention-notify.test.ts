import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { notify, summaryOf } from '../../scheduler/notify.js';
import { pruneOlderThan, retentionCutoff } from '../../scheduler/retention.js';
import { RunLog } from '../../scheduler/run-log.js';
import { openDatabase } from '../../src/store/open-database.js';
import { openStore } from '../../src/store/index.js';
import { snapshotOf } from '../helpers/scenario.js';

let tmp: string;
beforeEach(() => void (tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-ret-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const ARN = 'arn:aws:iam::111111111111:role/agents/deploy-bot';
const scanAt = (collectedAt: string, days: string[]) =>
  snapshotOf({
    collectedAt,
    identities: [{ arn: ARN, policies: [{ name: `p-${collectedAt}`, document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::b-${collectedAt.slice(0, 7)}/*` }] } }] }],
    usage: days.map((day) => ({ identityArn: ARN, credentialId: '', action: 's3:GetObject', day, count: 1, denied: 0, lastSeen: `${day}T10:00:00Z` })),
  });

describe('retention', () => {
  it('cuts off whole calendar months', () => {
    expect(retentionCutoff(new Date('2026-11-15T12:00:00Z'), 13)).toBe('2025-10-15');
  });

  it('prunes scans, usage and orphaned policies past retention in small transactions, never the newest scan, without blocking a writer', async () => {
    const file = path.join(tmp, 'kw.db');
    const store = openStore(file);
    store.writeScan(scanAt('2024-06-01T00:00:00Z', ['2024-05-30', '2024-05-31', '2024-06-01']));
    store.writeScan(scanAt('2025-01-01T00:00:00Z', ['2024-12-31']));
    const keptId = store.writeScan(scanAt('2026-11-01T00:00:00Z', ['2026-10-30', '2026-10-31']));
    for (const day of ['2024-06-01', '2026-10-31']) {
      store.writeQueryLoad({ engine: 'athena', source: 'athena:k.t', queryId: 'q', bytesScanned: 0, days: [{ day, closed: true }], partitions: new Map([['p', { scope: '111111111111', region: 'us-east-1', day, events: 1 }]]), usage: [], unmapped: [] });
    }
    const db = openDatabase(file);
    let pauses = 0;
    const result = await pruneOlderThan(db, {
      months: 12,
      now: new Date('2026-11-15T00:00:00Z'),
      batchSize: 2,
      // Between batches another connection writes a scan: pruning holds no long lock.
      pause: async () => {
        if (pauses++ === 0) store.writeScan(scanAt('2026-11-14T00:00:00Z', ['2026-11-14']));
      },
    });
    expect(result).toMatchObject({ cutoff: '2025-11-15', scans: 2, usageRows: 4, queryLoadDays: 1, policies: 2 });
    expect(db.prepare('SELECT day FROM query_load_partitions').pluck().all()).toEqual(['2026-10-31']);
    expect(pauses).toBeGreaterThan(3);
    expect(store.listScans().map((s) => s.collectedAt.slice(0, 10))).toEqual(['2026-11-01', '2026-11-14']);
    expect(store.scanContents(keptId).identities).toHaveLength(1);
    expect(db.prepare('SELECT day FROM usage_days ORDER BY day').pluck().all()).toEqual(['2026-10-30', '2026-10-31', '2026-11-14']);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
    store.close();
  });

  it('keeps the only scan however old', async () => {
    const file = path.join(tmp, 'old.db');
    const store = openStore(file);
    store.writeScan(scanAt('2020-01-01T00:00:00Z', []));
    const db = openDatabase(file);
    expect((await pruneOlderThan(db, { months: 1, now: new Date('2026-11-15T00:00:00Z') })).scans).toBe(0);
    expect(store.listScans()).toHaveLength(1);
    db.close();
    store.close();
  });
});

describe('notification hook', () => {
  function recordedRun() {
    const db = openDatabase(path.join(tmp, 'runs.db'));
    const log = new RunLog(db, () => new Date('2026-12-01T02:00:00Z'));
    const id = log.start('audit', 2);
    log.finish(id, { outcome: 'incomplete', scanId: undefined, coverageComplete: false, counts: { findings: 12, openFindings: 9 } });
    const run = log.get(id)!;
    db.close();
    return run;
  }

  it('POSTs the run summary as JSON to a local webhook', async () => {
    const received: { headers: IncomingMessage['headers']; body: string; url?: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body, url: req.url });
        res.writeHead(req.url?.startsWith('/fail') ? 500 : 204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const summary = summaryOf(recordedRun());
      expect(await notify(summary, { webhook: `http://127.0.0.1:${port}/hooks/T0KEN-secret` })).toEqual([]);
      expect(received[0]!.headers['content-type']).toBe('application/json');
      expect(JSON.parse(received[0]!.body)).toEqual({
        tool: 'keywarden',
        event: 'run.finished',
        text: expect.stringMatching(/^keywarden audit run 1 on .+: incomplete, 12 findings \(9 open\), COVERAGE INCOMPLETE$/),
        run: expect.objectContaining({ kind: 'audit', attempt: 2, outcome: 'incomplete', coverageComplete: false, counts: { findings: 12, openFindings: 9 } }),
      });
      // A failing webhook is reported without the token in its path.
      const problems = await notify(summary, { webhook: `http://127.0.0.1:${port}/fail?token=T0KEN-secret` });
      expect(problems).toEqual([`webhook http://127.0.0.1:${port}/… answered HTTP 500`]);
    } finally {
      server.close();
    }
  });

  it('runs the configured command without a shell, with the summary on stdin', async () => {
    const out = path.join(tmp, 'summary.json');
    const summary = summaryOf(recordedRun());
    expect(await notify(summary, { command: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(out)}, require('fs').readFileSync(0))`] })).toEqual([]);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(JSON.stringify(summary)));
    expect(await notify(summary, { command: [process.execPath, '-e', 'process.exit(3)'] })).toEqual([`notify command ${process.execPath} exited with 3`]);
  });
});
