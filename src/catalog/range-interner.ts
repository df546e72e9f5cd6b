/**
 * One shared value per distinct content of some action sets over one catalog
 * range (a service's actions). Per-service facts (a grant's summary of a
 * service, its granted-vs-used line when nothing of it was used) depend only
 * on those bits, and an organisation's identities hold the same few shapes of
 * each service again and again: 50,000 principals hold ~3.7M service lines
 * but only ~30,000 distinct ones. Interning them saves the memory of the
 * copies and lets everything derived from a line be worked out once per
 * distinct line (memoised on the shared object).
 *
 * Values must never be mutated: every holder of the same bits shares them.
 */
import type { ActionSet } from './action-set.js';

interface Entry<T> {
  tag: number;
  /** Where the entry's masked words start in the pool, and how many. */
  offset: number;
  length: number;
  value: T;
}

export class RangeInterner<T> {
  private readonly table = new Map<number, Entry<T>[]>();
  /** The masked words of every entry, back to back: one buffer instead of a typed array per entry. */
  private pool = new Uint32Array(1 << 14);
  private used = 0;
  private scratch = new Uint32Array(64);

  /** How many distinct values were made. */
  size = 0;

  /**
   * The value for `tag` (e.g. a service index, plus what else the value depends
   * on, as a small integer) and the bits of `sets` in [start, end): the one made
   * earlier for the same tag and bits, or `make()`'s, kept for next time.
   */
  intern(tag: number, start: number, end: number, sets: readonly ActionSet[], make: () => T): T {
    const length = this.load(start, end, sets);
    const words = this.scratch;
    let h = Math.imul(tag ^ 0x9e3779b9, 0x85ebca6b);
    for (let i = 0; i < length; i++) {
      h = Math.imul(h ^ words[i]!, 0xcc9e2d51);
      h ^= h >>> 15;
    }
    let bucket = this.table.get(h);
    if (bucket) {
      for (const entry of bucket) if (entry.tag === tag && this.matches(entry, length)) return entry.value;
    } else {
      this.table.set(h, (bucket = []));
    }
    const value = make();
    bucket.push({ tag, offset: this.store(length), length, value });
    this.size++;
    return value;
  }

  /** Copies the sets' words over [start, end) into the scratch buffer, bits outside the range cleared; returns the word count. */
  private load(start: number, end: number, sets: readonly ActionSet[]): number {
    if (end <= start) return 0;
    const first = start >>> 5;
    const last = (end - 1) >>> 5;
    const perSet = last - first + 1;
    const length = perSet * sets.length;
    if (this.scratch.length < length) this.scratch = new Uint32Array(length * 2);
    const headMask = (~0 << (start & 31)) >>> 0;
    const tailMask = (end & 31) === 0 ? 0xffffffff : ((1 << (end & 31)) - 1) >>> 0;
    const scratch = this.scratch;
    for (let s = 0, at = 0; s < sets.length; s++, at += perSet) {
      sets[s]!.wordsInto(first, last, scratch, at);
      scratch[at] = scratch[at]! & headMask;
      scratch[at + perSet - 1] = scratch[at + perSet - 1]! & tailMask;
    }
    return length;
  }

  private matches(entry: Entry<T>, length: number): boolean {
    if (entry.length !== length) return false;
    const { pool, scratch } = this;
    for (let i = 0; i < length; i++) if (pool[entry.offset + i] !== scratch[i]) return false;
    return true;
  }

  private store(length: number): number {
    if (this.used + length > this.pool.length) {
      const grown = new Uint32Array(Math.max(this.pool.length * 2, this.used + length));
      grown.set(this.pool.subarray(0, this.used));
      this.pool = grown;
    }
    const offset = this.used;
    this.pool.set(this.scratch.subarray(0, length), offset);
    this.used += length;
    return offset;
  }
}
