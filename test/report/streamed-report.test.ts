/**
 * The JSON and SARIF reports written piece by piece: the same bytes the
 * one-string writers produced (JSON.stringify of the schema-parsed report),
 * on the bundled sample audit and a GCP audit, schema-valid, each finding's
 * evidence built for its write and not kept, and atomic when writing fails
 * half-way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuditReport } from '../../src/analyse/audit.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { DEFAULT_CONFIG, loadConfig, type KeywardenConfig } from '../../src/config/index.js';
import type { Evidence } from '../../src/model/finding.js';
import { reportSchema, type AuditReport } from '../../src/report/json-schema.js';
import { evidenceOf, findingForWriting, firstEvidence, jsonReportContent, validatedReport } from '../../src/report/json-report.js';
import { jsonText, StreamedArray, streamedMap, writeJson } from '../../src/report/json-stream.js';
import { sarifContent, toSarif } from '../../src/report/sarif.js';
import { writeDatedReport, writeReportFile, type ReportContent } from '../../src/report/write.js';
import { evidencePending, lazyEvidence } from '../../src/rules/lazy-evidence.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { reportSuggestions } from '../../src/suggest/report-suggestions.js';
import { projectRoot } from '../helpers/fixtures.js';
import { CI_REPORT_FORMATS } from '../../src/cli/ci.js';
import { renderReport, REPORT_FORMATS } from '../../src/cli/report-files.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { ACME_AS_OF, acmeGcp } from '../helpers/acme-gcp.js';
import { importOrg } from '../helpers/gcp-audit.js';
import { cli, SAMPLE, SAMPLE_CONFIG, scaledReport } from './report-fixtures.js';

const Ajv2020 = Ajv2020Module.default;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(path.join(projectRoot, 'docs', 'report.schema.json'), 'utf8')));

/** What the writers wrote before streaming: the schema-parsed report (which builds every finding's evidence) as one string. */
const oneString = (report: AuditReport) => JSON.stringify(reportSchema.parse(report), null, 2) + '\n';

function written(content: ReportContent): string {
  const pieces: string[] = [];
  if (typeof content === 'string') return content;
  content((s) => pieces.push(s));
  return pieces.join('');
}

interface Audit {
  name: string;
  /** A fresh audit each call, findings' evidence unbuilt, as `keywarden audit` makes it. */
  build: () => AuditReport;
}

let tmp: string;
const stores: Store[] = [];
const audits: Audit[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-streamed-'));
  const catalog = await loadAwsActionCatalog();
  const audit = (store: Store, config: KeywardenConfig, asOf: Date, days: number) => {
    const scanId = store.latestScan(store.listScans()[0]!.provider)!.id;
    const suggest = reportSuggestions(store, config).build;
    return () => buildAuditReport(store, catalog, { scanId, window: windowEndingAt(asOf, days), config, rules: ALL_RULES, toolVersion: 'test', now: asOf, suggest });
  };
  const db = path.join(tmp, 'aws.db');
  const imported = await cli('--config', SAMPLE_CONFIG, '--db', db, 'import', SAMPLE);
  expect(imported.code, imported.err).toBe(0);
  const aws = openStore(db);
  const gcp = openStore(path.join(tmp, 'gcp.db'));
  importOrg(gcp, acmeGcp, ACME_AS_OF);
  stores.push(aws, gcp);
  audits.push(
    { name: 'the bundled sample (AWS)', build: audit(aws, loadConfig(SAMPLE_CONFIG), new Date('2026-11-15T12:00:00Z'), 60) },
    { name: 'a GCP organisation', build: audit(gcp, DEFAULT_CONFIG, ACME_AS_OF, 90) },
  );
});

afterAll(() => {
  for (const s of stores) s.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('writeJson', () => {
  it('writes exactly what JSON.stringify writes, compact or indented, at any streamed depth', () => {
    const value = fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.array(fc.oneof(fc.jsonValue(), fc.constant(undefined))))));
    fc.assert(
      fc.property(value, fc.constantFrom(0, 2, 4), fc.integer({ min: 0, max: 4 }), (v, indent, depth) => {
        expect(jsonText(v, { indent, depth })).toBe(JSON.stringify(v, null, indent));
      }),
      { numRuns: 400 },
    );
    const dated = { at: new Date('2026-11-15T00:00:00Z'), skip: () => 1, list: [undefined, () => 1, {}, [], new String('boxed'), new Map([[1, 2]])], bare: Object.assign(Object.create(null), { a: [1] }) };
    expect(jsonText(dated, { indent: 2, depth: 3 })).toBe(JSON.stringify(dated, null, 2));
  });

  it('makes a StreamedArray\'s items while writing them, and refuses one outside its streamed depth', () => {
    const made: number[] = [];
    const out: string[] = [];
    writeJson({ a: 1, list: new StreamedArray(function* () { for (let i = 0; i < 3; i++) { made.push(i); yield { i }; } }), empty: streamedMap([], (x) => x) }, (s) => {
      out.push(s);
      if (s.includes('"i"')) expect(made.length).toBe(JSON.parse(s.trim()).i + 1);
    }, { indent: 2, depth: 1 });
    expect(out.join('')).toBe(JSON.stringify({ a: 1, list: [{ i: 0 }, { i: 1 }, { i: 2 }], empty: [] }, null, 2));
    expect(() => jsonText({ deep: { list: streamedMap([1], (x) => x) } }, { depth: 1 })).toThrow(/StreamedArray/);
  });
});

describe('streamed JSON and SARIF reports', () => {
  it('are byte for byte what the one-string writers wrote, on the sample audit and a GCP audit, and validate against the documented schema', () => {
    for (const { name, build } of audits) {
      const before = oneString(build());
      const report = validatedReport(build());
      const file = path.join(tmp, 'out', `${name}.json`);
      writeReportFile(file, jsonReportContent(report));
      const after = readFileSync(file, 'utf8');
      expect(after === before, name).toBe(true);
      expect(validate(JSON.parse(after)), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
      expect(reportSchema.parse(JSON.parse(after))).toEqual(JSON.parse(before));
      // SARIF from the same report, streamed, against the SARIF log built as one object from the parsed report.
      const sarifBefore = JSON.stringify(toSarif(reportSchema.parse(build()), ALL_RULES), null, 2) + '\n';
      expect(written(sarifContent(report, ALL_RULES)) === sarifBefore, name).toBe(true);
    }
  });

  it('build each finding\'s evidence for its write and keep none of it, as do the HTML, Markdown, terminal and `ci` outputs', () => {
    for (const { name, build } of audits) {
      const report = validatedReport(build());
      const lazy = report.findings.filter((f) => evidencePending(f));
      // The AWS rules build evidence when read; the GCP rules build it with the finding.
      if (name.includes('AWS')) expect(lazy.length, `${name}: findings with evidence to build`).toBeGreaterThan(0);
      if (!lazy.length) continue;
      written(jsonReportContent(report));
      written(sarifContent(report, ALL_RULES));
      // `ci`'s outputs, and the other formats `audit` writes.
      for (const render of Object.values(CI_REPORT_FORMATS)) written(render(report));
      for (const format of REPORT_FORMATS) written(renderReport(format, report, undefined, REPORT_FORMATS));
      renderTerminal(report);
      expect(report.findings.filter((f) => evidencePending(f))).toHaveLength(lazy.length);
      // The value as written still reads as the parsed report, evidence included.
      const plain = findingForWriting(lazy[0]!);
      expect(evidencePending(lazy[0]!)).toBe(true);
      expect(plain.evidence.length).toBeGreaterThan(0);
    }
  });

  it('show each finding\'s first evidence line (SARIF, `ci`) or first items (a suggestion\'s quote) without building or keeping the rest: the items the whole list starts with', () => {
    for (const { name, build } of audits) {
      for (const report of [build(), validatedReport(build())]) {
        const lazy = report.findings.filter((f) => evidencePending(f));
        const rules = new Set<string>();
        for (const f of lazy) {
          const whole = evidenceOf(f);
          expect(firstEvidence(f), `${name}: ${f.ruleId} ${f.granular ?? ''}`).toEqual(whole[0]);
          for (const limit of [1, 2, 3]) expect(evidenceOf(f, limit).slice(0, limit), `${name}: ${f.ruleId} ${f.granular ?? ''} limit ${limit}`).toEqual(whole.slice(0, limit));
          expect(evidencePending(f)).toBe(true);
          rules.add(f.ruleId);
        }
        // The builders that make the first line alone are among those checked.
        if (name.includes('AWS')) for (const rule of ['aws.production-reach', 'aws.root-level-scope', 'aws.unused-permissions', 'aws.unused-credential', 'aws.privilege-escalation']) expect(rules.has(rule), `${name}: ${rule}`).toBe(true);
        for (const f of report.findings.filter((f) => !evidencePending(f))) expect(firstEvidence(f)).toBe(f.evidence[0]);
      }
    }
  });

  it('are the same bytes when the report spans many write buffers (2,000 identities)', async () => {
    const base = reportSchema.parse(audits[0]!.build());
    const large = scaledReport(base, 2000);
    const file = path.join(tmp, 'out', 'large.json');
    writeReportFile(file, jsonReportContent(large));
    expect(statSync(file).size).toBeGreaterThan(4 << 20);
    expect(readFileSync(file, 'utf8') === JSON.stringify(large, null, 2) + '\n').toBe(true);
  });

  it('writes a dated file and latest with the same bytes, both owner-only, producing the content once', () => {
    const dir = path.join(tmp, 'dated');
    let runs = 0;
    const [dated, latest] = writeDatedReport(dir, '2026-11-15', 7, 'json', (out) => {
      runs++;
      out('{"a": 1}\n');
    });
    expect(runs).toBe(1);
    for (const f of [dated!, latest!]) {
      expect(readFileSync(f, 'utf8')).toBe('{"a": 1}\n');
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    // A later report replaces latest by rename; the dated file of the earlier one stays as it was.
    writeDatedReport(dir, '2026-11-16', 8, 'json', '{"b": 2}\n');
    expect(readFileSync(dated!, 'utf8')).toBe('{"a": 1}\n');
    expect(readFileSync(latest!, 'utf8')).toBe('{"b": 2}\n');
  });
});

describe('a failure half-way through a streamed report', () => {
  /** The sample report, scaled to 2,000 identities, whose last finding's evidence cannot be built (a builder bug, a store gone away). */
  function failingReport(): AuditReport {
    const report = validatedReport(scaledReport(reportSchema.parse(audits[0]!.build()), 2000));
    const findings = report.findings.slice();
    const victim = findings.length - 1;
    const { evidence: _evidence, fingerprint, suppression, ...head } = findingForWriting(findings[victim]!);
    const broken = lazyEvidence(head, (): Evidence[] => {
      throw new Error('evidence builder failed');
    });
    Object.assign(broken, { fingerprint }, suppression ? { suppression } : {});
    findings[victim] = broken as AuditReport['findings'][number];
    return { ...report, findings };
  }

  it('leaves the previous report under the real name, and no temp file', () => {
    const dir = path.join(tmp, 'fail');
    const file = path.join(dir, 'latest.json');
    writeReportFile(file, 'previous report\n');
    let bytes = 0;
    const content = jsonReportContent(failingReport());
    expect(() =>
      writeReportFile(file, (out) =>
        content((s) => {
          bytes += s.length;
          out(s);
        }),
      ),
    ).toThrow('evidence builder failed');
    expect(bytes).toBeGreaterThan(1 << 20); // more than one write buffer reached the temp file before the failure
    expect(readFileSync(file, 'utf8')).toBe('previous report\n');
    expect(readdirSync(dir)).toEqual(['latest.json']);
  });

  it('leaves nothing at all when there was no previous report', () => {
    const dir = path.join(tmp, 'fail-new');
    expect(() => writeDatedReport(dir, '2026-11-15', 1, 'json', jsonReportContent(failingReport()))).toThrow('evidence builder failed');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('replaces a stale temp file a killed run left, whatever its mode', () => {
    const dir = path.join(tmp, 'stale');
    const file = path.join(dir, 'r.json');
    writeReportFile(file, 'x');
    writeFileSync(`${file}.${process.pid}.tmp`, 'stale', { mode: 0o644 });
    writeReportFile(file, (out) => out('fresh\n'));
    expect(readFileSync(file, 'utf8')).toBe('fresh\n');
    expect(readdirSync(dir)).toEqual(['r.json']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('removes the temp files of runs that no longer exist, and leaves a running writer\'s alone', () => {
    const dir = path.join(tmp, 'dead-runs');
    const file = path.join(dir, 'latest.json');
    writeReportFile(file, 'x');
    // A pid that surely ran and ended: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(`${file}.${dead}.tmp`, 'half a report a killed run left');
    writeFileSync(`${file}.${process.ppid}.tmp`, 'another writer, still running');
    writeFileSync(path.join(dir, `other.json.${dead}.tmp`), 'another report\'s: not this write\'s to clean');
    writeReportFile(file, 'fresh\n');
    expect(readdirSync(dir).sort()).toEqual(['latest.json', `latest.json.${process.ppid}.tmp`, `other.json.${dead}.tmp`]);
  });
});
