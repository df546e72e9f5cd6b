/**
 * Suggestions are stored with the scan; the next scan marks each new, open
 * or done (its findings disappeared), with ids stable across scans.
 */
import { describe, expect, it } from 'vitest';
import { scanFacts } from '../../src/analyse/scan-facts.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { runRules } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { openStore } from '../../src/store/index.js';
import { reportSuggestions } from '../../src/suggest/report-suggestions.js';
import { AS_OF, PROD, snapshotOf, testConfig, type ScenarioSpec } from '../helpers/scenario.js';

const USER = `arn:aws:iam::${PROD}:user/automation/nightly-export`;
const KEY = 'AKIAEXAMPLEKEY000001';

function spec(keyActive: boolean, collectedAt: string): ScenarioSpec {
  return {
    collectedAt,
    identities: [
      {
        arn: USER,
        policies: [{ name: 'export', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::exports/*' }] } }],
        credentials: [
          { id: KEY, kind: 'access-key', active: keyActive, createdAt: '2026-09-01T00:00:00Z' },
          { id: 'AKIAEXAMPLEKEY000002', kind: 'access-key', active: true, createdAt: '2026-10-01T00:00:00Z', lastUsedAt: '2026-11-14T03:00:00Z' },
        ],
      },
    ],
    usage: [{ identityArn: USER, credentialId: 'AKIAEXAMPLEKEY000002', action: 's3:GetObject', day: '2026-11-14', count: 12, denied: 0, lastSeen: '2026-11-14T03:00:00Z' }],
  };
}

describe('suggestion status across scans', () => {
  it('is new, then open while the finding stays, then done once it is gone', async () => {
    const store = openStore(':memory:');
    const catalog = await loadAwsActionCatalog();
    const config = testConfig();
    const window = windowEndingAt(AS_OF, 90);
    const report = (scanId: number) => {
      const facts = scanFacts(store, catalog, config, { scanId, window });
      const { findings } = runRules(ALL_RULES, facts.context);
      return reportSuggestions(store, config).build(facts, findings);
    };

    const first = report(store.writeScan(snapshotOf(spec(true, '2026-11-13T00:00:00Z'))));
    const deactivate = first.find((s) => s.kind === 'deactivate-unused-access-key' && s.credentialId === KEY);
    expect(deactivate?.status).toBe('new');
    expect(deactivate?.steps.map((s) => s.commands)).toEqual([
      [`aws iam update-access-key --user-name nightly-export --access-key-id ${KEY} --status Inactive`],
      [`aws iam delete-access-key --user-name nightly-export --access-key-id ${KEY}`],
    ]);
    expect(deactivate?.steps[1]?.waitDays).toBe(14);
    expect(deactivate?.rollback[0]?.commands).toEqual([`aws iam update-access-key --user-name nightly-export --access-key-id ${KEY} --status Active`]);

    const second = report(store.writeScan(snapshotOf(spec(true, '2026-11-14T00:00:00Z'))));
    expect(second.find((s) => s.id === deactivate!.id)?.status).toBe('open');

    // The key was deactivated: its finding is gone, so the suggestion is done.
    const third = report(store.writeScan(snapshotOf(spec(false, '2026-11-15T00:00:00Z'))));
    const done = third.find((s) => s.id === deactivate!.id);
    expect(done?.status).toBe('done');
    expect(third.filter((s) => s.status !== 'done').map((s) => s.credentialId)).not.toContain(KEY);
    store.close();
  });
  it('keeps the structured plans only when asked, and they are the suggestions the report carries', async () => {
    const store = openStore(':memory:');
    const catalog = await loadAwsActionCatalog();
    const config = testConfig();
    const scanId = store.writeScan(snapshotOf(spec(true, '2026-11-13T00:00:00Z')));
    const facts = scanFacts(store, catalog, config, { scanId, window: windowEndingAt(AS_OF, 90) });
    const { findings } = runRules(ALL_RULES, facts.context);

    const audit = reportSuggestions(store, config);
    expect(audit.build(facts, findings).length).toBeGreaterThan(0);
    expect(() => audit.plans()).toThrow(/keepPlans/);

    const plan = reportSuggestions(store, config, { keepPlans: true });
    const reported = plan.build(facts, findings);
    const kept = plan.plans();
    expect(kept.map((p) => p.suggestion.id)).toEqual(reported.map((s) => s.id));
    const deactivate = kept.find((p) => p.suggestion.kind === 'deactivate-unused-access-key' && p.suggestion.credentialId === KEY);
    expect(deactivate?.plan.steps[0]?.commands[0]?.argv).toEqual(['aws', 'iam', 'update-access-key', '--user-name', 'nightly-export', '--access-key-id', KEY, '--status', 'Inactive']);
    store.close();
  });
});
