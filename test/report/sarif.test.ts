import { describe, expect, it } from 'vitest';
import { FINGERPRINT_KEY, toSarif } from '../../src/report/sarif.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { HOSTILE_ARN, sampleAndHostile } from './report-fixtures.js';
import { validateSarif as validate } from './sarif-validator.js';

const reports = sampleAndHostile();

describe('SARIF 2.1.0 export', () => {
  it('is valid against the SARIF 2.1.0 schema, for the sample and the hostile report', () => {
    for (const report of [reports.sample, reports.hostile]) {
      const log = JSON.parse(JSON.stringify(toSarif(report, ALL_RULES)));
      expect(validate(log), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    }
  });

  it('the schema check can fail: a result without a message is rejected', () => {
    const log = JSON.parse(JSON.stringify(toSarif(reports.sample, ALL_RULES)));
    delete log.runs[0].results[0].message;
    expect(validate(log)).toBe(false);
  });

  it('has one rule per rule id with its help text, level and security-severity', () => {
    const run = toSarif(reports.sample, ALL_RULES).runs[0]!;
    const ids = run.tool.driver.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(ALL_RULES.map((r) => r.id)));
    for (const rule of ALL_RULES) {
      const d = run.tool.driver.rules.find((r) => r.id === rule.id)!;
      expect(d.help.text).toContain(rule.remediation);
      expect(d.fullDescription.text).toBe(rule.description);
      expect(Number(d.properties['security-severity'])).toBeGreaterThanOrEqual(rule.severity === 'critical' ? 9 : rule.severity === 'high' ? 7 : 0);
    }
    for (const result of run.results) expect(run.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
  });

  it('maps severity to level and names the identity as a logical location, never a file', () => {
    const run = toSarif(reports.sample, ALL_RULES).runs[0]!;
    expect(run.results).toHaveLength(reports.sample.findings.length);
    reports.sample.findings.forEach((f, i) => {
      const r = run.results[i]!;
      expect(r.level).toBe({ critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' }[f.severity]);
      expect(r.locations[0]!.logicalLocations[0]!.fullyQualifiedName).toBe(f.identityArn);
      expect(r.locations[0]).not.toHaveProperty('physicalLocation');
      expect(r.partialFingerprints[FINGERPRINT_KEY]).toBe(f.fingerprint);
    });
    const fingerprints = run.results.map((r) => r.partialFingerprints[FINGERPRINT_KEY]);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
  });

  it('marks suppressed findings as suppressed, and an expired suppression as open', () => {
    const run = toSarif(reports.hostile, ALL_RULES).runs[0]!;
    const suppressed = run.results[1]!;
    expect(suppressed.suppressions).toEqual([expect.objectContaining({ kind: 'external', status: 'accepted', justification: reports.hostile.findings[1]!.suppression!.reason })]);
    const expired = run.results[2]!;
    expect(expired.suppressions).toBeUndefined();
    expect(expired.properties.suppressionExpired).toMatchObject({ owner: 'platform' });
    // Only unexpired suppressions mark a result (the hostile one, and the sample's own from the example config).
    expect(run.results.filter((r) => r.suppressions).length).toBe(reports.hostile.findings.filter((f) => f.suppression && !f.suppression.expired).length);
    expect(run.results.filter((r) => r.suppressions).length).toBeGreaterThan(0);
    expect(run.results[0]!.locations[0]!.logicalLocations[0]!.fullyQualifiedName).toBe(HOSTILE_ARN);
  });

  it('reports an unread source as a failed execution with a notification', () => {
    const invocation = toSarif(reports.hostile, ALL_RULES).runs[0]!.invocations[0]!;
    expect(invocation.executionSuccessful).toBe(false);
    expect(invocation.toolExecutionNotifications[0]!.message.text).toContain('aws:333333333333');
    expect(toSarif(reports.sample, ALL_RULES).runs[0]!.invocations[0]!.executionSuccessful).toBe(true);
  });
});
