/**
 * Rows of numbers found by an integer key (0 <= key < 2^53), held in typed
 * arrays. A CloudTrail total is hundreds of thousands of small counters
 * (usage cells, resource days): as Maps of small objects they cost ~300
 * bytes each, three copies of the whole result sat in a run's memory (one
 * per worker and the merged one), and growing them was most of a worker's
 * garbage collection. Here a row costs its key, its values and two hash
 * slots, and nothing for the collector to trace.
 *
 * Rows are only ever added; a new row's values are 0.
 */
export class KeyedRows {
  /** Row r's key. */
  keys: Float64Array;
  /** Row r's values, at r * width to r * width + width - 1. Replaced when rows grow: read it after row(). */
  values: Float64Array;
  size = 0;
  /** Open addressing, at most half full: row + 1 per slot, 0 when empty. */
  private slots: Int32Array;
  private mask: number;

  constructor(
    readonly width: number,
    capacity = 1024,
  ) {
    this.keys = new Float64Array(capacity);
    this.values = new Float64Array(capacity * width);
    this.slots = new Int32Array(capacity * 2);
    this.mask = this.slots.length - 1;
  }

  /** The row of `key`, or -1 when it has none. */
  find(key: number): number {
    for (let i = slotOf(key, this.mask); ; i = (i + 1) & this.mask) {
      const row = this.slots[i]! - 1;
      if (row < 0 || this.keys[row] === key) return row;
    }
  }

  /** The row of `key`, added when it has none (compare `size` before and after to tell). */
  row(key: number): number {
    let i = slotOf(key, this.mask);
    for (; ; i = (i + 1) & this.mask) {
      const row = this.slots[i]! - 1;
      if (row < 0) break;
      if (this.keys[row] === key) return row;
    }
    const row = this.size++;
    if (row === this.keys.length) this.growRows();
    this.keys[row] = key;
    this.slots[i] = row + 1;
    if (this.size * 2 > this.slots.length) this.growSlots();
    return row;
  }

  private growRows(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    this.keys = keys;
    const values = new Float64Array(this.values.length * 2);
    values.set(this.values);
    this.values = values;
  }

  private growSlots(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let row = 0; row < this.size; row++) {
      let i = slotOf(this.keys[row]!, this.mask);
      while (this.slots[i] !== 0) i = (i + 1) & this.mask;
      this.slots[i] = row + 1;
    }
  }
}

/** A slot for `key`: both 32-bit halves mixed, as keys pack several small numbers into their high and low bits. */
function slotOf(key: number, mask: number): number {
  const high = (key / 4294967296) >>> 0;
  let h = Math.imul((key >>> 0) ^ Math.imul(high, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  return h & mask;
}
