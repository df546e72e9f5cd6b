/**
 * The GCP half of the reach graph: service accounts are nodes (id = email,
 * account = project id), and each escalation method a service account holds
 * on other accounts is an edge to them (`gcp-impersonation` for tokens and
 * signatures, `gcp-act-as` for deploying code as them, `escalation:<id>`
 * for keys and policy rewrites), carrying every binding that allows the hop
 * and its IAM conditions. Methods that rewrite a scope's policies lead to a
 * capability node per resource: any permission there.
 */
import { GcpHierarchy, projectIdOf } from '../gcp/hierarchy.js';
import { bindingText, conditionText, findGcpEscalations, type GcpFoundEscalation } from '../gcp/escalation.js';
import type { GcpEffectiveGrant, GcpHeldBinding } from '../gcp/effective-grant.js';
import { ReachGraph } from './graph.js';

export interface GcpReachAccount {
  email: string;
  projectId: string;
  grant: GcpEffectiveGrant;
}

export interface GcpReach {
  graph: ReachGraph;
  /** Escalation methods each service account holds itself (lower-case email). */
  escalations: Map<string, GcpFoundEscalation[]>;
}

export const gcpCapabilityId = (resource: string): string => `gcp:any-permission:${resource}`;

/** `x@p.iam.gserviceaccount.com` lives in project p; others (default accounts of other projects) are unknown. */
const projectOfEmail = (email: string): string => /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1] ?? 'unknown';

function evidenceOf(found: GcpFoundEscalation, reaching: readonly GcpHeldBinding[]): { grantedBy: string[]; conditions: string[] } {
  const others = found.grants.filter((g) => !g.bindings.some((h) => reaching.includes(h)));
  const grantedBy = [
    ...reaching.map((h) => `${bindingText(h.binding)} (${found.method.id})`),
    ...others.map((g) => `${g.permission} through ${g.bindings.map((h) => bindingText(h.binding)).join(' or ')}`),
  ];
  // Any unconditional binding reaching the target makes the hop unconditional.
  const conditions = reaching.every((h) => h.binding.condition) ? [...new Set(reaching.map((h) => conditionText(h.binding)!))] : [];
  for (const g of others) if (g.bindings.every((h) => h.binding.condition)) conditions.push(...g.bindings.map((h) => conditionText(h.binding)!));
  return { grantedBy, conditions: [...new Set(conditions)] };
}

export function buildGcpReach(accounts: readonly GcpReachAccount[], hierarchy: GcpHierarchy): GcpReach {
  const graph = new ReachGraph();
  const byProject = new Map<string, string[]>();
  for (const a of accounts) {
    const email = a.email.toLowerCase();
    byProject.set(a.projectId, [...(byProject.get(a.projectId) ?? []), email]);
    graph.addNode({ id: email, kind: 'identity', provider: 'gcp', accountId: a.projectId, label: email });
  }
  const escalations = new Map<string, GcpFoundEscalation[]>();
  for (const a of accounts) {
    const from = a.email.toLowerCase();
    const found = findGcpEscalations(a.grant, { byProject, hierarchy });
    if (!found.length) continue;
    escalations.set(from, found);
    for (const f of found) {
      for (const [to, reaching] of f.accounts) {
        graph.addNode({ id: to, kind: 'identity', provider: 'gcp', accountId: projectOfEmail(to), label: to });
        graph.addEdge({ from, to, kind: f.method.edge ?? `escalation:${f.method.id}`, ...evidenceOf(f, reaching) });
      }
      for (const [resource, reaching] of f.scopes) {
        const id = gcpCapabilityId(resource);
        const project = resource.startsWith('projects/') ? projectIdOf(resource) : resource;
        graph.addNode({ id, kind: 'capability', provider: 'gcp', accountId: project, label: `any permission on ${resource}` });
        graph.addEdge({ from, to: id, kind: `escalation:${f.method.id}`, ...evidenceOf(f, reaching) });
      }
    }
  }
  return { graph, escalations };
}
