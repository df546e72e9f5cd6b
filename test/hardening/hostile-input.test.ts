/**
 * Hostile and malformed input, generated: every parser either accepts the
 * input or refuses it with its own documented error; none crashes with
 * anything else, allocates without bound or hangs. Real formats are the
 * starting point: valid exports are truncated, retyped and corrupted.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandPolicyDocument } from '../../src/analyse/aws/policy-expansion.js';
import { loadAwsActionCatalog, type AwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { CloudTrailFileError, CloudTrailParseError, CloudTrailRecordReader, readCloudTrailFile } from '../../src/collect/files/cloudtrail/index.js';
import { decodePolicyDocument, PolicyDocumentError } from '../../src/collect/files/iam/index.js';
import { parseCsv } from '../../src/collect/files/iam/csv.js';
import { parseCredentialReport } from '../../src/collect/files/iam/credential-report-transform.js';
import { importExportDir } from '../../src/collect/files/import-export-dir.js';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import { caseCounter, hostileString, thrown } from './generated-cases.js';

const SAMPLE = path.resolve('samples/acme');
const cases = caseCounter('hostile input');

let catalog: AwsActionCatalog;
let work: string;
beforeAll(async () => {
  catalog = await loadAwsActionCatalog();
  work = mkdtempSync(path.join(os.tmpdir(), 'keywarden-hostile-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));


/** JSON values of every shape, including the wrong type where a policy expects a string or a list. */
const anyJson = fc.jsonValue({ maxDepth: 6 });
const statementLike = fc.record(
  {
    Effect: fc.oneof(fc.constantFrom('Allow', 'Deny', 'allow', ''), anyJson),
    Action: fc.oneof(fc.constantFrom('*', 's3:*', 'iam:Pass*', 'ec2:Describe?nstances', 'nosuch:Thing', 'S3:GETOBJECT'), fc.array(fc.string(), { maxLength: 5 }), anyJson),
    NotAction: fc.oneof(fc.constantFrom('iam:*', ['sts:*']), anyJson),
    Resource: fc.oneof(fc.constantFrom('*', 'arn:aws:s3:::b/*'), fc.array(fc.string(), { maxLength: 3 }), anyJson),
    NotResource: anyJson,
    Principal: anyJson,
    Condition: fc.oneof(fc.constant({ StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } }), anyJson),
    Sid: fc.oneof(fc.string(), anyJson),
  },
  { requiredKeys: [] },
);
const policyLike = fc.oneof(
  fc.record({ Version: fc.constantFrom('2012-10-17', '2008-10-17'), Statement: fc.oneof(statementLike, fc.array(statementLike, { maxLength: 6 })) }),
  anyJson,
);

describe('policy documents', () => {
  it('decodes documents given as objects, JSON strings or URL-encoded strings, or refuses them with PolicyDocumentError', async () => {
    const encodings = fc.oneof(
      policyLike,
      policyLike.map((d) => JSON.stringify(d) ?? ''),
      policyLike.map((d) => encodeURIComponent(JSON.stringify(d) ?? '')),
      hostileString(),
      fc.anything(),
    );
    await cases.run(
      fc.property(encodings, (value) => {
        const error = thrown(() => decodePolicyDocument(value));
        expect(error === undefined || error instanceof PolicyDocumentError, String(error)).toBe(true);
      }),
      400,
    );
  });

  it('expands any document to a grant or a named error, never a crash', async () => {
    await cases.run(
      fc.property(fc.oneof(policyLike, fc.anything()), (document) => {
        const expansion = expandPolicyDocument(catalog, 'h', document);
        if (!expansion.ok) expect(expansion.error.message).toMatch(/\S/);
        else expect(expansion.policy.allow.capacity).toBe(catalog.size);
      }),
      400,
    );
  });

  it('keeps unknown actions as unknown, never silently dropped', () => {
    const expansion = expandPolicyDocument(catalog, 'h', { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: ['nosuchservice:DoThing', 's3:GetObject'], Resource: '*' } });
    expect(expansion.ok).toBe(true);
    if (expansion.ok) expect(expansion.policy.statements[0]!.unknownPatterns).toEqual(['nosuchservice:DoThing']);
  });
});

describe('credential report CSV', () => {
  it('parses any text into records without throwing, and any report into rows or one clear refusal', async () => {
    const validCsv = readFileSync(path.join(SAMPLE, 'accounts/acme-prod/iam-get-credential-report.json'), 'utf8');
    const content = Buffer.from((JSON.parse(validCsv) as { Content: string }).Content, 'base64').toString('utf8');
    const mutated = fc.oneof(
      hostileString(),
      fc.nat({ max: content.length }).map((n) => content.slice(0, n)),
      fc.tuple(fc.nat({ max: content.length }), fc.constantFrom('"', ',', '\n', '\r', '\u0000', '""')).map(([n, c]) => content.slice(0, n) + c + content.slice(n)),
    );
    await cases.run(
      fc.property(mutated, (csv) => {
        // The only refusal is an unterminated quote, named by line; the importer turns it into a gap.
        const csvError = thrown(() => parseCsv(csv));
        if (csvError) expect((csvError as Error).message).toMatch(/^unterminated quoted field starting on line \d+$/);
        const error = thrown(() => parseCredentialReport({ file: 'report.csv', csv }));
        if (error) expect((error as Error).message).toMatch(/header row|unterminated quoted field/);
      }),
      300,
    );
  });
});

describe('CloudTrail records', () => {
  const valid = JSON.stringify({
    Records: [
      {
        eventVersion: '1.08',
        eventTime: '2026-11-10T08:00:00Z',
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        awsRegion: 'eu-west-1',
        userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111111111111:assumed-role/agent/s', accountId: '111111111111', sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111111111111:role/agent' } } },
        recipientAccountId: '111111111111',
      },
    ],
  });

  /** Reads bytes in random chunk sizes; returns the records or the parse error. */
  function readAll(bytes: Buffer, chunk: number): { records: number; error?: unknown } {
    let records = 0;
    const reader = new CloudTrailRecordReader({ source: 'fuzz.json', onRecord: () => void records++ });
    const error = thrown(() => {
      for (let i = 0; i < bytes.length; i += chunk) reader.push(bytes.subarray(i, i + chunk));
      reader.end();
    });
    return { records, error };
  }

  it('reads valid records split at any byte, and refuses truncated or corrupted input with CloudTrailParseError', async () => {
    const bytes = Buffer.from(valid);
    const inputs = fc.oneof(
      fc.constant(bytes),
      fc.nat({ max: bytes.length - 1 }).map((n) => bytes.subarray(0, n)),
      fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, b]) => {
        const copy = Buffer.from(bytes);
        copy[at] = b;
        return copy;
      }),
      fc.uint8Array({ maxLength: 2_000 }).map((a) => Buffer.from(a)),
      hostileString().map((s) => Buffer.from(s)),
      anyJson.map((v) => Buffer.from(JSON.stringify(v) ?? '')),
      anyJson.map((v) => Buffer.from(JSON.stringify({ Records: [v] }) ?? '')),
    );
    await cases.run(
      fc.property(inputs, fc.integer({ min: 1, max: 4096 }), (input, chunk) => {
        const { error } = readAll(input, chunk);
        expect(error === undefined || error instanceof CloudTrailParseError, String(error)).toBe(true);
      }),
      500,
    );
    expect(readAll(bytes, 7)).toEqual({ records: 1 });
  });

  it('refuses truncated and corrupt gzip files with an error naming the file', async () => {
    const gz = gzipSync(Buffer.from(valid.repeat(1)));
    await cases.run(
      fc.asyncProperty(fc.nat({ max: gz.length - 1 }), fc.boolean(), async (cut, flip) => {
        const file = path.join(work, `trail-${cut}-${flip}.json.gz`);
        const bytes = Buffer.from(gz.subarray(0, flip ? gz.length : cut));
        if (flip) bytes[Math.min(cut, bytes.length - 1)]! ^= 0xff;
        writeFileSync(file, bytes);
        try {
          await readCloudTrailFile(file, () => undefined);
        } catch (error) {
          // Gzip damage is a file error; damage that still inflates fails in the JSON reader.
          expect(error instanceof CloudTrailFileError || error instanceof CloudTrailParseError, String(error)).toBe(true);
          expect((error as Error).message).toContain(file);
        } finally {
          rmSync(file, { force: true });
        }
      }),
      150,
    );
  });
});

describe('config files', () => {
  it('loads or refuses any YAML or JSON text with ConfigError', async () => {
    const example = readFileSync('examples/keywarden.example.yaml', 'utf8');
    const texts = fc.oneof(
      hostileString(),
      fc.nat({ max: example.length }).map((n) => example.slice(0, n)),
      anyJson.map((v) => JSON.stringify(v) ?? ''),
      fc.dictionary(fc.constantFrom('environments', 'agents', 'thresholds', 'database', 'reports', 'unknownKey'), anyJson).map((o) => JSON.stringify(o)),
    );
    await cases.run(
      fc.property(texts, fc.boolean(), (text, asJson) => {
        const error = thrown(() => parseConfig(text, asJson ? 'k.json' : 'k.yaml'));
        expect(error === undefined || error instanceof ConfigError, String(error)).toBe(true);
      }),
      300,
    );
  });
});

/** Whether bytes still hold JSON (after gunzip when gzipped): damage a reader may not notice. */
function parsesAsJson(bytes: Buffer, name: string): boolean {
  try {
    // Readers go by the gzip magic number, not the file name.
    const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
    JSON.parse((gzipped ? gunzipSync(bytes) : bytes).toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

describe('export directories', () => {
  /** Every file of the sample export, relative to it. */
  function filesUnder(dir: string, prefix = ''): string[] {
    return readdirSync(path.join(dir, prefix)).flatMap((name) => {
      const rel = path.join(prefix, name);
      return statSync(path.join(dir, rel)).isDirectory() ? filesUnder(dir, rel) : [rel];
    });
  }

  it('imports what is readable when one file is truncated, retyped or corrupted, and records the rest as a gap', async () => {
    // The sample's account exports and a few CloudTrail days per account keep each round small.
    const base = path.join(work, 'export-base');
    cpSync(SAMPLE, base, { recursive: true, filter: (src) => !/CloudTrail_[^/]*_2026(09|10)\d\d/.test(src) });
    const files = filesUnder(base).filter((f) => !f.endsWith('README.md'));
    const clean = await importExportDir(base, { alreadyIngested: () => false });
    expect(files.filter((f) => f.endsWith('.json.gz')).length).toBeGreaterThan(2);
    const damage = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant('retype' as const), value: anyJson }),
      fc.record({ kind: fc.constant('bytes' as const), value: fc.uint8Array({ maxLength: 300 }) }),
    );
    let round = 0;
    await cases.run(
      fc.asyncProperty(fc.constantFrom(...files), damage, async (victim, how) => {
        const dir = path.join(work, `export-${round++}`);
        cpSync(base, dir, { recursive: true });
        const target = path.join(dir, victim);
        const original = readFileSync(target);
        const replacement =
          how.kind === 'truncate'
            ? original.subarray(0, Math.floor(original.length * how.at))
            : how.kind === 'retype'
              ? Buffer.from(JSON.stringify(how.value) ?? '')
              : Buffer.from(how.value);
        writeFileSync(target, replacement);
        try {
          const result = await importExportDir(dir, { alreadyIngested: () => false });
          const { snapshot } = result;
          // The other account is untouched: its identities are all still there.
          const victimAccount = victim.includes('acme-staging') ? '222222222222' : victim.includes('acme-prod') ? '111111111111' : undefined;
          for (const identity of clean.snapshot.identities) {
            if (identity.accountId !== victimAccount && victimAccount !== undefined) {
              expect(snapshot.identities.some((i) => i.arn === identity.arn)).toBe(true);
            }
          }
          // A file that no longer parses is named in a coverage entry that is not ok.
          if (!parsesAsJson(replacement, victim)) {
            const named = snapshot.coverage.filter((c) => c.status !== 'ok' && JSON.stringify(c).includes(path.basename(victim)));
            expect(named, `no coverage entry names ${victim}`).not.toHaveLength(0);
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      25,
    );
  }, 240_000);
});
