/**
 * A set of catalog actions as a bitset over catalog indices. Analysis unions
 * and intersects these per principal, so a principal holding all ~22,000
 * actions costs ~2.8 KB and a union is a few hundred word operations.
 */

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export class ActionSet {
  /** Number of catalog actions this set ranges over (the catalog's size). */
  readonly capacity: number;
  readonly words: Uint32Array;

  constructor(capacity: number, words?: Uint32Array) {
    const length = (capacity + 31) >>> 5;
    if (words && words.length !== length) {
      throw new Error(`ActionSet: ${words.length} words given for capacity ${capacity} (expected ${length})`);
    }
    this.capacity = capacity;
    this.words = words ?? new Uint32Array(length);
  }

  static empty(capacity: number): ActionSet {
    return new ActionSet(capacity);
  }

  static full(capacity: number): ActionSet {
    const set = new ActionSet(capacity);
    set.words.fill(0xffffffff);
    set.clearTail();
    return set;
  }

  static of(capacity: number, indices: Iterable<number>): ActionSet {
    const set = new ActionSet(capacity);
    for (const i of indices) set.add(i);
    return set;
  }

  /** Bits past `capacity` in the last word stay zero so counts and complements are exact. */
  private clearTail(): void {
    const rem = this.capacity & 31;
    if (rem !== 0) this.words[this.words.length - 1]! &= (1 << rem) - 1 >>> 0;
  }

  private check(other: ActionSet): void {
    if (other.capacity !== this.capacity) {
      throw new Error(`ActionSet: capacity mismatch (${this.capacity} vs ${other.capacity}); sets from different catalogs`);
    }
  }

  clone(): ActionSet {
    return new ActionSet(this.capacity, this.words.slice());
  }

  has(index: number): boolean {
    if (index < 0 || index >= this.capacity) return false;
    return (this.words[index >>> 5]! & (1 << (index & 31))) !== 0;
  }

  add(index: number): this {
    if (!Number.isInteger(index) || index < 0 || index >= this.capacity) {
      throw new RangeError(`ActionSet: index ${index} outside 0..${this.capacity - 1}`);
    }
    this.words[index >>> 5]! |= 1 << (index & 31);
    return this;
  }

  delete(index: number): this {
    if (index >= 0 && index < this.capacity) this.words[index >>> 5]! &= ~(1 << (index & 31));
    return this;
  }

  /** Sets bits [start, end). */
  addRange(start: number, end: number): this {
    for (let i = start; i < end; i++) {
      // whole words at once where possible
      if ((i & 31) === 0 && i + 32 <= end) {
        this.words[i >>> 5] = 0xffffffff;
        i += 31;
      } else {
        this.words[i >>> 5]! |= 1 << (i & 31);
      }
    }
    return this;
  }

  unionWith(other: ActionSet): this {
    this.check(other);
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i]! |= b[i]!;
    return this;
  }

  intersectWith(other: ActionSet): this {
    this.check(other);
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i]! &= b[i]!;
    return this;
  }

  subtractWith(other: ActionSet): this {
    this.check(other);
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i]! &= ~b[i]!;
    return this;
  }

  union(other: ActionSet): ActionSet {
    return this.clone().unionWith(other);
  }

  intersect(other: ActionSet): ActionSet {
    return this.clone().intersectWith(other);
  }

  subtract(other: ActionSet): ActionSet {
    return this.clone().subtractWith(other);
  }

  /** All catalog actions not in this set. */
  complement(): ActionSet {
    const out = new ActionSet(this.capacity);
    for (let i = 0; i < this.words.length; i++) out.words[i] = ~this.words[i]! >>> 0;
    out.clearTail();
    return out;
  }

  get size(): number {
    let n = 0;
    const w = this.words;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) n += popcount32(w[i]!);
    return n;
  }

  isEmpty(): boolean {
    const w = this.words;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
    return true;
  }

  intersects(other: ActionSet): boolean {
    this.check(other);
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) if ((a[i]! & b[i]!) !== 0) return true;
    return false;
  }

  /** |this ∩ other|, without making the intersection. */
  countAnd(other: ActionSet): number {
    this.check(other);
    const a = this.words;
    const b = other.words;
    let n = 0;
    for (let i = 0; i < a.length; i++) {
      const both = a[i]! & b[i]!;
      if (both !== 0) n += popcount32(both);
    }
    return n;
  }

  /** The first `max` members of this ∩ other, ascending, without making the intersection. */
  firstAnd(other: ActionSet, max: number): number[] {
    this.check(other);
    const a = this.words;
    const b = other.words;
    const out: number[] = [];
    for (let i = 0; i < a.length && out.length < max; i++) {
      let both = a[i]! & b[i]!;
      while (both !== 0 && out.length < max) {
        out.push((i << 5) + 31 - Math.clz32(both & -both));
        both &= both - 1;
      }
    }
    return out;
  }

  /** True when every action of this ∩ mask is in `other`. */
  andIsSubsetOf(mask: ActionSet, other: ActionSet): boolean {
    this.check(mask);
    this.check(other);
    const a = this.words;
    const m = mask.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) if ((a[i]! & m[i]! & ~b[i]!) !== 0) return false;
    return true;
  }

  /** True when every action in this set is also in `other`. */
  isSubsetOf(other: ActionSet): boolean {
    this.check(other);
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) if ((a[i]! & ~b[i]!) !== 0) return false;
    return true;
  }

  equals(other: ActionSet): boolean {
    if (other.capacity !== this.capacity) return false;
    for (let i = 0; i < this.words.length; i++) if (this.words[i] !== other.words[i]) return false;
    return true;
  }

  /** Members in [start, end): the per-service count when services occupy contiguous index ranges. */
  countRange(start: number, end: number): number {
    let n = 0;
    for (let i = Math.max(0, start); i < Math.min(end, this.capacity); ) {
      const word = this.words[i >>> 5]!;
      if ((i & 31) === 0 && i + 32 <= end) {
        if (word !== 0) n += popcount32(word);
        i += 32;
      } else {
        if (word & (1 << (i & 31))) n++;
        i++;
      }
    }
    return n;
  }

  /** Members of this ∩ mask in [start, end), whole words at a time. */
  countRangeAnd(mask: ActionSet, start: number, end: number): number {
    this.check(mask);
    const a = this.words;
    const b = mask.words;
    const last = Math.min(end, this.capacity);
    let n = 0;
    for (let wi = Math.max(0, start) >>> 5; wi << 5 < last; wi++) {
      let word = a[wi]! & b[wi]!;
      if (word === 0) continue;
      const base = wi << 5;
      // Clip the first and last word to the range.
      if (base < start) word &= ~0 << (start - base);
      if (base + 32 > last) word &= last - base === 32 ? ~0 : (1 << (last - base)) - 1;
      if (word !== 0) n += popcount32(word >>> 0);
    }
    return n;
  }

  /** Makes [start, end) of this set equal to the same range of `other`, leaving the rest alone. */
  assignRange(other: ActionSet, start: number, end: number): this {
    this.check(other);
    const last = Math.min(end, this.capacity);
    for (let i = Math.max(0, start); i < last; ) {
      if ((i & 31) === 0 && i + 32 <= last) {
        this.words[i >>> 5] = other.words[i >>> 5]!;
        i += 32;
      } else {
        const bit = 1 << (i & 31);
        if (other.words[i >>> 5]! & bit) this.words[i >>> 5]! |= bit;
        else this.words[i >>> 5]! &= ~bit;
        i++;
      }
    }
    return this;
  }

  /** Calls fn for members in [start, end), ascending; stops early when fn returns false. */
  forEachInRange(start: number, end: number, fn: (index: number) => boolean | void): void {
    const w = this.words;
    const last = Math.min(end, this.capacity);
    for (let wi = Math.max(0, start) >>> 5; wi << 5 < last; wi++) {
      let word = w[wi]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        word &= word - 1;
        const i = (wi << 5) + bit;
        if (i < start) continue;
        if (i >= last) return;
        if (fn(i) === false) return;
      }
    }
  }

  /** Member indices in ascending order. */
  *[Symbol.iterator](): IterableIterator<number> {
    const w = this.words;
    for (let wi = 0; wi < w.length; wi++) {
      let word = w[wi]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        yield (wi << 5) + bit;
        word &= word - 1;
      }
    }
  }

  forEach(fn: (index: number) => void): void {
    const w = this.words;
    for (let wi = 0; wi < w.length; wi++) {
      let word = w[wi]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        fn((wi << 5) + bit);
        word &= word - 1;
      }
    }
  }

  /** Calls fn for each member of this ∩ other, ascending, without making the intersection. */
  forEachAnd(other: ActionSet, fn: (index: number) => void): void {
    this.check(other);
    const a = this.words;
    const b = other.words;
    for (let wi = 0; wi < a.length; wi++) {
      let word = a[wi]! & b[wi]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        fn((wi << 5) + bit);
        word &= word - 1;
      }
    }
  }

  toArray(): number[] {
    const out: number[] = [];
    this.forEach((i) => out.push(i));
    return out;
  }
}

/**
 * The empty set shared by everything that holds nothing (no use, no boundary,
 * no partial deny: most identities of a large audit), so each costs no set
 * of its own. Whatever would add a member throws instead of filling the set
 * for every holder: clone it to get a set to fill.
 */
export class SharedEmptyActionSet extends ActionSet {
  private refuse(): never {
    throw new Error('ActionSet: the shared empty set cannot be filled; clone it or start from ActionSet.empty()');
  }

  override add(_index: number): this {
    return this.refuse();
  }

  override addRange(_start: number, _end: number): this {
    return this.refuse();
  }

  override unionWith(_other: ActionSet): this {
    return this.refuse();
  }

  override assignRange(_other: ActionSet, _start: number, _end: number): this {
    return this.refuse();
  }
}

export { popcount32 };
