import { describe, expect, it } from 'vitest';
import { KeyedRows } from '../../../../src/collect/files/cloudtrail/keyed-rows.js';

describe('KeyedRows', () => {
  it('finds every row by its key through growth, like a Map, for keys using all 53 bits', () => {
    const rows = new KeyedRows(2, 4);
    const expected = new Map<number, [number, number]>();
    let seed = 12345;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    // Packed keys like the aggregate's: a high part (credential), a middle one (action) and a low one (day),
    // plus keys that differ only in their high 32 bits, which a hash of the low bits alone would pile up.
    const keys = [
      ...Array.from({ length: 3000 }, () => ((random() % 5000) * 32768 + (random() % 300)) * 32768 + (random() % 400)),
      ...Array.from({ length: 500 }, (_, i) => i * 4294967296 + 7),
      Number.MAX_SAFE_INTEGER,
      0,
    ];
    for (const key of keys) {
      const before = rows.size;
      const row = rows.row(key);
      expect(rows.size > before).toBe(!expected.has(key));
      rows.values[row * 2] = rows.values[row * 2]! + 1;
      rows.values[row * 2 + 1] = key % 1000;
      const [count] = expected.get(key) ?? [0];
      expected.set(key, [count + 1, key % 1000]);
    }
    expect(rows.size).toBe(expected.size);
    for (const [key, [count, tag]] of expected) {
      const row = rows.find(key);
      expect(rows.keys[row]).toBe(key);
      expect([rows.values[row * 2], rows.values[row * 2 + 1]]).toEqual([count, tag]);
    }
    expect(rows.find(2 ** 52 + 1)).toBe(-1);
    expect(rows.find(3 * 4294967296 + 8)).toBe(-1);
  });
});
