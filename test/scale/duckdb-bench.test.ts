/**
 * The benchmark's DuckDB yardstick (bench/duckdb-cloudtrail.ts) counts what
 * the local ingest counts, keyed the same way, on the bundled sample.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { duckdbCloudTrailCounts } from '../../bench/duckdb-cloudtrail.js';
import { discoverCloudTrailFiles, ingestCloudTrailFiles } from '../../src/collect/files/cloudtrail/index.js';
import { projectRoot } from '../helpers/fixtures.js';

describe('duckdbCloudTrailCounts', () => {
  it('equals the local ingest on samples/acme', async () => {
    const dir = path.join(projectRoot, 'samples/acme/cloudtrail');
    const local = await ingestCloudTrailFiles(await discoverCloudTrailFiles(dir));
    const duck = await duckdbCloudTrailCounts(dir);
    expect(duck.events).toBe(local.stats.events);
    expect(duck.counts).toEqual(new Map(local.usage.map((u) => [`${u.identityArn}|${u.credentialId}|${u.action}|${u.day}`, { count: u.count, denied: u.denied }])));
    expect(duck.rows).toBeGreaterThanOrEqual(duck.counts.size);
    expect(duck.seconds).toBeGreaterThan(0);
  });
});
