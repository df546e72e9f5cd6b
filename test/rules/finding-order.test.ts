import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scanFacts } from '../../src/analyse/scan-facts.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { importExportDir } from '../../src/collect/files/import-export-dir.js';
import { loadConfig } from '../../src/config/index.js';
import { severityRank, type Finding } from '../../src/model/finding.js';
import { runRules } from '../../src/rules/engine.js';
import { sortFindings } from '../../src/rules/finding-order.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { openStore } from '../../src/store/index.js';
import { prng } from '../../bench/prng.js';
import { projectRoot } from '../helpers/fixtures.js';

/** The order as one comparator states it: what sortFindings must reproduce. */
const byComparator = (findings: Finding[]) =>
  [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      a.identityArn.localeCompare(b.identityArn) ||
      a.ruleId.localeCompare(b.ruleId) ||
      (a.granular ?? '').localeCompare(b.granular ?? ''),
  );

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

let sample: Finding[];
beforeAll(async () => {
  const store = openStore(':memory:');
  const { snapshot, extras } = await importExportDir(path.join(projectRoot, 'samples', 'acme'), { alreadyIngested: () => false });
  const scanId = store.writeScan(snapshot, extras);
  const config = loadConfig(path.join(projectRoot, 'examples', 'keywarden.example.yaml'));
  const facts = scanFacts(store, await loadAwsActionCatalog(), config, { scanId, window: windowEndingAt(new Date('2026-11-15T23:59:59Z'), 60) });
  sample = runRules(ALL_RULES, facts.context).findings;
});

describe('finding order', () => {
  it('is the comparator order for the findings of samples/acme, whatever order they come in', () => {
    expect(sample.length).toBeGreaterThan(50);
    for (const seed of [1, 2, 3]) {
      const input = shuffled(sample, seed);
      expect(sortFindings([...input])).toEqual(byComparator(input));
    }
  });

  it('keeps the input order of findings that compare equal, as a stable sort does', () => {
    // Strings that differ but collate equal: an ignorable control character, a composed and a decomposed é.
    const base = sample[0]!;
    const variants: Finding[] = [
      { ...base, identityArn: 'arn:aws:iam::111122223333:role/caf\u00e9', granular: 'X', title: 'composed' },
      { ...base, identityArn: 'arn:aws:iam::111122223333:role/cafe\u0301', granular: 'X', title: 'decomposed' },
      { ...base, identityArn: 'arn:aws:iam::111122223333:role/caf\u00e9', granular: 'X\u0001', title: 'control' },
      { ...base, identityArn: 'arn:aws:iam::111122223333:role/cafe', granular: undefined, title: 'plain' },
    ];
    expect('caf\u00e9'.localeCompare('cafe\u0301')).toBe(0);
    for (const seed of [4, 5]) {
      const input = shuffled([...variants, ...sample.slice(0, 30)], seed);
      const sorted = sortFindings([...input]);
      expect(sorted.map((f) => f.title)).toEqual(byComparator(input).map((f) => f.title));
    }
  });

  it('sorts nothing and one finding', () => {
    expect(sortFindings([])).toEqual([]);
    expect(sortFindings([sample[0]!])).toEqual([sample[0]]);
  });
});
