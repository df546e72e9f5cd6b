/**
 * `schema.parse(value)` for the report's schemas without copying what parse
 * would only copy. Parse returns a fresh object for every object and array
 * of the value, even when it changes nothing in it: for a 50,000-principal
 * report that is every identity's services and actions made once more
 * (shared ones once per holder) and kept for the life of the report beside
 * the audit's own, which the findings' evidence builders still hold.
 *
 * `normalized(schema, value)` returns what parse would, sharing every part
 * of `value` that parse would return unchanged: an object whose own keys
 * already are the schema's, in its order, with nothing stripped and every
 * child unchanged, is returned itself; one whose keys are out of order (or
 * has keys the schema strips) is copied, key by key in the schema's order,
 * its unchanged children shared. The result reads, and writes as JSON,
 * exactly as parse's. An object shared by several parents (the audit shares
 * service summaries between identities) is normalised once and its result
 * shared too.
 *
 * It answers only what it understands: the schema kinds the report uses
 * (object, array, record, optional, nullable, string, number, boolean,
 * enum, literal, unknown) with their checks. Anything parse would reject, and
 * any kind or check not known here, gives MISMATCH: the caller then parses
 * (which normalises, or throws zod's own error with its path).
 */
import type { z } from 'zod';

type Schema = z.core.$ZodType;

interface Def {
  type: string;
  checks?: { _zod: { def: { check: string; format?: string; pattern?: RegExp } } }[];
  shape?: Record<string, Schema>;
  catchall?: Schema;
  element?: Schema;
  innerType?: Schema;
  keyType?: Schema;
  valueType?: Schema;
  entries?: Record<string, unknown>;
  values?: readonly unknown[];
  coerce?: boolean;
}

const defOf = (schema: Schema) => schema._zod.def as unknown as Def;

/** What parse would reject, or what this module cannot tell parse's answer for. */
export const MISMATCH: unique symbol = Symbol('schema mismatch');
export type Normalized = unknown;

/** zod's util.isPlainObject: what its record accepts. */
function isPlainObject(o: object): boolean {
  const ctor = (o as { constructor?: unknown }).constructor;
  if (ctor === undefined || typeof ctor !== 'function') return true;
  const proto = (ctor as { prototype?: unknown }).prototype;
  return typeof proto === 'object' && proto !== null && !Array.isArray(proto) && Object.prototype.hasOwnProperty.call(proto, 'isPrototypeOf');
}

/** Plain objects only: another prototype may lend parse a key (or a getter) by inheritance. */
const isPlainRecord = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** A primitive check, or null when zod must be asked. */
type Leaf = ((v: unknown) => boolean) | null;

/** A compiled object schema: its keys in order, each field's schema and whether it may be absent. */
interface ObjectPlan {
  keys: string[];
  fields: Schema[];
  optional: boolean[];
}

/**
 * One normalisation, with what it learnt kept for its life: an object met
 * again (shared) for the same schema gets the same result without a walk.
 * Keep one only while the values it has seen stay unchanged.
 */
export class SchemaNormalizer {
  private readonly memo = new Map<Schema, WeakMap<object, unknown>>();
  private readonly leaves = new Map<Schema, Leaf>();
  private readonly plans = new Map<Schema, ObjectPlan | null>();

  /** remember: false for values made and dropped one at a time (a finding's evidence), where nothing is met twice. */
  constructor(private readonly remember = true) {}

  normalized(schema: Schema, value: unknown): unknown {
    const def = defOf(schema);
    switch (def.type) {
      case 'optional':
        return value === undefined ? undefined : this.normalized(def.innerType!, value);
      case 'nullable':
        return value === null ? null : this.normalized(def.innerType!, value);
      case 'unknown':
      case 'any':
        return value;
      case 'object':
      case 'array':
      case 'record':
        return this.container(schema, def, value);
      default:
        return this.leaf(schema, def, value);
    }
  }

  /** An object schema's plan, or null when it has a catchall (passthrough, strict: not modelled here). */
  plan(schema: Schema): ObjectPlan | null {
    let plan = this.plans.get(schema);
    if (plan === undefined) {
      const def = defOf(schema);
      if (def.catchall !== undefined || Object.prototype.hasOwnProperty.call(def.shape!, '__proto__')) plan = null;
      else {
        const keys = Object.keys(def.shape!);
        const fields = keys.map((k) => def.shape![k]!);
        // Absent, parse leaves an optional field absent; a required one fails, a defaulted one is filled in.
        plan = { keys, fields, optional: fields.map((f) => f._zod.optin === 'optional' && f._zod.optout === 'optional') };
      }
      this.plans.set(schema, plan);
    }
    return plan;
  }

  private container(schema: Schema, def: Def, value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return MISMATCH;
    // Only objects are remembered: a shared subtree is met through its object, and arrays and records are many times more.
    const remember = this.remember && def.type === 'object';
    let known = remember ? this.memo.get(schema) : undefined;
    if (known) {
      const hit = known.get(value);
      if (hit !== undefined) return hit;
    }
    const out = def.type === 'array' ? this.array(def.element!, value) : def.type === 'object' ? this.object(schema, value) : this.record(def, value);
    if (out !== MISMATCH && remember) {
      if (!known) this.memo.set(schema, (known = new WeakMap()));
      known.set(value, out);
    }
    return out;
  }

  private array(element: Schema, value: object): unknown {
    if (!Array.isArray(value)) return MISMATCH;
    // Index by index, as parse walks it (a hole is undefined).
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const out = this.normalized(element, item);
      if (out === MISMATCH) return MISMATCH;
      if (copy) copy[i] = out;
      else if (out !== item || !(i in value)) {
        copy = value.slice(0, i);
        copy[i] = out;
      }
    }
    return copy ?? value;
  }

  /** Parse's object: the schema's keys present in the value (`in`, as parse reads them), in the schema's order; the rest stripped. */
  private object(schema: Schema, value: object): unknown {
    if (!isPlainRecord(value)) return MISMATCH;
    const plan = this.plan(schema);
    if (!plan) return MISMATCH;
    const own = Object.keys(value);
    const { keys, fields, optional } = plan;
    const outs: unknown[] = new Array(keys.length);
    let same = true;
    let at = 0;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      if (!(key in value)) {
        if (!optional[k]) return MISMATCH;
        continue;
      }
      const field = value[key];
      const out = this.normalized(fields[k]!, field);
      if (out === MISMATCH) return MISMATCH;
      outs[k] = out;
      // Unchanged only if it is the next own enumerable key (so: in order, none hidden) and its value is as parsed.
      if (same && (own[at] !== key || out !== field)) same = false;
      at++;
    }
    if (same && at === own.length && Object.getPrototypeOf(value) === Object.prototype) return value;
    const copy: Record<string, unknown> = {};
    for (let k = 0; k < keys.length; k++) if (keys[k]! in value) copy[keys[k]!] = outs[k];
    return copy;
  }

  /** Parse's record of string keys: every own enumerable key, in order. */
  private record(def: Def, value: object): unknown {
    if (typeof value !== 'object' || Array.isArray(value) || !isPlainObject(value)) return MISMATCH;
    const key = defOf(def.keyType!);
    // Only string keys taking every string: anything else parse may reject, or rename.
    if (key.type !== 'string' || key.checks?.length || key.coerce) return MISMATCH;
    if (Object.getOwnPropertySymbols(value).length) return MISMATCH;
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    // Parse skips a non-enumerable key and an own __proto__ (as JSON does not): a copy then.
    let same = Object.getOwnPropertyNames(record).length === keys.length && Object.getPrototypeOf(record) === Object.prototype;
    const outs: unknown[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k === '__proto__') {
        same = false;
        continue;
      }
      const out = this.normalized(def.valueType!, record[k]);
      if (out === MISMATCH) return MISMATCH;
      outs[i] = out;
      if (out !== record[k]) same = false;
    }
    if (same) return value;
    const copy: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) if (keys[i] !== '__proto__') copy[keys[i]!] = outs[i];
    return copy;
  }

  private leaf(schema: Schema, def: Def, value: unknown): unknown {
    let check = this.leaves.get(schema);
    if (check === undefined) this.leaves.set(schema, (check = leafCheck(def)));
    if (check) return check(value) ? value : MISMATCH;
    // A kind not modelled here: zod answers for a primitive (its parsed value may differ: a transform); an object is not modelled.
    if (typeof value === 'object' && value !== null) return MISMATCH;
    const parsed = (schema as z.ZodType).safeParse(value);
    return parsed.success ? parsed.data : MISMATCH;
  }
}

/** The fast check of a primitive schema and its checks, or null when only zod can tell. */
function leafCheck(def: Def): Leaf {
  if (def.coerce) return null;
  let base: (v: unknown) => boolean;
  switch (def.type) {
    case 'string':
      base = (v) => typeof v === 'string';
      break;
    case 'number':
      // zod's number: finite, not NaN.
      base = (v) => typeof v === 'number' && Number.isFinite(v);
      break;
    case 'boolean':
      base = (v) => typeof v === 'boolean';
      break;
    case 'enum':
    case 'literal': {
      if (def.checks?.length) return null;
      const values = new Set(def.type === 'enum' ? Object.values(def.entries!) : def.values);
      return (v) => values.has(v);
    }
    default:
      return null;
  }
  const checks: ((v: never) => boolean)[] = [];
  for (const c of def.checks ?? []) {
    const { check, format, pattern } = c._zod.def;
    if (def.type === 'number' && check === 'number_format' && format === 'safeint') checks.push((v: number) => Number.isSafeInteger(v));
    else if (def.type === 'string' && check === 'string_format' && format === 'regex' && pattern) {
      checks.push((v: string) => {
        // As zod's regex check does.
        pattern.lastIndex = 0;
        return pattern.test(v);
      });
    } else return null;
  }
  if (!checks.length) return base;
  return (v) => base(v) && checks.every((c) => c(v as never));
}
