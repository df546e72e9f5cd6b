/**
 * Suggestions on a real `get-account-authorization-details` export, through
 * the real importer, store, facts and rules: every proposed removal comes
 * with the command that makes it. A managed attachment stored without its
 * ARN (derived here from the export: a snapshot that did not carry it)
 * cannot be detached by any command, so no plan may rest on removing it.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/domain.js';
import { runRules } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { suggestionsForScan, type SuggestionWithPlan } from '../../src/suggest/index.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';
import { testConfig } from '../helpers/scenario.js';
import { exportDirWithAuthz, scenarioFromSnapshot, snapshotFromExportDir } from '../helpers/snapshot-scenario.js';

const EXAMPLE = { file: 'aws/authz-cloudsplaining-example.json', account: '200611803367' };

async function suggestionsFor(snapshot: Snapshot): Promise<SuggestionWithPlan[]> {
  const facts = await scenarioFromSnapshot(snapshot);
  const { findings } = runRules(ALL_RULES, facts.context);
  return suggestionsForScan(facts.store, facts, findings, testConfig());
}

const ofKind = (all: SuggestionWithPlan[], kind: string) => all.filter((s) => s.suggestion.kind === kind).map((s) => s.suggestion);

describeFixtures('suggestions on a real export: every removal has its command', () => {
  let snapshot: Snapshot;
  let asExported: SuggestionWithPlan[];
  let withoutArns: SuggestionWithPlan[];
  /** Managed attachments whose ARN is dropped in the derived snapshot: every other one. */
  let stripped: Set<string>;

  beforeAll(async () => {
    snapshot = snapshotFromExportDir(exportDirWithAuthz(fixture(EXAMPLE.file), EXAMPLE.account));
    asExported = await suggestionsFor(snapshot);
    const managed = snapshot.attachments.filter((a) => a.kind === 'managed');
    stripped = new Set(managed.filter((_, i) => i % 2 === 0).map((a) => `${a.identityArn}\u0000${a.policyArn}`));
    const attachments = snapshot.attachments.map((a) => {
      if (!stripped.has(`${a.identityArn}\u0000${a.policyArn}`)) return a;
      const { policyArn: _arn, ...rest } = a;
      return rest;
    });
    withoutArns = await suggestionsFor({ ...snapshot, attachments });
  }, 60_000);

  it('as exported: managed policies are detached by the ARN IAM gave them', () => {
    const detach = ofKind(asExported, 'detach-unused-policy');
    expect(detach.length).toBeGreaterThan(0);
    for (const s of detach) {
      expect(s.steps[0]!.commands, s.title).toEqual([expect.stringMatching(/^aws iam detach-(role|user)-policy --(role|user)-name \S+ --policy-arn arn:aws:iam::(aws|\d{12}):policy\/\S+$/)]);
      expect(s.rollback[0]!.commands[0], s.title).toMatch(/^aws iam attach-(role|user)-policy /);
    }
  });

  it('without ARNs: no detach is proposed that no command could make, and the rest are as before', () => {
    const before = ofKind(asExported, 'detach-unused-policy');
    const after = ofKind(withoutArns, 'detach-unused-policy');
    for (const s of after) expect(s.steps[0]!.commands, s.title).toHaveLength(1);
    // Exactly the detaches of attachments that kept their ARN remain.
    const kept = before.filter((s) => !s.steps[0]!.commands.some((c) => [...stripped].some((k) => c.endsWith(` --policy-arn ${k.split('\u0000')[1]}`) && s.identityArn === k.split('\u0000')[0])));
    expect(kept.length).toBeLessThan(before.length);
    expect(after.map((s) => s.id).sort()).toEqual(kept.map((s) => s.id).sort());
  });

  it('without ARNs: every step says how, and no identity is deleted while a policy no command can detach holds on to it', () => {
    for (const { suggestion } of withoutArns) {
      // split-credential's by-hand stage is the one step that runs no command.
      for (const step of [...suggestion.steps, ...suggestion.rollback]) if (!step.description.startsWith('by hand')) expect(step.commands.length, `${suggestion.kind}: ${step.description}`).toBeGreaterThan(0);
    }
    const holders = new Set([...stripped].map((k) => k.split('\u0000')[0]));
    const deletes = (all: SuggestionWithPlan[]) => ofKind(all, 'delete-unused-role').map((s) => s.identityArn);
    // IAM refuses delete-role while a managed policy is attached (DeleteConflict), and the rollback could not re-attach it.
    expect(deletes(asExported).filter((arn) => holders.has(arn)).length).toBeGreaterThan(0);
    expect(deletes(withoutArns).sort()).toEqual(deletes(asExported).filter((arn) => !holders.has(arn)).sort());
  });
});
