/**
 * Remove the binding(s) behind the hop that takes a non-production service
 * account into production, from open gcp.staging-reaches-production
 * findings: the last hop of each path is the first into production (the
 * search stops there). The bindings come from the reach graph's own
 * escalation record, not from evidence text; rollback adds them back.
 */
import type { GcpHeldBinding } from '../../analyse/gcp/effective-grant.js';
import { bindingText } from '../../analyse/gcp/escalation.js';
import { printable } from '../../config/patterns.js';
import type { Finding, ReachHop } from '../../model/finding.js';
import type { SuggestContext } from '../context.js';
import type { PlannedSuggestion } from '../types.js';
import { gcloud, projectGuard } from './gcloud.js';
import { gcpWithOpenFindings } from './retire.js';

function lastHop(f: Finding): ReachHop | undefined {
  const path = f.evidence.find((e) => e.kind === 'reach-path');
  const hops = (path?.detail as { hops?: ReachHop[] } | undefined)?.hops;
  return Array.isArray(hops) ? hops.at(-1) : undefined;
}

export function gcpProductionEdges(ctx: SuggestContext): PlannedSuggestion[] {
  const gcp = ctx.rules.gcp;
  if (!gcp) return [];
  const edges = new Map<string, { hop: ReachHop; bindings: GcpHeldBinding[]; findings: Finding[] }>();
  for (const { findings } of gcpWithOpenFindings(ctx, ['gcp.staging-reaches-production'])) {
    for (const f of findings) {
      const hop = lastHop(f);
      if (!hop) continue;
      const methods = gcp.reach.escalations.get(hop.from) ?? [];
      const bindings = [...new Set(methods.flatMap((m) => m.accounts.get(hop.to) ?? m.scopes.get(hop.to.replace(/^gcp:any-permission:/, '')) ?? []))];
      if (!bindings.length) continue;
      const key = `${hop.from}\u0000${hop.to}`;
      const edge = edges.get(key) ?? { hop, bindings, findings: [] };
      edge.findings.push(f);
      edges.set(key, edge);
    }
  }
  return [...edges.values()].map(({ hop, bindings, findings }) => {
    const owner = gcp.identities.find((f) => f.identity.arn.toLowerCase() === hop.to)?.identity.accountId ?? gcp.reach.graph.node(hop.to)?.accountId ?? '';
    const wide = bindings.filter((b) => b.binding.level !== 'service-account');
    return {
      kind: 'remove-gcp-impersonation-edge',
      provider: 'gcp',
      identityArn: hop.from,
      accountId: owner,
      change: `${hop.from}->${hop.to}`,
      title: `Stop ${printable(hop.from)} from becoming production ${printable(hop.to)}`,
      resolves: findings.map((f) => f.fingerprint),
      risk:
        `Whatever runs as ${printable(hop.from)} and impersonates or deploys as ${printable(hop.to)} gets PERMISSION_DENIED after the change.` +
        (wide.length ? ` ${wide.length} of the bindings are set on a project, folder or the organisation: removing them also removes what they grant elsewhere.` : ''),
      evidence: [...findings.flatMap((f) => f.evidence.filter((e) => e.kind === 'reach-path')).slice(0, 3), ...bindings.map((b) => ({ kind: 'policy-statement' as const, summary: bindingText(b.binding) }))],
      steps: [{ stage: 1, description: `remove ${bindings.length} binding(s) allowing the hop (reversible)`, commands: bindings.map((b) => gcloud.removeBinding(b.binding, owner)) }],
      rollback: [{ stage: 1, description: 'add the binding(s) back exactly as they were', commands: bindings.map((b) => gcloud.addBinding(b.binding, owner)) }],
      documents: [],
      inputs: [],
      guard: projectGuard(owner),
    };
  });
}
