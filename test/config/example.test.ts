import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { configSchema, DEFAULT_AGENT_USER_AGENTS, DEFAULT_HUMAN_USER_AGENTS, loadConfig } from '../../src/config/index.js';
import { resolveAccountEnvironment } from '../../src/analyse/environment.js';
import { projectRoot } from '../helpers/fixtures.js';

const exampleFile = path.join(projectRoot, 'examples/keywarden.example.yaml');

/** Every key path the schema allows (`agents.tags[].key`), from the zod definitions. */
function schemaKeyPaths(schema: z.core.$ZodType, prefix = ''): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  if (['optional', 'default', 'prefault', 'nullable'].includes(def.type)) return schemaKeyPaths(def.innerType as z.core.$ZodType, prefix);
  if (def.type === 'pipe') return schemaKeyPaths(def.in as z.core.$ZodType, prefix);
  if (def.type === 'array') return schemaKeyPaths(def.element as z.core.$ZodType, `${prefix}[]`);
  if (def.type !== 'object') return [];
  return Object.entries(def.shape as Record<string, z.core.$ZodType>).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    return [p, ...schemaKeyPaths(v, p)];
  });
}

function dataKeyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => dataKeyPaths(v, `${prefix}[]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const p = prefix ? `${prefix}.${k}` : k;
      return [p, ...dataKeyPaths(v, p)];
    });
  }
  return [];
}

/** A top-level section shown commented out (`# liveAws:` and the `#   ` lines after it), uncommented. */
function commentedSection(text: string, key: string): Record<string, unknown> {
  const lines = text.split('\n');
  const start = lines.indexOf(`# ${key}:`);
  if (start < 0) return {};
  const block = [lines[start]!];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('#   ')) break;
    block.push(line);
  }
  return parse(block.map((l) => l.slice(2)).join('\n')) as Record<string, unknown>;
}

describe('examples/keywarden.example.yaml', () => {
  it('shows every option the schema has', () => {
    const text = readFileSync(exampleFile, 'utf8');
    const shown = new Set([
      ...dataKeyPaths(parse(text)),
      ...['liveAws', 'gcp', 'athena', 'bigquery'].flatMap((key) => dataKeyPaths(commentedSection(text, key))),
    ]);
    const missing = schemaKeyPaths(configSchema).filter((p) => !shown.has(p));
    expect(missing).toEqual([]);
  });

  it('shows a valid liveAws section, commented out so the sample audits offline', () => {
    const text = readFileSync(exampleFile, 'utf8');
    const section = commentedSection(text, 'liveAws');
    expect(Object.keys(section)).toEqual(['liveAws']);
    expect(configSchema.parse(section).liveAws?.cloudTrail?.lookbackDays).toBe(90);
    expect(loadConfig(exampleFile).liveAws).toBeUndefined();
  });

  it('shows a valid gcp.live section, commented out', () => {
    const text = readFileSync(exampleFile, 'utf8');
    const live = configSchema.parse(commentedSection(text, 'gcp')).gcp?.live;
    expect(live).toEqual({ organization: 'organizations/123456789012', projects: [], logDays: 30, predefinedRolesMaxAgeDays: 7, endpoint: 'https://private.googleapis.com', requestTimeoutSeconds: 30 });
    expect(loadConfig(exampleFile).gcp?.live).toBeUndefined();
  });

  it('shows valid athena and bigquery sections, commented out', () => {
    const text = readFileSync(exampleFile, 'utf8');
    const athena = configSchema.parse(commentedSection(text, 'athena')).athena;
    expect(athena).toMatchObject({ database: 'keywarden', table: 'cloudtrail', maxScannedGb: 100, logs: { bucket: 'acme-cloudtrail-logs', fromDay: '2025-01-01' } });
    expect(configSchema.parse(commentedSection(text, 'bigquery')).bigquery).toMatchObject({ dataset: 'acme-logging.audit_logs', layout: 'sharded', maxBilledGb: 100 });
    expect(loadConfig(exampleFile).athena).toBeUndefined();
  });

  it('documents the built-in userAgent lists as they are', () => {
    const text = readFileSync(exampleFile, 'utf8');
    for (const p of [...DEFAULT_AGENT_USER_AGENTS, ...DEFAULT_HUMAN_USER_AGENTS]) expect(text).toContain(p);
  });

  it('loads, and resolves the acme accounts it describes', () => {
    const config = loadConfig(exampleFile);
    expect(config.thresholds).toEqual({ unusedDays: 90, keyMaxAgeDays: 90, unusedPermissionRatio: 0.5, rootRecentUseDays: 90 });
    expect(config.database).toBe(path.join(projectRoot, 'examples/.keywarden/keywarden.db'));
    const env = (accountId: string, alias: string) =>
      resolveAccountEnvironment({ provider: 'aws', accountId, alias, tags: {} }, config).environment;
    expect(env('111111111111', 'acme-prod')).toBe('production');
    expect(env('222222222222', 'acme-staging')).toBe('staging');
    expect(env('333333333333', 'acme-prod-sandbox-eu')).toBe('sandbox');
    expect(env('444444444444', 'acme-prod-eu')).toBe('production');
    expect(env('555555555555', 'partner-shared')).toBe('unknown');
  });
});
