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
import { NO_TIMER, type PhaseTimer } from '../../util/phase-clock.js';

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

/** A growable Int32 column: an edge costs a few bytes per field rather than an object. */
class IntColumn {
  private data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
  at(i: number): number {
    return this.data[i]!;
  }
}

export class ReachGraph {
  private readonly nodeList: ReachNode[] = [];
  private readonly byId = new Map<string, number>();
  /**
   * Edges, column by column: a graph of one large account holds millions of
   * escalation edges (every escalating identity to every user or role it can
   * take over), so an edge is four numbers and two references to reason lists
   * its builder shares, and `ReachEdge` objects exist only when asked for.
   */
  private readonly edgeFrom = new IntColumn();
  private readonly edgeTo = new IntColumn();
  private readonly edgeKind = new IntColumn();
  private readonly edgeGrantedBy: string[][] = [];
  private readonly edgeConditions: string[][] = [];
  private readonly kindNames: string[] = [];
  private readonly kindIds = new Map<string, number>();
  /** kind -> (from, to) pair -> edge index, for edges that may be added twice (see `addEdge`). */
  private readonly edgeKeys = new Map<number, Map<number, number>>();
  private offsets: Int32Array | undefined;
  private targets: Int32Array | undefined;
  private edgeOf: Int32Array | undefined;
  private readonly reachCache = new Map<number, Reached[]>();

  /** `timer` times searches over the graph (reachFrom, closure) as 'graph closure'. */
  constructor(private readonly timer: PhaseTimer = NO_TIMER) {}

  get nodes(): readonly ReachNode[] {
    return this.nodeList;
  }

  /** Every edge as an object: allocates one per edge, for tests and small graphs; rules use `edgesFrom`. */
  get edges(): readonly ReachEdge[] {
    return Array.from({ length: this.edgeFrom.length }, (_, i) => this.edgeAt(i));
  }

  get edgeCount(): number {
    return this.edgeFrom.length;
  }

  /** Edge count per kind. */
  kindCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (let i = 0; i < this.edgeKind.length; i++) {
      const kind = this.kindNames[this.edgeKind.at(i)]!;
      out.set(kind, (out.get(kind) ?? 0) + 1);
    }
    return out;
  }

  addNode(node: ReachNode): number {
    const found = this.byId.get(node.id);
    if (found !== undefined) return found;
    this.assertOpen();
    if (this.nodeList.length >= 2 ** 24) throw new Error('reach graph: more than 16M nodes');
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
   * one hop are one hop with two reasons). With `unique`, the caller
   * guarantees no other edge of that kind joins the same two nodes, and the
   * graph keeps no lookup entry for it: escalation edges are most of a large
   * graph and are made once per (identity, method, target).
   */
  addEdge(edge: ReachEdge, options?: { unique?: boolean }): void {
    this.assertOpen();
    const from = this.byId.get(edge.from);
    const to = this.byId.get(edge.to);
    if (from === undefined || to === undefined) throw new Error(`reach graph: edge ${edge.kind} between unknown nodes ${edge.from} -> ${edge.to}`);
    if (from === to) return;
    let kind = this.kindIds.get(edge.kind);
    if (kind === undefined) {
      kind = this.kindNames.push(edge.kind) - 1;
      this.kindIds.set(edge.kind, kind);
    }
    if (!options?.unique) {
      const key = from * 2 ** 24 + to;
      let ofKind = this.edgeKeys.get(kind);
      if (!ofKind) this.edgeKeys.set(kind, (ofKind = new Map()));
      const existing = ofKind.get(key);
      if (existing !== undefined) {
        // Copy on write: callers may share one grantedBy list between edges.
        const grantedBy = this.edgeGrantedBy[existing]!;
        const added = edge.grantedBy.filter((g) => !grantedBy.includes(g));
        if (added.length) this.edgeGrantedBy[existing] = [...grantedBy, ...added];
        // Either reason suffices, so the hop is only as conditional as its least conditional reason.
        if (edge.conditions.length === 0) this.edgeConditions[existing] = [];
        return;
      }
      ofKind.set(key, this.edgeFrom.length);
    }
    this.edgeFrom.push(from);
    this.edgeTo.push(to);
    this.edgeKind.push(kind);
    this.edgeGrantedBy.push(edge.grantedBy);
    this.edgeConditions.push(edge.conditions);
  }

  /**
   * The edges leaving `id` whose kind `ofKind` accepts, unconditional first
   * (the order closures follow). Kinds are judged once per kind, not per
   * edge, and only accepted edges become objects: an escalating identity of
   * a large account has tens of thousands of out-edges.
   */
  edgesFrom(id: string, ofKind: (kind: string) => boolean = () => true, limit = Infinity): ReachEdge[] {
    const out: ReachEdge[] = [];
    this.scanFrom(id, ofKind, (e) => out.push(this.edgeAt(e)) < limit);
    return out;
  }

  /** How many edges leave `id` with a kind `ofKind` accepts, without making them objects. */
  countFrom(id: string, ofKind: (kind: string) => boolean): number {
    let n = 0;
    this.scanFrom(id, ofKind, () => ++n > 0);
    return n;
  }

  /** Calls `visit` with each accepted out-edge index of `id` until it returns false. */
  private scanFrom(id: string, ofKind: (kind: string) => boolean, visit: (edge: number) => boolean): void {
    const node = this.byId.get(id);
    if (node === undefined) return;
    this.freeze();
    const accepted = this.kindNames.map(ofKind);
    for (let k = this.offsets![node]!; k < this.offsets![node + 1]!; k++) {
      const e = this.edgeOf![k]!;
      if (accepted[this.edgeKind.at(e)] && !visit(e)) return;
    }
  }

  /** Freezes the graph into adjacency arrays; further additions throw. Called by the first closure. */
  freeze(): void {
    if (this.offsets) return;
    const n = this.nodeList.length;
    const count = this.edgeFrom.length;
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < count; i++) offsets[this.edgeFrom.at(i) + 1]!++;
    for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
    const fill = offsets.slice(0, n);
    const targets = new Int32Array(count);
    const edgeOf = new Int32Array(count);
    // Unconditional edges first within each node, so the shortest path prefers them on ties (two passes keep insertion order within each).
    for (const conditional of [false, true]) {
      for (let i = 0; i < count; i++) {
        if (this.edgeConditions[i]!.length > 0 !== conditional) continue;
        const slot = fill[this.edgeFrom.at(i)]!++;
        targets[slot] = this.edgeTo.at(i);
        edgeOf[slot] = i;
      }
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
    return this.timer.measure('graph closure', () => this.search(source, stopAt));
  }

  private search(source: string, stopAt?: (node: ReachNode) => boolean): Reached[] {
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

  /**
   * The transitive closure, without paths: which nodes each node reaches.
   * Nodes on one cycle reach the same nodes, so it is computed per strongly
   * connected component (Tarjan, iterative): components come out sinks
   * first, and each one's reach is its members plus its successors' reach,
   * one bitset over the nodes per component. Paths, when wanted, come from
   * `reachFrom`.
   */
  closure(): Closure {
    return this.timer.measure('graph closure', () => this.closeOver());
  }

  private closeOver(): Closure {
    this.freeze();
    const n = this.nodeList.length;
    const offsets = this.offsets!;
    const targets = this.targets!;
    const component = stronglyConnected(n, offsets, targets);
    const count = component.count;
    const comp = component.of;
    const words = (n + 31) >>> 5;
    const reach = new Uint32Array(count * words);
    const membersOf: number[][] = Array.from({ length: count }, () => []);
    for (let v = 0; v < n; v++) membersOf[comp[v]!]!.push(v);
    const lastMerged = new Int32Array(count).fill(-1);
    for (let c = 0; c < count; c++) {
      const base = c * words;
      for (const v of membersOf[c]!) {
        reach[base + (v >>> 5)]! |= 1 << (v & 31);
        for (let k = offsets[v]!; k < offsets[v + 1]!; k++) {
          const d = comp[targets[k]!]!;
          if (d === c || lastMerged[d] === c) continue;
          lastMerged[d] = c;
          const from = d * words; // d < c: a successor component is finished before c
          for (let w = 0; w < words; w++) reach[base + w]! |= reach[from + w]!;
        }
      }
    }
    return new Closure(comp, reach, words);
  }

  /** The hops from the source of `reached` to `target` (one of its entries), in order. */
  pathTo(reached: readonly Reached[], target: Reached): ReachHop[] {
    const byNode = new Map(reached.map((r) => [r.node, r]));
    const hops: ReachHop[] = [];
    let at: Reached | undefined = target;
    while (at && at.via >= 0) {
      const e = this.edgeAt(at.via);
      hops.push(hopOf(e));
      at = byNode.get(this.edgeFrom.at(at.via));
    }
    return hops.reverse();
  }

  edgeAt(index: number): ReachEdge {
    return {
      from: this.nodeList[this.edgeFrom.at(index)]!.id,
      to: this.nodeList[this.edgeTo.at(index)]!.id,
      kind: this.kindNames[this.edgeKind.at(index)]!,
      grantedBy: this.edgeGrantedBy[index]!,
      conditions: this.edgeConditions[index]!,
    };
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

/** Which nodes each node reaches (itself excluded unless on a cycle through it; `size` always excludes it). */
export class Closure {
  constructor(
    private readonly component: Int32Array,
    private readonly bits: Uint32Array,
    private readonly words: number,
  ) {}

  reaches(from: number, to: number): boolean {
    return ((this.bits[this.component[from]! * this.words + (to >>> 5)]! >>> (to & 31)) & 1) === 1;
  }

  /** How many other nodes `from` reaches. */
  size(from: number): number {
    const base = this.component[from]! * this.words;
    let n = 0;
    for (let w = 0; w < this.words; w++) {
      let x = this.bits[base + w]!;
      x -= (x >>> 1) & 0x55555555;
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      n += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return n - 1;
  }
}

/** Tarjan's strongly connected components, iterative (no recursion depth limit); ids come out in reverse topological order. */
function stronglyConnected(n: number, offsets: Int32Array, targets: Int32Array): { of: Int32Array; count: number } {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  const of = new Int32Array(n).fill(-1);
  let sp = 0;
  let counter = 0;
  let count = 0;
  for (let s = 0; s < n; s++) {
    if (index[s] !== -1) continue;
    let csp = 0;
    const enter = (v: number) => {
      index[v] = low[v] = counter++;
      stack[sp++] = v;
      onStack[v] = 1;
      callNode[csp] = v;
      callEdge[csp] = offsets[v]!;
      csp++;
    };
    enter(s);
    while (csp > 0) {
      const v = callNode[csp - 1]!;
      const k = callEdge[csp - 1]!;
      if (k < offsets[v + 1]!) {
        callEdge[csp - 1] = k + 1;
        const w = targets[k]!;
        if (index[w] === -1) enter(w);
        else if (onStack[w] && index[w]! < low[v]!) low[v] = index[w]!;
        continue;
      }
      csp--;
      if (csp > 0) {
        const u = callNode[csp - 1]!;
        if (low[v]! < low[u]!) low[u] = low[v]!;
      }
      if (low[v] === index[v]) {
        let x: number;
        do {
          x = stack[--sp]!;
          onStack[x] = 0;
          of[x] = count;
        } while (x !== v);
        count++;
      }
    }
  }
  return { of, count };
}
