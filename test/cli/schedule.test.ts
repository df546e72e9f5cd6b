/** `keywarden schedule` and `keywarden runs` through the CLI layer. */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runSchedule } from '../../src/cli/schedule.js';
import { projectRoot } from '../helpers/fixtures.js';

let tmp: string;
beforeAll(() => void (tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-schedule-'))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function config(name: string, from: string): string {
  const file = path.join(tmp, name);
  writeFileSync(
    file,
    `database: ${name}.db\nreports: reports-${name}\nschedule:\n  audit: '0 3 1 * *'\n  from: ${JSON.stringify(from)}\n  retries: 1\n  retryDelaySeconds: 1\n`,
  );
  return file;
}

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(['node', 'keywarden', ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe('keywarden schedule --once and keywarden runs', () => {
  it('records an audit run and lists it; a failing run is retried and listed as failed', async () => {
    const good = config('good.yaml', path.join(projectRoot, 'samples', 'acme'));
    const run = await cli('--config', good, 'schedule', '--once', 'audit');
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/audit run 1: ok/);
    const listed = await cli('--config', good, 'runs');
    expect(listed.out).toMatch(/^1\taudit\tattempt 1\t\S+\t\S+\tok\tscan 1\tcoverage complete\tfindings \d+ \(open \d+\)\n$/);

    const bad = config('bad.yaml', path.join(tmp, 'missing-export'));
    const failed = await cli('--config', bad, 'schedule', '--once', 'ingest');
    expect(failed.code).toBe(4);
    expect(failed.err).toMatch(/ingest attempt 1 failed .*retrying in 1 s/);
    const runs = (await cli('--config', bad, 'runs')).out.trim().split('\n');
    expect(runs.map((l) => l.split('\t').slice(0, 3).concat(l.split('\t')[5]!))).toEqual([
      ['2', 'ingest', 'attempt 2', 'failed'],
      ['1', 'ingest', 'attempt 1', 'failed'],
    ]);
  }, 30_000);

  it('rejects a bad schedule in the config with the file and line', async () => {
    const file = path.join(tmp, 'bad-cron.yaml');
    writeFileSync(file, "schedule:\n  audit: '0 3 32 * *'\n  timezone: Mars/Olympus\n");
    const run = await cli('--config', file, 'schedule', '--once', 'audit');
    expect(run.code).toBe(3);
    expect(run.err).toContain('bad-cron.yaml:2:10: schedule.audit: expected a cron expression');
    expect(run.err).toContain('(and 1 more problem)');
  });

  it('runs until SIGTERM, then stops cleanly', async () => {
    const signals = new EventEmitter();
    let err = '';
    const running = runSchedule({ config: config('daemon.yaml', path.join(projectRoot, 'samples', 'acme')) }, { out: () => undefined, err: (s) => void (err += s) }, signals);
    await new Promise((r) => setTimeout(r, 50));
    expect(err).toMatch(/scheduled: audit "0 3 1 \* \*" \(UTC\); next audit \d{4}-\d{2}-01T03:00:00\.000Z/);
    signals.emit('SIGTERM');
    expect(await running).toBe(0);
    expect(err).toContain('SIGTERM: stopping; a run in progress finishes its current step');
  });
});

describe('keywarden schedule as a process', () => {
  it('exits 0 on a real SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const cfg = config('proc.yaml', path.join(projectRoot, 'samples', 'acme'));
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin/keywarden.js'), '--config', cfg, 'schedule'], { cwd: tmp });
    let err = '';
    let sent = false;
    child.stderr.on('data', (d) => {
      err += d;
      // Once: a second SIGTERM has no handler left and kills at once, as it should.
      if (!sent && err.includes('scheduled: audit')) sent = child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(err).toContain('SIGTERM: stopping');
    expect(code).toBe(0);
  }, 30_000);
});
