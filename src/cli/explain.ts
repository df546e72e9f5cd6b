/**
 * `keywarden explain <identity>`: everything an identity can reach in the
 * latest scan, as a tree (each node under the hop that first reaches it,
 * so every path shown is a shortest one), with the statements or trust
 * policies allowing each hop, the conditions it needs, and what makes a
 * node dangerous (production, escalation methods).
 */
import { scanFacts } from '../analyse/scan-facts.js';
import { windowEndingAt } from '../analyse/window.js';
import type { AwsReach, ReachGraph, Reached } from '../analyse/reach/index.js';
import { explainGcp } from './explain-gcp.js';
import { loadAwsActionCatalog } from '../catalog/aws-actions.js';
import { printable } from '../config/patterns.js';
import type { IdentityFacts, RuleContext } from '../rules/rule.js';
import { terminalText } from '../util/terminal-text.js';
import { latestScanId, withStore, type Io } from './commands.js';
import { EXIT, UserError } from './errors.js';
import type { GlobalOptions } from './main.js';

export interface ExplainOptions extends GlobalOptions {
  /** At most this many reachable nodes are printed (the count of the rest is). */
  max?: number;
  /** Whose latest scan (default aws). */
  provider?: 'aws' | 'gcp';
}

const DEFAULT_MAX = 200;

/** The identity named by ARN (exact, case-insensitive) or by name (must be unique). */
export function findIdentity(identities: readonly IdentityFacts[], wanted: string): IdentityFacts {
  const lower = wanted.toLowerCase();
  const byArn = identities.find((f) => f.identity.arn.toLowerCase() === lower);
  if (byArn) return byArn;
  const byName = identities.filter((f) => f.identity.name.toLowerCase() === lower);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new UserError(`"${printable(wanted)}" names ${byName.length} identities (${byName.slice(0, 3).map((f) => printable(f.identity.arn)).join(', ')}…): give the ARN`);
  }
  throw new UserError(`no identity "${printable(wanted)}" in the latest scan (give an ARN or a user/role name; \`keywarden audit --from <dir>\` imports one)`);
}

function nodeNote(id: string, ctx: RuleContext, reach: AwsReach, factsOf: Map<string, IdentityFacts>): string {
  const notes: string[] = [];
  const facts = factsOf.get(id);
  const node = reach.graph.node(id)!;
  const env = facts ? facts.environment.environment : ctx.resourceEnvironment(`arn:aws:iam::${node.accountId}:root`).environment;
  notes.push(`${node.kind === 'capability' ? 'capability' : (facts?.identity.kind ?? 'identity')}, account ${node.accountId} ${env}`);
  const methods = reach.escalations.get(id);
  if (methods?.length) notes.push(`can escalate: ${methods.slice(0, 4).map((m) => m.method.id).join(', ')}${methods.length > 4 ? `, +${methods.length - 4}` : ''}`);
  return notes.join('; ');
}

/**
 * The tree under `source` as lines: children of each node in the order the
 * search met them, each with what allows its hop. Provider-neutral: the
 * caller says how to describe a node.
 */
export function reachTreeLines(graph: ReachGraph, source: string, note: (id: string) => string, max = DEFAULT_MAX): { lines: string[]; reached: number } {
  const reached: Reached[] = graph.reachFrom(source);
  const lines: string[] = [];
  const children = new Map<number, Reached[]>();
  for (const r of reached.slice(1)) {
    const parent = graph.indexOf(graph.edgeAt(r.via).from)!;
    let list = children.get(parent);
    if (!list) children.set(parent, (list = []));
    list.push(r);
  }
  let printed = 0;
  const walk = (node: number, indent: string) => {
    const list = children.get(node) ?? [];
    list.forEach((r, i) => {
      if (printed >= max) return;
      printed++;
      const last = i === list.length - 1;
      const edge = graph.edgeAt(r.via);
      const to = graph.nodes[r.node]!;
      lines.push(`${indent}${last ? '└─' : '├─'} ${terminalText(edge.kind)} → ${terminalText(to.id)} (${note(to.id)})`);
      const more = `${indent}${last ? '   ' : '│  '}`;
      for (const g of edge.grantedBy) lines.push(`${more}   because ${terminalText(g)}`);
      for (const c of edge.conditions) lines.push(`${more}   only if ${terminalText(c)}`);
      walk(r.node, more);
    });
  };
  if (reached.length) walk(reached[0]!.node, '  ');
  if (reached.length <= 1) lines.push('  reaches nothing beyond itself (no assume-role, pass-role, impersonation or escalation hop)');
  if (printed < reached.length - 1) lines.push(`  … ${reached.length - 1 - printed} more reachable nodes not shown (raise --max)`);
  return { lines, reached: Math.max(0, reached.length - 1) };
}

/** The AWS tree: credentials acting as the identity, its reach, its own escalation methods. */
export function explainTree(facts: IdentityFacts, ctx: RuleContext, max = DEFAULT_MAX): string[] {
  const reach = ctx.reach!;
  const factsOf = new Map(ctx.identities.map((f) => [f.identity.arn, f]));
  const lines = [`${terminalText(facts.identity.arn)} (${nodeNote(facts.identity.arn, ctx, reach, factsOf)})`];
  const credentials = facts.credentials.filter((c) => c.active !== false);
  if (credentials.length) lines.push(`  credentials acting as it: ${credentials.map((c) => `${c.kind} ${terminalText(c.id)}`).join(', ')}`);
  const tree = reachTreeLines(reach.graph, facts.identity.arn, (id) => nodeNote(id, ctx, reach, factsOf), max);
  lines.push(...tree.lines);
  const own = reach.escalations.get(facts.identity.arn) ?? [];
  if (own.length) lines.push(`  its own escalation methods: ${own.map((m) => m.method.id).join(', ')}`);
  lines.push(`  reaches ${tree.reached} node(s) in all`);
  return lines;
}

export function runExplain(wanted: string, opts: ExplainOptions, io: Io): Promise<number> {
  return withStore(opts, async (store, config) => {
    const scanId = latestScanId(store, opts.provider);
    const catalog = await loadAwsActionCatalog();
    const facts = scanFacts(store, catalog, config, { scanId, window: windowEndingAt(new Date(), config.thresholds.unusedDays) });
    const gcp = facts.context.gcp;
    const lines = gcp ? explainGcp(gcp, wanted, opts.max) : explainTree(findIdentity(facts.context.identities, wanted), facts.context, opts.max);
    io.out(lines.join('\n') + '\n');
    return EXIT.ok;
  });
}
