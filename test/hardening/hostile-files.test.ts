/**
 * Hostile and malformed input, generated, for the files not covered by
 * hostile-input.test.ts: gcloud exports, the suppressions and baseline
 * files, and the policy-check readers (Terraform plan JSON, CloudFormation
 * JSON/YAML, IAM policy files). Valid files are the starting point: they are
 * truncated, retyped, corrupted, nested deep and changed at a random depth.
 * Every reader accepts the input or refuses it with its own error naming
 * the file; an export file it cannot use is a coverage gap naming the file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineOf, parseBaseline, serializeBaseline } from '../../src/ci/baseline-file.js';
import { UserError } from '../../src/cli/errors.js';
import { importGcpExportDir } from '../../src/collect/files/gcp/import-gcp-export.js';
import { ConfigError } from '../../src/config/index.js';
import { readPolicyFile, snapshotOfPlanned } from '../../src/policycheck/check.js';
import { parseSuppressions } from '../../src/suppress/suppressions-file.js';
import { openStore } from '../../src/store/index.js';
import { ACME_AS_OF, acmeGcp } from '../helpers/acme-gcp.js';
import { gcloudExportFiles, writeGcloudExport } from '../helpers/gcp-org.js';
import { testConfig } from '../helpers/scenario.js';
import { CLOUDFORMATION_JSON, CLOUDFORMATION_YAML, IAM_POLICY_FILE, terraformPlan } from '../policycheck/samples.js';
import { caseCounter, hostileString, thrown } from './generated-cases.js';

const cases = caseCounter('hostile files');
const anyJson = fc.jsonValue({ maxDepth: 5 });

let work: string;
beforeAll(() => void (work = mkdtempSync(path.join(os.tmpdir(), 'keywarden-hostile-files-'))));
afterAll(() => rmSync(work, { recursive: true, force: true }));


/** `value` with the node reached by following `picks` (child index modulo the count) replaced. */
function replaceAt(value: unknown, picks: readonly number[], replacement: unknown): unknown {
  if (picks.length === 0 || value === null || typeof value !== 'object') return replacement;
  const entries = Object.entries(value);
  if (entries.length === 0) return replacement;
  const [key, child] = entries[picks[0]! % entries.length]!;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  (copy as Record<string, unknown>)[key] = replaceAt(child, picks.slice(1), replacement);
  return copy;
}

/** Stands for a nesting too deep to build as a value; spliced into the text instead. */
const DEEP = '\u0000deep';
const deepText = (json: string, depth: number) => json.replace(JSON.stringify(DEEP), '['.repeat(depth) + ']'.repeat(depth));

/** Wrong types, hostile strings, unknown fields and deep nesting, for a node at any depth. */
const hostileValue = fc.oneof(
  anyJson,
  hostileString(),
  fc.constantFrom(null, 0, -1, 1e308, true, [], {}, [null], [[]], { unknownField: 'x' }),
  fc.constant(DEEP),
);

/** Damage to a file's text: truncated, replaced bytes (invalid UTF-8 included), or one node changed at a random depth. */
function damaged(original: string, value: unknown): fc.Arbitrary<Buffer> {
  const bytes = Buffer.from(original);
  return fc.oneof(
    fc.nat({ max: bytes.length }).map((n) => bytes.subarray(0, n)),
    fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([at, b]) => Buffer.concat([bytes.subarray(0, at), Buffer.from(b), bytes.subarray(at + b.length)])),
    fc.constantFrom(Buffer.from([0xff, 0xfe, 0x7b]), Buffer.from([0xc3, 0x28]), Buffer.from('\ud800')),
    fc.tuple(fc.array(fc.nat(), { maxLength: 8 }), hostileValue, fc.integer({ min: 100, max: 5_000 })).map(([picks, v, depth]) => Buffer.from(deepText(JSON.stringify(replaceAt(value, picks, v)) ?? 'null', depth))),
  );
}

describe('gcloud exports', () => {
  it('imports what is usable when any file is damaged, records the rest as a gap naming the file, and stores the result', async () => {
    const root = writeGcloudExport(path.join(work, 'gcp-export'), acmeGcp, ACME_AS_OF);
    const files = [...gcloudExportFiles(acmeGcp, ACME_AS_OF)].filter(([rel]) => !rel.startsWith('predefined-roles'));
    const arbitrary = fc.constantFrom(...files).chain(([rel, value]) => fc.tuple(fc.constant(rel), damaged(JSON.stringify(value, null, 2), value)));
    await cases.run(
      fc.property(arbitrary, ([rel, bytes]) => {
        const file = path.join(root, 'gcp', rel);
        const original = readFileSync(file);
        writeFileSync(file, bytes);
        const store = openStore(':memory:');
        try {
          const { snapshot, extras } = importGcpExportDir(root, { alreadyIngested: () => false, now: () => ACME_AS_OF });
          store.writeScan(snapshot, extras);
          const expectsArray = Array.isArray(JSON.parse(original.toString('utf8')));
          let usable = true;
          try {
            const parsed: unknown = JSON.parse(bytes.toString('utf8'));
            usable = expectsArray ? Array.isArray(parsed) : parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
          } catch {
            usable = bytes.toString('utf8').trim() === '' && expectsArray;
          }
          if (!usable) {
            const named = snapshot.coverage.filter((c) => c.status === 'gap' && (c.reason ?? '').includes(file));
            expect(named, `no gap names ${rel}`).not.toHaveLength(0);
          }
        } finally {
          store.close();
          writeFileSync(file, original);
        }
      }),
      250,
    );
  }, 60_000);
});

/** Parses with `parse`; the only refusal allowed is ConfigError whose every line names the file. */
function refusesWithConfigError(parse: () => unknown, fileName: string): void {
  const error = thrown(parse);
  if (error === undefined) return;
  expect(error instanceof ConfigError, String(error)).toBe(true);
  for (const line of (error as ConfigError).message.split('\n')) expect(line.startsWith(fileName), line).toBe(true);
}

describe('suppressions and baseline files', () => {
  const suppressions = {
    suppressions: [
      { rule: 'aws.root-level-scope', identity: 'arn:aws:iam::111111111111:role/break-glass-*', granular: 'Action::*', reason: 'break-glass', owner: 'secops@acme.example', expires: '2027-01-31' },
      { rule: 'gcp.*', identity: 'ci@p.iam.gserviceaccount.com', reason: 'ci', owner: 'platform' },
    ],
  };
  const finding = { fingerprint: 'a'.repeat(32), ruleId: 'aws.root-level-scope', identityArn: 'arn:aws:iam::1:role/x', granular: 'Action::*', severity: 'critical', title: 't' };
  const baseline = JSON.parse(serializeBaseline(baselineOf([finding as never], ACME_AS_OF))) as unknown;
  const yamlText = (value: unknown) => fc.constant(JSON.stringify(value)).map((json) => json.replace(/[{}]/g, (c) => (c === '{' ? '{ ' : ' }')));
  const texts = (value: unknown) =>
    fc.oneof(
      damaged(JSON.stringify(value, null, 2), value).map((b) => b.toString('utf8')),
      hostileString(),
      yamlText(value),
      fc.constantFrom('a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: &d [*c, *c]\ne: &e [*d, *d]\nf: [*e, *e]', '!!js/function "x"', 'suppressions: !Ref x', '%YAML 9.9\n---\n'),
    );

  it('loads or refuses any suppressions text with ConfigError naming the file', async () => {
    await cases.run(
      fc.property(texts(suppressions), fc.constantFrom('s.yaml', 's.json'), (text, name) => refusesWithConfigError(() => parseSuppressions(text, name), name)),
      300,
    );
  });

  it('loads or refuses any baseline text with ConfigError naming the file', async () => {
    await cases.run(
      fc.property(texts(baseline), (text) => refusesWithConfigError(() => parseBaseline(text, 'baseline.json'), 'baseline.json')),
      300,
    );
  });
});

describe('policy-check readers', () => {
  const iamPolicy = JSON.parse(IAM_POLICY_FILE) as { Statement: unknown };
  const samples: [string, string, unknown][] = [
    ['plan.json', JSON.stringify(terraformPlan()), terraformPlan()],
    ['template.json', CLOUDFORMATION_JSON, JSON.parse(CLOUDFORMATION_JSON)],
    ['template.yaml', CLOUDFORMATION_YAML, undefined],
    ['policy.json', IAM_POLICY_FILE, iamPolicy],
    // Action as a string, and the policy document given as a JSON string rather than an object.
    ['policy-string-action.json', JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' } }), undefined],
  ];
  const yamlDamage = (text: string) =>
    fc.oneof(
      fc.nat({ max: text.length }).map((n) => text.slice(0, n)),
      fc.tuple(fc.nat({ max: text.length }), fc.constantFrom('!Ref', '!GetAtt', '!Sub [', '!Join', '!If {', '*alias', '&a', '\t', ': :', '- - -', '!Unknown x', '\u0000')).map(([at, s]) => `${text.slice(0, at)} ${s} ${text.slice(at)}`),
      fc.integer({ min: 100, max: 5_000 }).map((n) => `${text}\n  Deep: ${'['.repeat(n)}${']'.repeat(n)}\n`),
    );
  const inputs = fc.constantFrom(...samples).chain(([name, text, value]) =>
    fc.tuple(
      fc.constant(name),
      value === undefined ? yamlDamage(text).map((t) => Buffer.from(t)) : damaged(text, value),
    ),
  );
  const planned = fc.oneof(
    inputs,
    // A whole IAM policy file whose Statement is replaced: string vs array Action, documents as strings.
    fc.tuple(fc.constant('policy.json'), fc.oneof(anyJson, fc.constant(JSON.stringify(iamPolicy.Statement))).map((s) => Buffer.from(JSON.stringify({ Version: '2012-10-17', Statement: s })))),
  );

  it('reads any policy file into planned principals that store, or refuses it with UserError naming the file', async () => {
    let round = 0;
    await cases.run(
      fc.property(planned, ([name, bytes]) => {
        const file = path.join(work, `${round++}-${name}`);
        writeFileSync(file, bytes);
        const store = openStore(':memory:');
        try {
          const error = thrown(() => {
            const principals = readPolicyFile(file);
            const { snapshot } = snapshotOfPlanned(principals, { config: testConfig(), files: [file], now: ACME_AS_OF });
            store.writeScan(snapshot);
          });
          if (error !== undefined) {
            expect(error instanceof UserError, String(error)).toBe(true);
            expect((error as Error).message.startsWith(`${file}: `), (error as Error).message).toBe(true);
          }
        } finally {
          store.close();
          rmSync(file, { force: true });
        }
      }),
      300,
    );
  }, 60_000);
});
