/**
 * Evidence built when it is first read. An audit of 50,000 principals makes
 * over a million findings whose evidence (statement lines, usage, names) is
 * ~200 KB of JSON per principal: built up front it costs most of the audit
 * and more memory than the whole audit may use, while the rules, the
 * suppressions, the gate and most suggestions read only a finding's rule,
 * identity, granular part and severity.
 *
 * A finding made with `lazyEvidence` has an ordinary enumerable `evidence`
 * property, in the same place among its keys: reading it (JSON.stringify,
 * a spread, a renderer) builds the list once and keeps it, so it reads,
 * compares and mutates exactly like eager evidence. `evidenceOf` builds it
 * without keeping it, for a writer that streams findings one at a time.
 *
 * Builders must read only what stays as it was when the finding was made
 * (the scan's facts and indices): they run later, once or several times.
 * They never build `reach-path` evidence, so report-edges need not build
 * every finding's evidence to find the paths (checked when one is built).
 *
 * A builder may be asked for the first items only (`limit`, see
 * EvidenceMaker): SARIF and `ci` show a finding's first line, a suggestion
 * quotes two. It may then return a list that starts as the whole list does,
 * without making the rest.
 */
import type { Evidence } from '../model/finding.js';

/**
 * A builder. Given `limit`, it may stop once it has that many items (a
 * suggestion quoting a finding keeps its first two; SARIF and `ci` show the
 * first): what it returns then starts as the whole list does. Builders that
 * ignore it build everything.
 */
export type EvidenceMaker = (limit?: number) => Evidence[];

/** For builders that can make their first item alone: whether that is all `limit` asks for. */
export const firstOnly = (limit: number | undefined): boolean => limit !== undefined && limit <= 1;

/** How many of the first `limit` items are left to make after `made` (all of them, Infinity, when no limit was asked for). */
export const roomAfter = (limit: number | undefined, made: number): number => (limit === undefined ? Infinity : limit - made);

/**
 * Each finding's builder, under a non-enumerable symbol on the finding itself
 * (JSON, spreads and Object.keys never see it). Not a WeakMap: a million
 * findings made its table tens of MB, and every full GC walked its
 * ephemerons; the property fits the slack of the finding's property store.
 */
const MAKER = Symbol('keywarden.lazyEvidence');
type Holder = { [MAKER]?: EvidenceMaker | undefined };
const pending = {
  get: (target: object): EvidenceMaker | undefined => (target as Holder)[MAKER],
  has: (target: object): boolean => (target as Holder)[MAKER] !== undefined,
  set(target: object, make: EvidenceMaker): void {
    Object.defineProperty(target, MAKER, { value: make, writable: true, enumerable: false, configurable: true });
  },
  // Cleared, not deleted: deleting a property turns the object into a slow dictionary.
  delete(target: object): void {
    if ((target as Holder)[MAKER] !== undefined) (target as Holder)[MAKER] = undefined;
  },
};

function build(make: EvidenceMaker, limit?: number): Evidence[] {
  const evidence = make(limit);
  if (evidence.some((e) => e.kind === 'reach-path')) throw new Error('lazy evidence: reach paths must be built with the finding (report-edges reads them)');
  return evidence;
}

function keep(target: object, evidence: Evidence[]): Evidence[] {
  pending.delete(target);
  Object.defineProperty(target, 'evidence', { value: evidence, writable: true, enumerable: true, configurable: true });
  return evidence;
}

// Shared accessor functions: a finding costs its builder closure, nothing more.
function read(this: object): Evidence[] {
  const make = pending.get(this);
  return make ? keep(this, build(make)) : [];
}
function write(this: object, evidence: Evidence[]): void {
  keep(this, evidence);
}

/**
 * `draft` with `evidence` (its last key) built by `make` on first read. The
 * engine completes drafts in place, so the finding keeps the accessor.
 */
export function lazyEvidence<D extends object>(draft: D, make: EvidenceMaker): D & { evidence: Evidence[] } {
  pending.set(draft, make);
  Object.defineProperty(draft, 'evidence', { get: read, set: write, enumerable: true, configurable: true });
  return draft as D & { evidence: Evidence[] };
}

/**
 * A finding's evidence, built for this call only when it has not been read yet
 * (for writers that stream findings). With `limit`, only the first `limit`
 * items are needed: a builder may stop there, so the list may be longer or
 * cut short at `limit`, and its first `limit` items are the whole list's.
 */
export function evidenceOf(finding: { evidence: Evidence[] }, limit?: number): Evidence[] {
  const make = pending.get(finding);
  return make ? build(make, limit) : finding.evidence;
}

/**
 * A finding's first evidence item (undefined when it has none), built alone
 * when the builder can (see the module comment) and not kept: what
 * `evidenceOf(finding)[0]` is, without making the rest of the list.
 */
export function firstEvidence(finding: { evidence: Evidence[] }): Evidence | undefined {
  return evidenceOf(finding, 1)[0];
}

/**
 * `{ ...finding, ...extra }` with the same keys in the same order, but whose
 * evidence, if not built yet, stays to be built (a spread reads it, so it
 * would build and keep every copied finding's evidence).
 */
export function withFields<F extends object, E extends object>(finding: F, extra: E): F & E {
  const make = pending.get(finding);
  if (!make) return { ...finding, ...extra };
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(finding)) {
    if (key === 'evidence') lazyEvidence(copy, make);
    else copy[key] = (finding as Record<string, unknown>)[key];
  }
  return Object.assign(copy, extra) as F & E;
}

/** Whether the finding's evidence has not been built yet (so it holds no reach path: see the module comment). */
export function evidencePending(finding: object): boolean {
  return pending.has(finding);
}
