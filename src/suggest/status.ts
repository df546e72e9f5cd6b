/**
 * Status against the previous scan: `new` (not suggested then), `open`
 * (suggested then and still), `done` (suggested then, and none of the
 * findings it resolved is open now). A previous suggestion that is no longer
 * made while its findings are still open was superseded by the current one
 * for the same findings, and is not repeated.
 */
import type { Suggestion } from '../report/json-schema.js';
import { copyWith } from '../util/copy-with.js';

export function withStatus(current: readonly Suggestion[], previous: readonly Suggestion[] | undefined, openFingerprints: ReadonlySet<string>): Suggestion[] {
  const before = new Set((previous ?? []).map((s) => s.id));
  const now = new Set(current.map((s) => s.id));
  const out: Suggestion[] = current.map((s) => copyWith(s, { status: before.has(s.id) ? ('open' as const) : ('new' as const) }));
  for (const s of previous ?? []) {
    if (now.has(s.id)) continue;
    if (s.resolves.length > 0 && s.resolves.every((f) => !openFingerprints.has(f))) out.push(copyWith(s, { status: 'done' as const }));
  }
  return out;
}
