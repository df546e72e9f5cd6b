/**
 * JSON written piece by piece, with exactly the bytes `JSON.stringify(value,
 * null, indent)` would produce, for reports too large to be one string (V8
 * caps a string at ~512 MB; a 50,000-principal report is gigabytes).
 *
 * The value's outer containers, down to `depth`, are written key by key and
 * item by item; anything deeper is one `JSON.stringify` of that subtree,
 * re-indented (JSON.stringify escapes newlines inside strings, so every
 * newline in its output is layout). A `StreamedArray` is written item by
 * item at any depth and its items are produced while writing: a writer can
 * build each finding's evidence for one item and let it go after.
 */

/** An array whose items are made while it is written (each once, in order). */
export class StreamedArray<T = unknown> {
  constructor(readonly items: () => Iterable<T>) {}
  /** Only writeJson can write one, and only within its streamed depth: anything else is a mistake, not `{}`. */
  toJSON(): never {
    throw new Error('a StreamedArray is written by writeJson, within its streamed depth');
  }
}

/** Items of `list` passed through `f` one at a time, as they are written. */
export function streamedMap<T, U>(list: readonly T[], f: (item: T, index: number) => U): StreamedArray<U> {
  return new StreamedArray(function* () {
    for (let i = 0; i < list.length; i++) yield f(list[i]!, i);
  });
}

export interface JsonStreamOptions {
  /** Spaces per level, as JSON.stringify's third argument (0: compact). */
  indent?: number;
  /** Levels written piece by piece (StreamedArrays always are). */
  depth?: number;
  /** Applied to every leaf's JSON and every key's (e.g. escaping for an HTML script block); structure is plain ASCII punctuation. */
  leaf?: (json: string) => string;
}

/** Arrays and plain objects without toJSON are written piece by piece; anything else (a Date, a boxed string, a Map) is JSON.stringify's. */
function isContainer(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  const proto = Object.getPrototypeOf(value);
  return Array.isArray(value) || proto === Object.prototype || proto === null;
}

/** Writes `value` as JSON to `out`; what JSON.stringify would leave out (undefined, functions) is left out the same way. */
export function writeJson(value: unknown, out: (text: string) => void, options: JsonStreamOptions = {}): void {
  const unit = ' '.repeat(options.indent ?? 0);
  const maxDepth = options.depth ?? 1;
  const leafOf = options.leaf ?? ((s: string) => s);
  const colon = unit ? ': ' : ':';

  /**
   * JSON of a subtree at this indentation, or undefined where JSON.stringify
   * gives none. Indented by V8 itself: the value is stringified inside as
   * many one-item arrays as it is levels deep, and the arrays' own text
   * sliced off (cheaper than re-indenting every line of a large subtree).
   */
  const frames: { prefix: number; suffix: number }[] = [];
  const frame = (levels: number) => {
    if (!frames[levels]) {
      let wrapped: unknown = 0;
      for (let i = 0; i < levels; i++) wrapped = [wrapped];
      const text = JSON.stringify(wrapped, null, unit);
      const at = text.indexOf('0');
      frames[levels] = { prefix: at, suffix: text.length - at - 1 };
    }
    return frames[levels];
  };
  const leaf = (v: unknown, pad: string): string | undefined => {
    if (!unit || !pad) {
      const json = JSON.stringify(v, null, unit);
      return json === undefined ? undefined : leafOf(json);
    }
    const levels = pad.length / unit.length;
    let wrapped = v;
    for (let i = 0; i < levels; i++) wrapped = [wrapped];
    const text = JSON.stringify(wrapped, null, unit);
    const { prefix, suffix } = frame(levels);
    return leafOf(text.slice(prefix, text.length - suffix));
  };

  /** Writes v (already known to serialise) at indentation pad. */
  const write = (v: unknown, pad: string, depth: number): void => {
    if (v instanceof StreamedArray) return writeItems(v.items(), pad, depth);
    if (depth >= maxDepth || !isContainer(v)) {
      out(leaf(v, pad) ?? 'null');
      return;
    }
    if (Array.isArray(v)) return writeItems(v, pad, depth);
    const inner = pad + unit;
    let first = true;
    for (const key of Object.keys(v)) {
      const item = (v as Record<string, unknown>)[key];
      if (!serialises(item)) continue;
      out(`${first ? '{' : ','}${unit ? `\n${inner}` : ''}${leafOf(JSON.stringify(key))}${colon}`);
      first = false;
      write(item, inner, depth + 1);
    }
    out(first ? '{}' : `${unit ? `\n${pad}` : ''}}`);
  };

  const writeItems = (items: Iterable<unknown>, pad: string, depth: number): void => {
    const inner = pad + unit;
    let first = true;
    for (const item of items) {
      out(`${first ? '[' : ','}${unit ? `\n${inner}` : ''}`);
      first = false;
      if (serialises(item)) write(item, inner, depth + 1);
      else out('null');
    }
    out(first ? '[]' : `${unit ? `\n${pad}` : ''}]`);
  };

  if (!serialises(value)) throw new TypeError('writeJson: nothing to write (undefined, a function or a symbol)');
  write(value, '', 0);
}

function serialises(v: unknown): boolean {
  return v instanceof StreamedArray || (v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
}

/** The streamed JSON as one string (tests, small reports). */
export function jsonText(value: unknown, options: JsonStreamOptions = {}): string {
  const parts: string[] = [];
  writeJson(value, (s) => parts.push(s), options);
  return parts.join('');
}
