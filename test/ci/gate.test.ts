import { describe, expect, it } from 'vitest';
import { baselineOf, parseBaseline, serializeBaseline } from '../../src/ci/baseline-file.js';
import { judge } from '../../src/ci/gate.js';
import type { Finding, Severity } from '../../src/model/finding.js';
import { fingerprint } from '../../src/rules/engine.js';

function finding(identity: string, severity: Severity, suppression?: Finding['suppression']): Finding {
  const base = { ruleId: 'aws.production-reach', identityArn: `arn:aws:iam::111111111111:role/${identity}`, granular: 'Reach::production::Write' };
  return { ...base, severity, accountId: '111111111111', title: `${identity} writes to production`, evidence: [], fingerprint: fingerprint(base), suppression };
}

const old = finding('old-deployer', 'critical');
const fresh = finding('new-agent', 'high');
const minor = finding('reader', 'medium');

describe('CI gate', () => {
  it('fails on open findings at or above the threshold only', () => {
    const v = judge({ findings: [old, fresh, minor], failOn: 'high', coverageComplete: true, allowPartial: false });
    expect(v.failing.map((f) => f.identityArn)).toEqual([old.identityArn, fresh.identityArn]);
    expect(judge({ findings: [old, fresh, minor], failOn: 'medium', coverageComplete: true, allowPartial: false }).failing).toHaveLength(3);
    expect(judge({ findings: [old, fresh, minor], failOn: 'critical', coverageComplete: true, allowPartial: false }).failing).toEqual([old]);
  });

  it('lets suppressed findings through until their suppression expires', () => {
    const live = finding('old-deployer', 'critical', { reason: 'r', owner: 'o', expired: false, source: 's#1' });
    const lapsed = finding('old-deployer', 'critical', { reason: 'r', owner: 'o', expires: '2026-01-01', expired: true, source: 's#1' });
    expect(judge({ findings: [live], failOn: 'high', coverageComplete: true, allowPartial: false })).toMatchObject({ failing: [], suppressed: [live] });
    expect(judge({ findings: [lapsed], failOn: 'high', coverageComplete: true, allowPartial: false })).toMatchObject({ failing: [lapsed], reopened: [lapsed] });
  });

  it('with a baseline, fails on new findings only and lists entries that no longer occur', () => {
    const gone = finding('deleted-role', 'high');
    const baseline = parseBaseline(serializeBaseline(baselineOf([old, gone], new Date('2026-10-01T00:00:00Z'))), 'b.json');
    const v = judge({ findings: [old, fresh], failOn: 'high', baseline, coverageComplete: true, allowPartial: false });
    expect(v.failing).toEqual([fresh]);
    expect(v.baselined).toEqual([old]);
    expect(v.staleBaseline.map((e) => e.identityArn)).toEqual([gone.identityArn]);
  });

  it('writes the same baseline for the same findings in any order', () => {
    const at = new Date('2026-10-01T00:00:00Z');
    expect(serializeBaseline(baselineOf([old, fresh, old], at))).toBe(serializeBaseline(baselineOf([fresh, old], at)));
  });

  it('is incomplete unless partial coverage is accepted', () => {
    expect(judge({ findings: [], failOn: 'high', coverageComplete: false, allowPartial: false }).incomplete).toBe(true);
    expect(judge({ findings: [], failOn: 'high', coverageComplete: false, allowPartial: true }).incomplete).toBe(false);
  });
});
