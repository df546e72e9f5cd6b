/**
 * Compact action sets (ActionSet.compacted): a set holding only its non-zero
 * words answers every read exactly as the dense set it was made from, in
 * every pairing of compact and dense operands, and refuses to be filled.
 */
import { describe, expect, it } from 'vitest';
import { ActionSet } from '../../src/catalog/action-set.js';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';

const catalog = await loadAwsActionCatalog();

/** Deterministic pseudo-random members: a few clusters, as a principal's grant holds a few services. */
function clustered(capacity: number, seed: number, clusters: number): ActionSet {
  let x = seed;
  const next = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const set = ActionSet.empty(capacity);
  for (let c = 0; c < clusters; c++) {
    const start = Math.floor(next() * capacity);
    const length = 1 + Math.floor(next() * 80);
    for (let i = start; i < Math.min(capacity, start + length); i++) if (next() < 0.6) set.add(i);
  }
  return set;
}

const CAPACITY = 2_003; // not a multiple of 32: the last word is partial
const dense = [ActionSet.empty(CAPACITY), ...Array.from({ length: 7 }, (_, k) => clustered(CAPACITY, k + 1, 1 + k))];
/** Each set with its compact form; the empty and sparse ones are compact, a dense one stays as it is. */
const forms = dense.map((d) => [d, d.compacted()] as const);

describe('ActionSet.compacted', () => {
  it('makes sparse sets compact and leaves dense ones (and the shared empty set) as they are', () => {
    for (const [, c] of forms) expect(c.isCompact).toBe(true);
    const wide = ActionSet.full(CAPACITY).subtract(dense[3]!);
    expect(wide.compacted()).toBe(wide);
    expect(catalog.none().compacted()).toBe(catalog.none());
    const admin = catalog.all().clone();
    expect(admin.compacted()).toBe(admin);
  });

  it('reads every member, count and range as the dense set does', () => {
    for (const [d, c] of forms) {
      expect(c.toArray()).toEqual(d.toArray());
      expect([...c]).toEqual(d.toArray());
      expect(c.size).toBe(d.size);
      expect(c.isEmpty()).toBe(d.isEmpty());
      expect(c.equals(d)).toBe(true);
      expect(d.equals(c)).toBe(true);
      expect(c.words).toEqual(d.words);
      for (let i = -1; i <= CAPACITY; i += 7) expect(c.has(i)).toBe(d.has(i));
      for (let wi = 0; wi < d.words.length; wi++) expect(c.word(wi)).toBe(d.words[wi]);
      const words: [number, number][] = [];
      c.forEachWord((wi, word) => words.push([wi, word]));
      expect(words).toEqual([...d.words].map((w, wi) => [wi, w] as [number, number]).filter(([, w]) => w !== 0));
      for (const [start, end] of [[0, CAPACITY], [5, 70], [31, 33], [64, 64], [1000, 1990], [1990, 5000], [-3, 40]] as const) {
        expect(c.countRange(start, end)).toBe(d.countRange(start, end));
        const a: number[] = [];
        const b: number[] = [];
        c.forEachInRange(start, end, (i) => void a.push(i));
        d.forEachInRange(start, end, (i) => void b.push(i));
        expect(a).toEqual(b);
      }
      expect(c.complement().toArray()).toEqual(d.complement().toArray());
    }
  });

  /** What each operation of x with y (and `mask`) answers. */
  const readings = (x: ActionSet, y: ActionSet, mask: ActionSet) => ({
    intersects: x.intersects(y),
    countAnd: x.countAnd(y),
    firstAnd: x.firstAnd(y, 5),
    subset: x.isSubsetOf(y),
    equals: x.equals(y),
    union: x.union(y).toArray(),
    intersect: x.intersect(y).toArray(),
    subtract: x.subtract(y).toArray(),
    andSubset: x.andIsSubsetOf(y, mask),
    rangeAnd: x.countRangeAnd(y, 17, 1500),
  });

  it('combines with dense and compact operands alike', () => {
    for (const [d1, c1] of forms) {
      for (const [d2, c2] of forms) {
        const expected = readings(d1, d2, dense[5]!);
        for (const [x, y] of [[c1, d2], [d1, c2], [c1, c2]] as const) {
          const each: number[] = [];
          x.forEachAnd(y, (i) => void each.push(i));
          expect(each).toEqual(expected.intersect);
          expect(readings(x, y, forms[5]![1])).toEqual(expected);
          expect(ActionSet.full(CAPACITY).intersectWith(y).toArray()).toEqual(d2.toArray());
          expect(ActionSet.empty(CAPACITY).unionWith(y).toArray()).toEqual(d2.toArray());
          expect(ActionSet.full(CAPACITY).subtractWith(y).toArray()).toEqual(d2.complement().toArray());
          expect(ActionSet.empty(CAPACITY).assignRange(y, 40, 1200).toArray()).toEqual(d2.toArray().filter((i) => i >= 40 && i < 1200));
        }
      }
    }
  });

  it('stops early when asked, as the dense set does', () => {
    const [d, c] = forms[6]!;
    const firstThree = (s: ActionSet) => {
      const out: number[] = [];
      s.forEachAnd(ActionSet.full(CAPACITY), (i) => out.push(i) < 3);
      return out;
    };
    expect(firstThree(c)).toEqual(d.toArray().slice(0, 3));
    expect(firstThree(d)).toEqual(d.toArray().slice(0, 3));
  });

  it('refuses to be filled; its clone is an ordinary set to fill', () => {
    const [d, c] = forms[2]!;
    expect(() => c.add(1)).toThrow(/compact set is read-only/);
    expect(() => c.delete(d.toArray()[0]!)).toThrow(/read-only/);
    expect(() => c.addRange(0, 40)).toThrow(/read-only/);
    expect(() => c.unionWith(d)).toThrow(/read-only/);
    expect(() => c.intersectWith(d)).toThrow(/read-only/);
    expect(() => c.subtractWith(d)).toThrow(/read-only/);
    expect(() => c.assignRange(d, 0, 40)).toThrow(/read-only/);
    const copy = c.clone();
    expect(copy.isCompact).toBe(false);
    copy.add(0).add(CAPACITY - 1);
    expect(copy.size).toBe(d.size + (d.has(0) ? 0 : 1) + (d.has(CAPACITY - 1) ? 0 : 1));
    expect(c.toArray()).toEqual(d.toArray());
  });

  it('tallies a grant of a few services per service and access level as its dense form does', () => {
    const grant = catalog.expandToSet('s3:Get*').union(catalog.expandToSet('dynamodb:*')).union(catalog.expandToSet('iam:PassRole'));
    const compact = grant.compacted();
    expect(compact.isCompact).toBe(true);
    expect(catalog.tally(compact)).toEqual(catalog.tally(grant));
    const s3 = catalog.service('s3')!;
    expect(compact.countRange(s3.start, s3.end)).toBe(catalog.expandToSet('s3:Get*').size);
    expect(compact.countRangeAnd(catalog.withAccessLevel('Write'), 0, catalog.size)).toBe(grant.countRangeAnd(catalog.withAccessLevel('Write'), 0, catalog.size));
  });
});

describe('reading words into a buffer, and sets built in a reused buffer', () => {
  it('wordsInto copies any word range as word(i) reads it, compact or dense', () => {
    const words = (CAPACITY + 31) >>> 5;
    for (const [d, c] of forms) {
      for (const [first, last] of [[0, words - 1], [3, 3], [10, 40], [words - 2, words - 1]] as const) {
        const expected = Array.from({ length: last - first + 1 }, (_, i) => d.word(first + i) >>> 0);
        for (const set of [d, c]) {
          const out = new Uint32Array(last - first + 3).fill(7);
          set.wordsInto(first, last, out, 1);
          expect([...out.subarray(1, last - first + 2)]).toEqual(expected);
          expect([out[0], out[last - first + 2]]).toEqual([7, 7]);
        }
      }
    }
  });

  it('compactedCopy never hands back the buffer itself, and clear empties it for the next use', () => {
    const buffer = ActionSet.empty(CAPACITY);
    for (const d of [...dense, ActionSet.full(CAPACITY)]) {
      buffer.clear().unionWith(d);
      const kept = buffer.compactedCopy();
      expect(kept).not.toBe(buffer);
      expect(kept.toArray()).toEqual(d.toArray());
    }
    expect(buffer.clear().isEmpty()).toBe(true);
    expect(() => dense[2]!.compacted().clear()).toThrow(/read-only/);
  });
});
