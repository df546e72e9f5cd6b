/**
 * The reach-graph edges a report carries (`reach.edges`): every hop some
 * finding's `reach-path` evidence walks, once, in first-seen order.
 */
import type { Finding, ReachHop } from '../../model/finding.js';
import { evidencePending } from '../../rules/lazy-evidence.js';

export function reachEdgesOf(findings: readonly Finding[]): ReachHop[] {
  const seen = new Map<string, ReachHop>();
  for (const f of findings) {
    // Evidence not built yet holds no reach path (lazy-evidence.ts), and building it here would build all of it.
    if (evidencePending(f)) continue;
    for (const e of f.evidence) {
      if (e.kind !== 'reach-path') continue;
      const hops = (e.detail?.hops ?? []) as ReachHop[];
      for (const h of hops) {
        const key = `${h.from}\u0000${h.to}\u0000${h.edge}`;
        if (!seen.has(key)) seen.set(key, { from: h.from, to: h.to, edge: h.edge, grantedBy: [...h.grantedBy] });
      }
    }
  }
  return [...seen.values()];
}
