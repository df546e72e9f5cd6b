/** Live-collection progress: a redrawn status per account on a terminal, log lines elsewhere. */
import { describe, expect, it } from 'vitest';
import { createProgressRenderer } from '../../src/cli/progress.js';

function output(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { isTTY, write: (s: string) => void writes.push(s) } };
}

describe('createProgressRenderer', () => {
  it('on a terminal redraws one line per account in place, with jobs pending and an ETA', () => {
    let t = 0;
    const { writes, out } = output(true);
    const r = createProgressRenderer(out, { now: () => t });
    r.sink({ account: '111111111111', phase: 'access-advisor', done: 0, total: 100, pending: 8 });
    t = 10_000;
    r.sink({ account: '111111111111', phase: 'access-advisor', done: 25, total: 100, pending: 8 });
    r.sink({ account: '222222222222', phase: 'authorization-details', done: 3 }); // within 100 ms: not drawn yet
    t = 10_200;
    r.sink({ account: '222222222222', phase: 'authorization-details', done: 4 });
    r.finish();
    expect(writes[1]).toBe('\x1b[1A\r\x1b[K111111111111: access-advisor, 25/100, ETA 30s, 8 job(s) pending\n');
    expect(writes[2]).toContain('\x1b[1A');
    expect(writes[2]).toContain('222222222222: authorization-details, 4 page(s)\n');
    expect(writes.at(-1)).toMatch(/^\x1b\[2A/);
  });

  it('in CI or a pipe writes a log line per phase start and per tenth of the work, never escape codes', () => {
    const { writes, out } = output(false);
    const r = createProgressRenderer(out, { now: () => Date.parse('2026-11-15T00:00:00Z') });
    for (let done = 0; done <= 100; done++) r.sink({ account: '111111111111', phase: 'access-advisor', done, total: 100 });
    r.sink({ account: 'aws', phase: 'cloudtrail-s3', done: 1, total: 2, events: 5000 });
    r.finish();
    expect(writes).toHaveLength(12);
    expect(writes[0]).toBe('2026-11-15T00:00:00.000Z 111111111111: access-advisor, 0/100\n');
    expect(writes[10]).toBe('2026-11-15T00:00:00.000Z 111111111111: access-advisor, 100/100\n');
    expect(writes[11]).toContain('aws: cloudtrail-s3, 1/2');
    expect(writes.join('')).not.toContain('\x1b');
    const tty = output(true);
    const ci = createProgressRenderer(tty.out, { ci: true });
    ci.sink({ account: 'x', phase: 'identity' });
    expect(tty.writes.join('')).not.toContain('\x1b');
  });
});
