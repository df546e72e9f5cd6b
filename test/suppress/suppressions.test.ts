import { describe, expect, it } from 'vitest';
import { applySuppressions, isExpired, matches } from '../../src/suppress/apply.js';
import { parseSuppressions, type SuppressionEntry } from '../../src/suppress/suppressions-file.js';
import { isOpen, type Finding } from '../../src/model/finding.js';
import { fingerprint } from '../../src/rules/engine.js';
import { evidencePending, lazyEvidence } from '../../src/rules/lazy-evidence.js';

function finding(ruleId: string, identityArn: string, granular?: string): Finding {
  return { ruleId, identityArn, granular, severity: 'high', accountId: '111111111111', title: 't', evidence: [], fingerprint: fingerprint({ ruleId, identityArn, granular }) };
}

const entry = (e: Partial<SuppressionEntry>): SuppressionEntry => ({ rule: '*', identity: '*', reason: 'r', owner: 'o', source: 's#1', ...e });

describe('suppression matching', () => {
  const passRole = finding('aws.root-level-scope', 'arn:aws:iam::111111111111:role/agents/deploy-bot', 'Action::iam:PassRole');

  it('matches rule, identity glob and granular part; each can exclude', () => {
    expect(matches(entry({ rule: 'aws.root-level-scope', identity: 'arn:aws:iam::111111111111:role/agents/*' }), passRole)).toBe(true);
    expect(matches(entry({ identity: 'arn:aws:iam::111111111111:role/agents/deploy-bo?' }), passRole)).toBe(true);
    expect(matches(entry({ identity: 'arn:aws:iam::222222222222:role/agents/*' }), passRole)).toBe(false);
    expect(matches(entry({ rule: 'aws.production-reach' }), passRole)).toBe(false);
    expect(matches(entry({ granular: 'Action::iam:PassRole' }), passRole)).toBe(true);
    expect(matches(entry({ granular: 'Action::iam:CreateUser' }), passRole)).toBe(false);
    // A granular entry never matches a finding without a granular part except through a wildcard.
    expect(matches(entry({ granular: 'Action::*' }), finding('aws.unused-credential', passRole.identityArn))).toBe(false);
  });

  it('matches GCP service-account emails', () => {
    const sa = finding('gcp.unused-key', 'ci-runner@acme-prod.iam.gserviceaccount.com');
    expect(matches(entry({ identity: '*@acme-prod.iam.gserviceaccount.com' }), sa)).toBe(true);
    expect(matches(entry({ identity: '*@acme-staging.iam.gserviceaccount.com' }), sa)).toBe(false);
  });

  it('expiry is inclusive of the expiry day', () => {
    expect(isExpired({ expires: '2026-11-15' }, '2026-11-15')).toBe(false);
    expect(isExpired({ expires: '2026-11-15' }, '2026-11-16')).toBe(true);
    expect(isExpired({}, '2999-01-01')).toBe(false);
  });

  it('keeps every finding, marks suppressed ones, and names a lapsed entry when no live one matches', () => {
    const other = finding('aws.production-reach', 'arn:aws:iam::111111111111:user/ci', 'Reach::production::Write');
    const entries = [
      entry({ rule: 'aws.root-level-scope', expires: '2026-10-31', reason: 'old', source: 'f#1' }),
      entry({ rule: 'aws.production-reach', reason: 'deploys', source: 'f#2' }),
    ];
    const [a, b] = applySuppressions([passRole, other], entries, '2026-11-15');
    expect(a!.suppression).toEqual({ reason: 'old', owner: 'o', expires: '2026-10-31', expired: true, source: 'f#1' });
    expect(isOpen(a!)).toBe(true);
    expect(b!.suppression?.source).toBe('f#2');
    expect(isOpen(b!)).toBe(false);
    // A live entry wins over an expired one listed first.
    const [c] = applySuppressions([passRole], [entries[0]!, entry({ reason: 'renewed', source: 'f#3' })], '2026-11-15');
    expect(c!.suppression).toMatchObject({ reason: 'renewed', expired: false });
  });
});

describe('suppressed copies of findings with evidence not built yet', () => {
  it('leave it to be built: same keys and JSON as a spread, evidence built only when read', () => {
    let builds = 0;
    const { evidence: _e, ...draft } = finding('aws.root-level-scope', 'arn:aws:iam::111111111111:role/ci', 'Action::iam:PassRole');
    const lazy = () => lazyEvidence({ ...draft }, (): Finding['evidence'] => (builds++, [{ kind: 'note', summary: 'built' }]));
    const [suppressed] = applySuppressions([lazy()], [entry({ reason: 'ok' })], '2026-11-15');
    expect(builds).toBe(0);
    expect(evidencePending(suppressed!)).toBe(true);
    expect(Object.keys(suppressed!)).toEqual([...Object.keys(lazy()), 'suppression']);
    expect(JSON.stringify(suppressed)).toBe(JSON.stringify({ ...lazy(), suppression: suppressed!.suppression }));
    expect(builds).toBe(2);
  });
});

describe('suppressions file', () => {
  it('parses entries with their source and accepts an empty file', () => {
    const parsed = parseSuppressions('suppressions:\n  - rule: aws.x\n    identity: "*"\n    reason: because\n    owner: me\n    expires: 2027-01-31\n', 'supp.yaml');
    expect(parsed).toEqual([{ rule: 'aws.x', identity: '*', reason: 'because', owner: 'me', expires: '2027-01-31', source: 'supp.yaml#1' }]);
    expect(parseSuppressions('# nothing suppressed yet\n', 'supp.yaml')).toEqual([]);
  });

  it.each([
    ['suppressions:\n  - { rule: r, identity: i, owner: o }\n', 'supp.yaml:2:5: suppressions[0].reason: missing'],
    ['suppressions:\n  - { rule: r, identity: i, reason: "  ", owner: o }\n', 'suppressions[0].reason: expected a reason'],
    ['suppressions:\n  - { rule: r, identity: i, reason: x, owner: o, expires: 2027-13-01 }\n', 'suppressions[0].expires: not a calendar day'],
    ['suppressions:\n  - { rule: r, identity: i, reason: x, owner: o, expiry: 2027-01-01 }\n', 'suppressions[0].expiry: unknown key; did you mean expires?'],
    ['supressions: []\n', 'supressions: unknown key; did you mean suppressions?'],
  ])('rejects %j naming the entry', (text, message) => {
    expect(() => parseSuppressions(text, 'supp.yaml')).toThrow(message);
  });
});
