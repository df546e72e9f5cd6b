/**
 * A set of catalog actions as a bitset over catalog indices. Analysis unions
 * and intersects these per principal, so a principal holding all ~22,000
 * actions costs ~2.8 KB and a union is a few hundred word operations.
 * Sets kept for a whole audit can be compacted to their non-zero words
 * (`compacted()`): most principals hold a few services, ~350 bytes.
 */

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Bits of `word` at and above `start`, below `end` (word `wi` covers [wi * 32, wi * 32 + 32)). */
function clip(word: number, wi: number, start: number, end: number): number {
  const base = wi << 5;
  if (base < start) word &= ~0 << (start - base);
  if (base + 32 > end) word &= end - base >= 32 ? ~0 : (1 << (end - base)) - 1;
  return word >>> 0;
}

/** In (word index, word) pairs sorted by index: the position of the first pair whose index is `wi` or more. */
function firstPairFrom(pairs: Uint32Array, wi: number): number {
  let lo = 0;
  let hi = pairs.length >>> 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pairs[mid << 1]! < wi) lo = mid + 1;
    else hi = mid;
  }
  return lo << 1;
}

export class ActionSet {
  /** Number of catalog actions this set ranges over (the catalog's size). */
  readonly capacity: number;
  /** A dense set's words: one bit per catalog index. Undefined for a compact set. */
  private readonly bits: Uint32Array | undefined;
  /**
   * A compact set's non-zero words as (word index, word) pairs, ascending:
   * undefined for a dense set. See `compacted()`.
   */
  private readonly pairs: Uint32Array | undefined;

  /** `pairs` is for `compacted()` alone. */
  constructor(capacity: number, words?: Uint32Array, pairs?: Uint32Array) {
    const length = (capacity + 31) >>> 5;
    if (words && words.length !== length) {
      throw new Error(`ActionSet: ${words.length} words given for capacity ${capacity} (expected ${length})`);
    }
    this.capacity = capacity;
    this.pairs = pairs;
    this.bits = pairs ? undefined : (words ?? new Uint32Array(length));
  }

  static empty(capacity: number): ActionSet {
    return new ActionSet(capacity);
  }

  static full(capacity: number): ActionSet {
    const set = new ActionSet(capacity);
    set.bits!.fill(0xffffffff);
    set.clearTail();
    return set;
  }

  static of(capacity: number, indices: Iterable<number>): ActionSet {
    const set = new ActionSet(capacity);
    for (const i of indices) set.add(i);
    return set;
  }

  /**
   * The words, one bit per catalog index. A compact set makes a dense copy
   * for each call: loops over a compact set read `word(i)` or `forEachWord`.
   */
  get words(): Uint32Array {
    return this.bits ?? this.denseCopy();
  }

  /** Whether this set holds only its non-zero words (read-only; see `compacted()`). */
  get isCompact(): boolean {
    return this.pairs !== undefined;
  }

  /**
   * This set's members in a read-only set holding only its non-zero words,
   * when those (with their indices) take at most half the space; otherwise
   * this set. A
   * principal's grant, unused and production-reach sets live as long as the
   * audit, and most hold a few services' actions: ~44 non-zero words of
   * ~700, 350 bytes instead of 2.8 KB each. Operations read it as they read
   * a dense set, and those walking members walk only its words; whatever
   * would add a member throws: `clone()` makes a dense set to fill.
   */
  compacted(): ActionSet {
    const w = this.bits;
    if (!w) return this;
    let nonZero = 0;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) nonZero++;
    if (nonZero * 4 > w.length) return this;
    const pairs = new Uint32Array(nonZero * 2);
    for (let i = 0, k = 0; i < w.length; i++) {
      if (w[i] === 0) continue;
      pairs[k++] = i;
      pairs[k++] = w[i]!;
    }
    return new ActionSet(this.capacity, undefined, pairs);
  }

  /** As `compacted()`, but never this set itself: a dense result is a copy (for sets built in a buffer that is reused). */
  compactedCopy(): ActionSet {
    const out = this.compacted();
    return out === this ? this.clone() : out;
  }

  /** Empties a dense set in place, for a buffer reused from one computation to the next. */
  clear(): this {
    this.writable().fill(0);
    return this;
  }

  /** Word `wi` of the set (bits wi * 32 .. wi * 32 + 31), for loops over a few words. */
  word(wi: number): number {
    const w = this.bits;
    if (w) return w[wi] ?? 0;
    const p = this.pairs!;
    const k = firstPairFrom(p, wi);
    return k < p.length && p[k] === wi ? p[k + 1]! : 0;
  }

  /**
   * Copies words first..last (inclusive) into `out` from `at`, zeros included:
   * a compact set is searched once, not once per word as `word(i)` does.
   */
  wordsInto(first: number, last: number, out: Uint32Array, at: number): void {
    const w = this.bits;
    if (w) {
      for (let i = first; i <= last; i++) out[at++] = w[i] ?? 0;
      return;
    }
    const p = this.pairs!;
    let k = firstPairFrom(p, first);
    for (let i = first; i <= last; i++) {
      if (k < p.length && p[k] === i) {
        out[at++] = p[k + 1]!;
        k += 2;
      } else out[at++] = 0;
    }
  }

  /** Calls fn with each non-zero word and its index, ascending. */
  forEachWord(fn: (wi: number, word: number) => void): void {
    const p = this.pairs;
    if (p) {
      for (let k = 0; k < p.length; k += 2) fn(p[k]!, p[k + 1]!);
      return;
    }
    const w = this.bits!;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) fn(i, w[i]!);
  }

  private denseCopy(): Uint32Array {
    const out = new Uint32Array((this.capacity + 31) >>> 5);
    const p = this.pairs!;
    for (let k = 0; k < p.length; k += 2) out[p[k]!] = p[k + 1]!;
    return out;
  }

  /** The words of a set about to change: a compact set is read-only. */
  private writable(): Uint32Array {
    if (!this.bits) throw new Error('ActionSet: a compact set is read-only; clone() it to get a set to fill');
    return this.bits;
  }

  /** Bits past `capacity` in the last word stay zero so counts and complements are exact. */
  private clearTail(): void {
    const rem = this.capacity & 31;
    const w = this.writable();
    if (rem !== 0) w[w.length - 1]! &= (1 << rem) - 1 >>> 0;
  }

  private check(other: ActionSet): void {
    if (other.capacity !== this.capacity) {
      throw new Error(`ActionSet: capacity mismatch (${this.capacity} vs ${other.capacity}); sets from different catalogs`);
    }
  }

  clone(): ActionSet {
    return new ActionSet(this.capacity, this.bits ? this.bits.slice() : this.denseCopy());
  }

  has(index: number): boolean {
    if (index < 0 || index >= this.capacity) return false;
    return (this.word(index >>> 5) & (1 << (index & 31))) !== 0;
  }

  add(index: number): this {
    if (!Number.isInteger(index) || index < 0 || index >= this.capacity) {
      throw new RangeError(`ActionSet: index ${index} outside 0..${this.capacity - 1}`);
    }
    this.writable()[index >>> 5]! |= 1 << (index & 31);
    return this;
  }

  delete(index: number): this {
    const w = this.writable();
    if (index >= 0 && index < this.capacity) w[index >>> 5]! &= ~(1 << (index & 31));
    return this;
  }

  /** Sets bits [start, end). */
  addRange(start: number, end: number): this {
    const w = this.writable();
    for (let i = start; i < end; i++) {
      // whole words at once where possible
      if ((i & 31) === 0 && i + 32 <= end) {
        w[i >>> 5] = 0xffffffff;
        i += 31;
      } else {
        w[i >>> 5]! |= 1 << (i & 31);
      }
    }
    return this;
  }

  unionWith(other: ActionSet): this {
    this.check(other);
    const a = this.writable();
    const p = other.pairs;
    if (p) {
      for (let k = 0; k < p.length; k += 2) a[p[k]!]! |= p[k + 1]!;
      return this;
    }
    const b = other.bits!;
    for (let i = 0; i < a.length; i++) a[i]! |= b[i]!;
    return this;
  }

  intersectWith(other: ActionSet): this {
    this.check(other);
    const a = this.writable();
    const p = other.pairs;
    if (p) {
      for (let i = 0, k = 0; i < a.length; i++) {
        if (k < p.length && p[k] === i) {
          a[i]! &= p[k + 1]!;
          k += 2;
        } else a[i] = 0;
      }
      return this;
    }
    const b = other.bits!;
    for (let i = 0; i < a.length; i++) a[i]! &= b[i]!;
    return this;
  }

  subtractWith(other: ActionSet): this {
    this.check(other);
    const a = this.writable();
    const p = other.pairs;
    if (p) {
      for (let k = 0; k < p.length; k += 2) a[p[k]!]! &= ~p[k + 1]!;
      return this;
    }
    const b = other.bits!;
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
    const w = this.words;
    for (let i = 0; i < w.length; i++) out.bits![i] = ~w[i]! >>> 0;
    out.clearTail();
    return out;
  }

  get size(): number {
    let n = 0;
    const p = this.pairs;
    if (p) {
      for (let k = 1; k < p.length; k += 2) n += popcount32(p[k]!);
      return n;
    }
    const w = this.bits!;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) n += popcount32(w[i]!);
    return n;
  }

  isEmpty(): boolean {
    const p = this.pairs;
    if (p) return p.length === 0;
    const w = this.bits!;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
    return true;
  }

  /**
   * For operations over this ∩ other: a compact one of the two (walking its
   * pairs walks every word the intersection can have), or undefined when
   * both are dense.
   */
  private static sparser(a: ActionSet, b: ActionSet): [ActionSet, ActionSet] | undefined {
    if (a.pairs) return [a, b];
    if (b.pairs) return [b, a];
    return undefined;
  }

  /**
   * Calls fn with each non-zero word of this ∩ other and its index, ascending,
   * walking only a compact operand's words; stops early when fn returns false.
   */
  private forEachWordAnd(other: ActionSet, fn: (wi: number, both: number) => boolean | void): void {
    this.check(other);
    const walk = ActionSet.sparser(this, other);
    if (walk) {
      const [s, t] = walk;
      const p = s.pairs!;
      for (let k = 0; k < p.length; k += 2) {
        const both = p[k + 1]! & t.word(p[k]!);
        if (both !== 0 && fn(p[k]!, both) === false) return;
      }
      return;
    }
    const a = this.bits!;
    const b = other.bits!;
    for (let i = 0; i < a.length; i++) {
      const both = a[i]! & b[i]!;
      if (both !== 0 && fn(i, both) === false) return;
    }
  }

  intersects(other: ActionSet): boolean {
    let found = false;
    this.forEachWordAnd(other, () => {
      found = true;
      return false;
    });
    return found;
  }

  /** |this ∩ other|, without making the intersection. */
  countAnd(other: ActionSet): number {
    let n = 0;
    this.forEachWordAnd(other, (_wi, both) => void (n += popcount32(both)));
    return n;
  }

  /** The first `max` members of this ∩ other, ascending, without making the intersection. */
  firstAnd(other: ActionSet, max: number): number[] {
    const out: number[] = [];
    if (max > 0) this.forEachAnd(other, (i) => out.push(i) < max);
    return out;
  }

  /** True when every action of this ∩ mask is in `other`. */
  andIsSubsetOf(mask: ActionSet, other: ActionSet): boolean {
    this.check(mask);
    this.check(other);
    const walk = ActionSet.sparser(this, mask);
    if (walk) {
      const [s, t] = walk;
      const p = s.pairs!;
      for (let k = 0; k < p.length; k += 2) if ((p[k + 1]! & t.word(p[k]!) & ~other.word(p[k]!)) !== 0) return false;
      return true;
    }
    const a = this.bits!;
    const m = mask.bits!;
    // `other` may be compact (a conditioned subset): read only the words the other two share.
    for (let i = 0; i < a.length; i++) if ((a[i]! & m[i]!) !== 0 && (a[i]! & m[i]! & ~other.word(i)) !== 0) return false;
    return true;
  }

  /** True when every action in this set is also in `other`. */
  isSubsetOf(other: ActionSet): boolean {
    this.check(other);
    const p = this.pairs;
    if (p) {
      for (let k = 0; k < p.length; k += 2) if ((p[k + 1]! & ~other.word(p[k]!)) !== 0) return false;
      return true;
    }
    const a = this.bits!;
    for (let i = 0; i < a.length; i++) if (a[i] !== 0 && (a[i]! & ~other.word(i)) !== 0) return false;
    return true;
  }

  equals(other: ActionSet): boolean {
    if (other.capacity !== this.capacity) return false;
    if (this.pairs && other.pairs) {
      const a = this.pairs;
      const b = other.pairs;
      if (a.length !== b.length) return false;
      for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
      return true;
    }
    // One compact, one dense (the same members may be held either way): no dense copy of the compact one.
    if (this.pairs || other.pairs) return this.size === other.size && this.isSubsetOf(other);
    const a = this.bits!;
    const b = other.bits!;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** Members in [start, end): the per-service count when services occupy contiguous index ranges. */
  countRange(start: number, end: number): number {
    const last = Math.min(end, this.capacity);
    const first = Math.max(0, start);
    let n = 0;
    const p = this.pairs;
    if (p) {
      if (first >= last) return 0;
      for (let k = firstPairFrom(p, first >>> 5); k < p.length && p[k]! << 5 < last; k += 2) n += popcount32(clip(p[k + 1]!, p[k]!, first, last));
      return n;
    }
    const w = this.bits!;
    for (let i = first; i < last; ) {
      const word = w[i >>> 5]!;
      if ((i & 31) === 0 && i + 32 <= last) {
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
    const last = Math.min(end, this.capacity);
    const first = Math.max(0, start);
    let n = 0;
    const walk = ActionSet.sparser(this, mask);
    if (walk) {
      if (first >= last) return 0;
      const [s, t] = walk;
      const p = s.pairs!;
      for (let k = firstPairFrom(p, first >>> 5); k < p.length && p[k]! << 5 < last; k += 2) {
        const word = p[k + 1]! & t.word(p[k]!);
        if (word !== 0) n += popcount32(clip(word, p[k]!, first, last));
      }
      return n;
    }
    const a = this.bits!;
    const b = mask.bits!;
    for (let wi = first >>> 5; wi << 5 < last; wi++) {
      const word = a[wi]! & b[wi]!;
      if (word === 0) continue;
      const clipped = clip(word, wi, start, last);
      if (clipped !== 0) n += popcount32(clipped);
    }
    return n;
  }

  /** Makes [start, end) of this set equal to the same range of `other`, leaving the rest alone. */
  assignRange(other: ActionSet, start: number, end: number): this {
    this.check(other);
    const w = this.writable();
    const o = other.words;
    const last = Math.min(end, this.capacity);
    for (let i = Math.max(0, start); i < last; ) {
      if ((i & 31) === 0 && i + 32 <= last) {
        w[i >>> 5] = o[i >>> 5]!;
        i += 32;
      } else {
        const bit = 1 << (i & 31);
        if (o[i >>> 5]! & bit) w[i >>> 5]! |= bit;
        else w[i >>> 5]! &= ~bit;
        i++;
      }
    }
    return this;
  }

  /** Calls fn for members in [start, end), ascending; stops early when fn returns false. */
  forEachInRange(start: number, end: number, fn: (index: number) => boolean | void): void {
    const last = Math.min(end, this.capacity);
    const first = Math.max(0, start);
    if (first >= last) return;
    const p = this.pairs;
    if (p) {
      for (let k = firstPairFrom(p, first >>> 5); k < p.length && p[k]! << 5 < last; k += 2) {
        if (!eachBit(p[k]!, clip(p[k + 1]!, p[k]!, first, last), fn)) return;
      }
      return;
    }
    const w = this.bits!;
    for (let wi = first >>> 5; wi << 5 < last; wi++) {
      const word = w[wi]!;
      if (word !== 0 && !eachBit(wi, clip(word, wi, first, last), fn)) return;
    }
  }

  /** Member indices in ascending order. */
  *[Symbol.iterator](): IterableIterator<number> {
    const p = this.pairs;
    const count = p ? p.length >>> 1 : this.bits!.length;
    for (let j = 0; j < count; j++) {
      const wi = p ? p[j << 1]! : j;
      let word = p ? p[(j << 1) + 1]! : this.bits![j]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        yield (wi << 5) + bit;
        word &= word - 1;
      }
    }
  }

  forEach(fn: (index: number) => void): void {
    const p = this.pairs;
    if (p) {
      for (let k = 0; k < p.length; k += 2) eachBit(p[k]!, p[k + 1]!, fn);
      return;
    }
    const w = this.bits!;
    for (let wi = 0; wi < w.length; wi++) {
      let word = w[wi]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        fn((wi << 5) + bit);
        word &= word - 1;
      }
    }
  }

  /**
   * Calls fn for each member of this ∩ other, ascending, without making the
   * intersection; stops early when fn returns false.
   */
  forEachAnd(other: ActionSet, fn: (index: number) => boolean | void): void {
    this.forEachWordAnd(other, (wi, both) => eachBit(wi, both, fn));
  }

  toArray(): number[] {
    const out: number[] = [];
    this.forEach((i) => out.push(i));
    return out;
  }
}

/** Calls fn for each set bit of word `wi`, ascending; false when fn returned false (stop). */
function eachBit(wi: number, word: number, fn: (index: number) => boolean | void): boolean {
  while (word !== 0) {
    const bit = 31 - Math.clz32(word & -word);
    if (fn((wi << 5) + bit) === false) return false;
    word &= word - 1;
  }
  return true;
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

  /** Already shared by every holder: a compact copy each would cost more. */
  override compacted(): ActionSet {
    return this;
  }
}

export { popcount32 };
