/**
 * Every destructive-catalog entry, from minimal policies through the real
 * store, facts and aws.data-and-backup-destruction: each destroy action and
 * each backup action alone on production is high, one of each is critical,
 * and the same grants in a staging account on `*` are not production.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAwsActionCatalog, type AwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { DESTRUCTIVE_ENTRIES } from '../../src/catalog/destructive-actions.js';
import type { PolicyStatement } from '../../src/model/policy.js';
import { dataAndBackupDestruction } from '../../src/rules/aws/data-and-backup-destruction.js';
import { evidenceOf, evidencePending, firstEvidence } from '../../src/rules/lazy-evidence.js';
import type { RuleEvaluation } from '../../src/rules/rule.js';
import { PROD, STAGING, scenario } from '../helpers/scenario.js';

let catalog: AwsActionCatalog;
beforeAll(async () => {
  catalog = await loadAwsActionCatalog();
});

async function evaluate(account: string, statements: PolicyStatement[]): Promise<RuleEvaluation> {
  const arn = `arn:aws:iam::${account}:role/worker`;
  const facts = await scenario({ identities: [{ arn, policies: [{ name: 'minimal', document: { Version: '2012-10-17', Statement: statements } }] }] });
  return dataAndBackupDestruction.evaluate(facts.context)[0]!;
}

const allow = (Action: string[], Resource = '*'): PolicyStatement => ({ Effect: 'Allow', Action, Resource });

describe('destructive-actions catalog', () => {
  it('names only catalog actions and has unique ids', () => {
    const ids = DESTRUCTIVE_ENTRIES.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of DESTRUCTIVE_ENTRIES) for (const a of [...e.destroy, ...e.backups]) expect(catalog.indexOf(a), `${e.id}: ${a}`).toBeDefined();
  });

  describe.each(DESTRUCTIVE_ENTRIES.map((e) => [e.id, e] as const))('%s', (id, entry) => {
    it.each(entry.destroy)('%s alone on production is high (store side only)', async (action) => {
      const e = await evaluate(PROD, [allow([action])]);
      const f = e.findings.find((x) => x.granular === `Destroy::${id}`)!;
      expect(f.severity).toBe('high');
      expect(f.title).toContain('not their backups');
    });

    it.each(entry.backups.filter((a) => !a.startsWith('backup:')))('%s alone on production is high (backup side only)', async (action) => {
      const e = await evaluate(PROD, [allow([action])]);
      const f = e.findings.find((x) => x.granular === `Destroy::${id}`)!;
      expect(f.severity).toBe('high');
      expect(f.title).toContain('the backups of');
    });

    it('a store action and a backup action together on production are critical, with the granting statement', async () => {
      const e = await evaluate(PROD, [allow([entry.destroy[0]!, entry.backups[0]!])]);
      const f = e.findings.find((x) => x.granular === `Destroy::${id}`)!;
      expect(f.severity).toBe('critical');
      const text = f.evidence.map((x) => x.summary).join('\n');
      expect(text).toContain(entry.destroy[0]!);
      expect(text).toContain('inline policy "minimal" statement 0 allows');
    });

    it('the same grant on * in a staging account is not production', async () => {
      const e = await evaluate(STAGING, [allow([entry.destroy[0]!, entry.backups[0]!])]);
      expect(e.findings.filter((x) => x.granular === `Destroy::${id}`)).toEqual([]);
    });

    it('under a Condition it is one step lower', async () => {
      const e = await evaluate(PROD, [{ ...allow([entry.destroy[0]!, entry.backups[0]!]), Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }]);
      expect(e.findings.find((x) => x.granular === `Destroy::${id}`)!.severity).toBe('high');
    });
  });

  it('builds its evidence when read: the whole list as before, its first line alone for SARIF and quotes', async () => {
    const entry = DESTRUCTIVE_ENTRIES[0]!;
    const e = await evaluate(PROD, [{ ...allow([entry.destroy[0]!, entry.backups[0]!]), Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }]);
    const f = e.findings.find((x) => x.granular === `Destroy::${entry.id}`)!;
    expect(evidencePending(f)).toBe(true);
    const first = firstEvidence(f)!;
    expect(first.summary).toBe(`store: ${entry.destroy[0]}; backups: ${entry.backups[0]}`);
    expect(evidencePending(f)).toBe(true);
    const all = evidenceOf(f);
    expect(all[0]).toEqual(first);
    expect(all.map((x) => x.kind)).toEqual(['note', 'policy-statement', 'note', 'environment']);
    expect(all[2]!.summary).toContain('only under a Condition');
    // Reading the property keeps the list, as eager evidence would be.
    expect(f.evidence).toEqual(all);
    expect(evidencePending(f)).toBe(false);
  });

  it('AWS Backup recovery-point deletion is the backup side of every store', async () => {
    const e = await evaluate(PROD, [allow(['backup:DeleteRecoveryPoint'])]);
    expect(e.findings.map((f) => f.granular).sort()).toEqual(DESTRUCTIVE_ENTRIES.map((x) => `Destroy::${x.id}`).sort());
  });

  it('a staging identity holding a production bucket by ARN is judged on that bucket', async () => {
    const e = await evaluate(STAGING, [allow(['s3:DeleteObject', 's3:DeleteObjectVersion'], 'arn:aws:s3:::acme-prod-data/*')]);
    expect(e.findings.map((f) => [f.granular, f.severity])).toEqual([['Destroy::s3-bucket', 'critical']]);
  });
});
