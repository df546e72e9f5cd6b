/**
 * What the reach rules share: finding the first node of a kind on each path
 * from an identity, and showing a path as `reach-path` evidence, hop by hop
 * with what allows each hop.
 */
import type { ChainHit, ChainTrail, ReachGraph, ReachNode } from '../analyse/reach/index.js';
import { printable } from '../config/patterns.js';
import type { Evidence, ReachHop } from '../model/finding.js';
import type { Severity } from '../model/finding.js';
import { lower } from './severity.js';

export interface ChainTarget {
  node: ReachNode;
  /** How many hops the path has (`hops.length`, known without making them). */
  hopCount: number;
  /** The path, hop by hop; made when first read: a rule sorts every target but shows a few. */
  readonly hops: ReachHop[];
  /** Some hop holds only under a condition the scan cannot decide. */
  conditional: boolean;
}

class PathTarget implements ChainTarget, ChainHit {
  private made: ReachHop[] | undefined;
  constructor(
    readonly node: ReachNode,
    readonly conditional: boolean,
    readonly depth: number,
    readonly at: number,
    readonly trail: ChainTrail,
    private readonly graph: ReachGraph,
  ) {}

  get hopCount(): number {
    return this.depth;
  }

  get hops(): ReachHop[] {
    return (this.made ??= this.graph.hopsOf(this));
  }
}

/**
 * The nodes `isTarget` accepts that `source` reaches through at least one
 * hop, nearest first, each by its shortest path. The search does not go
 * past a target: what lies beyond it is reached through it.
 */
export function chainTargets(reach: { graph: ReachGraph }, source: string, isTarget: (node: ReachNode) => boolean): ChainTarget[] {
  const { graph } = reach;
  return graph.chainSearch(source, isTarget, (node, conditional, depth, at, trail) => new PathTarget(node, conditional, depth, at, trail, graph));
}

/** Unconditional chains first, then the nearest (a stable sort keeps breadth-first order among equals). */
export function byCertaintyThenLength(a: ChainTarget, b: ChainTarget): number {
  return Number(a.conditional) - Number(b.conditional) || a.hopCount - b.hopCount;
}

const shortName = (id: string) => printable(id.includes('/') ? id.slice(id.lastIndexOf('/') + 1) : id, 60);

/** `a -[assume-role]-> b -[pass-role]-> c` */
export function pathText(hops: readonly ReachHop[]): string {
  if (!hops.length) return '';
  return [shortName(hops[0]!.from), ...hops.map((h) => `-[${printable(h.edge, 60)}]-> ${shortName(h.to)}`)].join(' ');
}

/** The path as evidence: one line for people, every hop with its grants for machines. */
export function reachPathEvidence(hops: ReachHop[]): Evidence {
  const steps = hops.length === 1 ? '1 hop' : `${hops.length} hops`;
  return { kind: 'reach-path', summary: `path (${steps}): ${pathText(hops)}`, detail: { hops } };
}

/** One line per hop with what allows it: the step-by-step chain a reader follows. */
export function hopEvidence(hops: readonly ReachHop[]): Evidence[] {
  return hops.map((h, i) => ({
    kind: 'note' as const,
    summary: `hop ${i + 1}: ${printable(h.from)} can ${printable(h.edge)} ${printable(h.to)} because ${reasonsText(h.grantedBy)}`,
  }));
}

/** A hop's reasons in one line, once per list: the graph shares a record's list between its hops (ReachGraph.hopsOf), and so between findings. */
function reasonsText(grantedBy: readonly string[]): string {
  let text = reasonTexts.get(grantedBy);
  if (text === undefined) reasonTexts.set(grantedBy, (text = grantedBy.join('; ')));
  return text;
}
const reasonTexts = new WeakMap<readonly string[], string>();

/** A chain that holds only under undecided conditions is one step less certain. */
export function chainSeverity(base: Severity, conditional: boolean): Severity {
  return conditional ? lower(base) : base;
}

/** Keeps findings bounded: at most `max` chain targets, nearest first; the caller says how many were left out. */
export function firstTargets(targets: ChainTarget[], max: number): { shown: ChainTarget[]; omitted: number } {
  return { shown: targets.slice(0, max), omitted: Math.max(0, targets.length - max) };
}
