/**
 * `keywarden explain <email>` on a GCP scan: the service accounts and scopes
 * it can become or control, hop by hop, with the binding allowing each hop.
 */
import type { GcpRuleContext } from '../analyse/gcp/scan-facts.js';
import { printable } from '../config/patterns.js';
import { terminalText } from '../util/terminal-text.js';
import { UserError } from './errors.js';
import { reachTreeLines } from './explain.js';

function note(id: string, gcp: GcpRuleContext): string {
  const node = gcp.reach.graph.node(id)!;
  const env = gcp.projectEnvironment(node.accountId).environment;
  const parts = [node.kind === 'capability' ? 'capability' : `service account, project ${node.accountId} ${env}`];
  const methods = gcp.reach.escalations.get(id);
  if (methods?.length) parts.push(`can escalate: ${methods.slice(0, 4).map((m) => m.method.id).join(', ')}${methods.length > 4 ? `, +${methods.length - 4}` : ''}`);
  return parts.join('; ');
}

export function explainGcp(gcp: GcpRuleContext, wanted: string, max?: number): string[] {
  const email = wanted.toLowerCase();
  const facts = gcp.identities.find((f) => f.identity.arn.toLowerCase() === email || f.identity.name.toLowerCase() === email);
  if (!facts) throw new UserError(`no service account "${printable(wanted)}" in the latest scan (give its email)`);
  const id = facts.identity.arn.toLowerCase();
  const lines = [`${terminalText(id)} (${note(id, gcp)})`];
  const keys = facts.keys.filter((k) => k.detail?.keyType === 'USER_MANAGED' && !k.detail.disabled);
  if (keys.length) lines.push(`  user-managed keys acting as it: ${keys.map((k) => terminalText(k.credential.id)).join(', ')}`);
  const tree = reachTreeLines(gcp.reach.graph, id, (n) => note(n, gcp), max);
  lines.push(...tree.lines, `  reaches ${tree.reached} node(s) in all`);
  return lines;
}
