import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/index.js';
import { projectRoot } from '../helpers/fixtures.js';

describe('config: schedule and suppressions', () => {
  it('fills the defaults: monthly at 03:00 UTC, 3 retries, 13 months kept', () => {
    expect(parseConfig('schedule: {}\n', 'c.yaml').schedule).toEqual({
      audit: '0 3 1 * *',
      timezone: 'UTC',
      live: [],
      retries: 3,
      retryDelaySeconds: 60,
      retentionMonths: 13,
      lockTtlMinutes: 30,
    });
  });

  it.each([
    ["schedule:\n  audit: '61 * * * *'\n", 'c.yaml:2:10: schedule.audit: expected a cron expression'],
    ['schedule:\n  timezone: Europe/Atlantis\n', 'schedule.timezone: expected an IANA time zone'],
    ['schedule:\n  notify:\n    webhook: ftp://x.example/a\n', 'schedule.notify.webhook: expected an http(s) URL'],
    ['schedule:\n  notify:\n    command: logger\n', 'schedule.notify.command: expected a list'],
    ['schedule:\n  retries: 50\n', 'schedule.retries:'],
    ['schedule:\n  retentionMonth: 6\n', 'schedule.retentionMonth: unknown key; did you mean retentionMonths?'],
  ])('rejects %j', (text, message) => {
    expect(() => parseConfig(text, 'c.yaml')).toThrow(message);
  });

  it('resolves suppressions and schedule.from against the config file', () => {
    const config = loadConfig(path.join(projectRoot, 'examples', 'keywarden.example.yaml'));
    expect(config.suppressions).toBe(path.join(projectRoot, 'examples', 'suppressions.example.yaml'));
    expect(config.schedule?.from).toBe(path.join(projectRoot, 'samples', 'acme'));
  });
});
