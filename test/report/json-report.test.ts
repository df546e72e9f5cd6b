/** The JSON report against the JSON Schema kept in the repository (docs/report.schema.json), with an independent validator. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/fixtures.js';
import { sampleAndHostile } from './report-fixtures.js';

const Ajv2020 = Ajv2020Module.default;
const schema = JSON.parse(readFileSync(path.join(projectRoot, 'docs', 'report.schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
const reports = sampleAndHostile();

describe('JSON report and its schema file', () => {
  it('the sample report, and one with suggestions, reach edges and suppressions filled in, validate', () => {
    for (const report of [reports.sample, reports.hostile]) {
      const json = JSON.parse(JSON.stringify(report));
      expect(validate(json), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    }
    expect(reports.hostile.suggestions).toHaveLength(1);
  });

  it('rejects a report with a finding of unknown severity', () => {
    const json = JSON.parse(JSON.stringify(reports.sample));
    json.findings[0].severity = 'severe';
    expect(validate(json)).toBe(false);
  });
});
