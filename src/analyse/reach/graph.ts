/**
 * The reach graph: who can become, or act as, whom. Provider-neutral: a
 * node id is an ARN, a service-account email or a capability id, and an
 * edge kind is a string (`assume-role`, `pass-role`, `escalation:<method>`,
 * later `gcp-impersonation`), so GCP edges join the same graph.
 *
 * Built once per audit, then frozen into compressed adjacency arrays:
 * closure is a breadth-first search per source over typed arrays, keeping
 * the first (hence shortest) edge into each node, so every reached node has
 * a path, cycles end the search instead of looping, and nothing is stored
 * per pair unless asked for.
 */
import type { ReachHop } from '../../model/finding.js';

export type ReachNodeKind = 'identity' | 'capability';

export interface ReachNode {
  id: string;
  kind: ReachNodeKind;
  provider: 'aws' | 'gcp';
  /** AWS account id or GCP project. */
  accountId: string;
  /** For people: the identity's name or what the capability is. */
  label: string;
}

export interface ReachEdge {
  from: string;
  to: string;
  /** e.g. `assume-role`, `pass-role`, `escalation:iam:CreateAccessKey`. */
  kind: string;
  /** The statements, trust policies or bindings allowing the hop, in words. */
  grantedBy: string[];
  /** Conditions that must hold for the hop (external id, org id, MFA, …), in words; empty when none. */
  conditions: string[];
}

/** One node reached from a source, with the edge that first reached it (shortest path). */
export interface Reached {
  node: number;
  /** Index into `edges` of the edge into `node`; -1 for the source itself. */
  via: number;
  depth: number;
}

export class ReachGraph {
  private readonly nodeList: ReachNode[] = [];
  private readonly byId = new Map<string, number>();
  private readonly edgeList: ReachEdge[] = [];
  private readonly edgeKeys = new Map<string, number>();
  private offsets: Int32Array | undefined;
  private targets: Int32Array | undefined;
  private edgeOf: Int32Array | undefined;
  private readonly reachCache = new Map<number, Reached[]>();

  get nodes(): readonly ReachNode[] {
    return this.nodeList;
  }

  get edges(): readonly ReachEdge[] {
    return this.edgeList;
  }

  addNode(node: ReachNode): number {
    const found = this.byId.get(node.id);
    if (found !== undefined) return found;
    this.assertOpen();
    this.nodeList.push(node);
    this.byId.set(node.id, this.nodeList.length - 1);
    return this.nodeList.length - 1;
  }

  node(id: string): ReachNode | undefined {
    const i = this.byId.get(id);
    return i === undefined ? undefined : this.nodeList[i];
  }

  indexOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  /**
   * Adds an edge between known nodes. A second edge of the same kind between
   * the same nodes adds its evidence to the first (two statements allowing
   * one hop are one hop with two reasons).
   */
  addEdge(edge: ReachEdge): void {
    this.assertOpen();
    if (!this.byId.has(edge.from) || !this.byId.has(edge.to)) throw new Error(`reach graph: edge ${edge.kind} between unknown nodes ${edge.from} -> ${edge.to}`);
    if (edge.from === edge.to) return;
    const key = `${edge.from}\u0000${edge.to}\u0000${edge.kind}`;
    const existing = this.edgeKeys.get(key);
    if (existing !== undefined) {
      const e = this.edgeList[existing]!;
      for (const g of edge.grantedBy) if (!e.grantedBy.includes(g)) e.grantedBy.push(g);
      // Either reason suffices, so the hop is only as conditional as its least conditional reason.
      if (edge.conditions.length === 0) e.conditions = [];
      return;
    }
    this.edgeKeys.set(key, this.edgeList.length);
    this.edgeList.push(edge);
  }

  /** Freezes the graph into adjacency arrays; further additions throw. Called by the first closure. */
  freeze(): void {
    if (this.offsets) return;
    const n = this.nodeList.length;
    const offsets = new Int32Array(n + 1);
    const from = new Int32Array(this.edgeList.length);
    const to = new Int32Array(this.edgeList.length);
    this.edgeList.forEach((e, i) => {
      from[i] = this.byId.get(e.from)!;
      to[i] = this.byId.get(e.to)!;
      offsets[from[i]! + 1]!++;
    });
    for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
    const fill = offsets.slice(0, n);
    const targets = new Int32Array(this.edgeList.length);
    const edgeOf = new Int32Array(this.edgeList.length);
    // Unconditional edges first within each node, so the shortest path prefers them on ties.
    const order = this.edgeList.map((_, i) => i).sort((a, b) => Number(this.edgeList[a]!.conditions.length > 0) - Number(this.edgeList[b]!.conditions.length > 0) || a - b);
    for (const i of order) {
      const slot = fill[from[i]!]!++;
      targets[slot] = to[i]!;
      edgeOf[slot] = i;
    }
    this.offsets = offsets;
    this.targets = targets;
    this.edgeOf = edgeOf;
  }

  /**
   * Every node reachable from `source` (itself first, depth 0), in
   * breadth-first order. `stopAt` nodes are reported but not expanded: a
   * rule looking for the first production node on each path stops there.
   */
  reachFrom(source: string, stopAt?: (node: ReachNode) => boolean): Reached[] {
    const start = this.byId.get(source);
    if (start === undefined) return [];
    if (!stopAt) {
      const cached = this.reachCache.get(start);
      if (cached) return cached;
    }
    this.freeze();
    const offsets = this.offsets!;
    const targets = this.targets!;
    const edgeOf = this.edgeOf!;
    const seen = new Uint8Array(this.nodeList.length);
    const out: Reached[] = [{ node: start, via: -1, depth: 0 }];
    seen[start] = 1;
    for (let head = 0; head < out.length; head++) {
      const { node, depth } = out[head]!;
      if (head > 0 && stopAt?.(this.nodeList[node]!)) continue;
      for (let k = offsets[node]!; k < offsets[node + 1]!; k++) {
        const next = targets[k]!;
        if (seen[next]) continue;
        seen[next] = 1;
        out.push({ node: next, via: edgeOf[k]!, depth: depth + 1 });
      }
    }
    if (!stopAt) this.reachCache.set(start, out);
    return out;
  }

  /** How many nodes each source reaches (itself excluded), without keeping paths: the closure's size, for benchmarks and summaries. */
  closureSizes(): Int32Array {
    this.freeze();
    const n = this.nodeList.length;
    const offsets = this.offsets!;
    const targets = this.targets!;
    const sizes = new Int32Array(n);
    const mark = new Int32Array(n).fill(-1);
    const queue = new Int32Array(n);
    for (let s = 0; s < n; s++) {
      let head = 0;
      let tail = 0;
      queue[tail++] = s;
      mark[s] = s;
      while (head < tail) {
        const node = queue[head++]!;
        for (let k = offsets[node]!; k < offsets[node + 1]!; k++) {
          const next = targets[k]!;
          if (mark[next] === s) continue;
          mark[next] = s;
          queue[tail++] = next;
        }
      }
      sizes[s] = tail - 1;
    }
    return sizes;
  }

  /** The hops from the source of `reached` to `target` (one of its entries), in order. */
  pathTo(reached: readonly Reached[], target: Reached): ReachHop[] {
    const byNode = new Map(reached.map((r) => [r.node, r]));
    const hops: ReachHop[] = [];
    let at: Reached | undefined = target;
    while (at && at.via >= 0) {
      const e = this.edgeList[at.via]!;
      hops.push(hopOf(e));
      at = byNode.get(this.byId.get(e.from)!);
    }
    return hops.reverse();
  }

  edgeAt(index: number): ReachEdge {
    return this.edgeList[index]!;
  }

  private assertOpen(): void {
    if (this.offsets) throw new Error('reach graph: frozen after the first closure');
  }
}

/** A graph edge as evidence and the report carry it: conditions are part of what allows the hop. */
export function hopOf(e: ReachEdge): ReachHop {
  const grantedBy = e.conditions.length ? [...e.grantedBy, ...e.conditions.map((c) => `only if ${c}`)] : [...e.grantedBy];
  return { from: e.from, to: e.to, edge: e.kind, grantedBy };
}
