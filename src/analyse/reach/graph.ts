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

/** Where `chainSearch` found a node: how deep, and where its path is kept (for `hopsOf`). */
export interface ChainHit {
  readonly depth: number;
  /** Its position in the search's trail. */
  readonly at: number;
  readonly trail: ChainTrail;
}

/** Makes the object of a target `chainSearch` found (a ChainHit, for `hopsOf`). */
export type ChainMaker<T> = (node: ReachNode, conditional: boolean, depth: number, at: number, trail: ChainTrail) => T;

/** What a search keeps of the nodes it met, up to its last target, to walk a target's path back: the edge into each and the position it left. */
export interface ChainTrail {
  via: Int32Array;
  parent: Int32Array;
}

/** chainSearch's columns, one position per node met, reused from search to search. */
class ChainScratch {
  readonly order: Int32Array;
  readonly via: Int32Array;
  readonly parent: Int32Array;
  readonly depth: Int32Array;
  readonly conditional: Uint8Array;
  constructor(n: number) {
    this.order = new Int32Array(n);
    this.via = new Int32Array(n);
    this.parent = new Int32Array(n);
    this.depth = new Int32Array(n);
    this.conditional = new Uint8Array(n);
  }
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

/** Nodes an edge group leads to (see `addEdgeGroup`); made by `targetList`, shared by any number of groups. */
export interface TargetList {
  readonly index: number;
}

export class ReachGraph {
  private readonly nodeList: ReachNode[] = [];
  private readonly byId = new Map<string, number>();
  /**
   * Edges, as records column by column. A record is one edge, or a group:
   * one source to every node of a shared target list but itself, with the
   * same kind and reasons (an identity that may take over every user of its
   * account). A large account's escalation edges are quadratic in its
   * principals; as groups they are one record per identity and method, and a
   * search walks each list once. Edge ids number the edges in the order they
   * were added, a group's members in list order, as if added one by one;
   * `ReachEdge` objects exist only when asked for.
   */
  private readonly recFrom = new IntColumn();
  /** The target node, or -1 for a group. */
  private readonly recTo = new IntColumn();
  /** For a group: its target list, and the position in it of the source (left out), or -1. */
  private readonly recList = new IntColumn();
  private readonly recSkip = new IntColumn();
  private readonly recKind = new IntColumn();
  /** The id of the record's first edge. */
  private readonly recStart = new IntColumn();
  private readonly recGrantedBy: string[][] = [];
  private readonly recConditions: string[][] = [];
  private readonly lists: Int32Array[] = [];
  private edgeTotal = 0;
  private readonly kindNames: string[] = [];
  private readonly kindIds = new Map<string, number>();
  /** kind -> (from, to) pair -> record index, for edges that may be added twice (see `addEdge`). */
  private readonly edgeKeys = new Map<number, Map<number, number>>();
  private offsets: Int32Array | undefined;
  /** Per adjacency slot, the record it holds. */
  private slots: Int32Array | undefined;
  private readonly reachCache = new Map<number, Reached[]>();
  /**
   * Marks of the current search: a node (or target list) is seen when its
   * stamp is the search's number. Allocating and clearing an array over all
   * nodes for each search would make the searches of an audit quadratic.
   */
  private seenStamp: Int32Array | undefined;
  private walkedStamp: Int32Array | undefined;
  private searches = 0;
  private searching = false;
  /** conditionalPaths' node -> position in the search result, reused: only positions of the current result are read. */
  private positionOf: Int32Array | undefined;
  private readonly reachedIndex = new WeakMap<readonly Reached[], Map<number, Reached>>();
  private chainScratch: ChainScratch | undefined;
  /** Per record, its hops' reasons as `hopsOf` shares them, made when first asked for. */
  private readonly hopReasons: (string[] | undefined)[] = [];

  /**
   * `timer` times the closure as 'graph closure'. Searches (reachFrom,
   * chainSearch) count for the rule that runs them: there is one per
   * identity, and timing each cost the benchmark ~20% of a chain rule.
   */
  constructor(private readonly timer: PhaseTimer = NO_TIMER) {}

  get nodes(): readonly ReachNode[] {
    return this.nodeList;
  }

  /** Every edge as an object: allocates one per edge, for tests and small graphs; rules use `edgesFrom`. */
  get edges(): readonly ReachEdge[] {
    return Array.from({ length: this.edgeTotal }, (_, i) => this.edgeAt(i));
  }

  get edgeCount(): number {
    return this.edgeTotal;
  }

  /** Edge count per kind. */
  kindCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (let r = 0; r < this.recKind.length; r++) {
      const kind = this.kindNames[this.recKind.at(r)]!;
      out.set(kind, (out.get(kind) ?? 0) + this.sizeOf(r));
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
    this.connect(edge.from, edge.to, edge.kind, edge.grantedBy, edge.conditions, options);
  }

  /** `addEdge` without an edge object: builders add escalation edges by the hundred thousand. */
  connect(fromId: string, toId: string, kindName: string, grantedBy: string[], conditions: string[], options?: { unique?: boolean }): void {
    this.assertOpen();
    const from = this.byId.get(fromId);
    const to = this.byId.get(toId);
    if (from === undefined || to === undefined) throw new Error(`reach graph: edge ${kindName} between unknown nodes ${fromId} -> ${toId}`);
    if (from === to) return;
    const kind = this.kindId(kindName);
    if (!options?.unique) {
      const key = from * 2 ** 24 + to;
      let ofKind = this.edgeKeys.get(kind);
      if (!ofKind) this.edgeKeys.set(kind, (ofKind = new Map()));
      const existing = ofKind.get(key);
      if (existing !== undefined) {
        // Copy on write: callers may share one grantedBy list between edges.
        const known = this.recGrantedBy[existing]!;
        const added = grantedBy.filter((g) => !known.includes(g));
        if (added.length) this.recGrantedBy[existing] = [...known, ...added];
        // Either reason suffices, so the hop is only as conditional as its least conditional reason.
        if (conditions.length === 0) this.recConditions[existing] = [];
        return;
      }
      ofKind.set(key, this.recFrom.length);
    }
    this.addRecord(from, to, -1, -1, kind, 1, grantedBy, conditions);
  }

  /** A list of known nodes, in the given order, for edge groups. */
  targetList(ids: readonly string[]): TargetList {
    this.assertOpen();
    const nodes = Int32Array.from(ids, (id) => {
      const node = this.byId.get(id);
      if (node === undefined) throw new Error(`reach graph: target list names unknown node ${id}`);
      return node;
    });
    this.lists.push(nodes);
    return { index: this.lists.length - 1 };
  }

  /**
   * One edge from `from` to every node of `targets` but itself, all of one
   * kind with the same reasons and conditions: the same graph as adding them
   * one by one, unique, in list order (see the record comment above).
   */
  addEdgeGroup(group: { from: string; targets: TargetList; kind: string; grantedBy: string[]; conditions: string[] }): void {
    this.assertOpen();
    const from = this.byId.get(group.from);
    if (from === undefined) throw new Error(`reach graph: edge group ${group.kind} from unknown node ${group.from}`);
    const list = this.lists[group.targets.index]!;
    const skip = list.indexOf(from);
    const size = list.length - (skip >= 0 ? 1 : 0);
    if (size > 0) this.addRecord(from, -1, group.targets.index, skip, this.kindId(group.kind), size, group.grantedBy, group.conditions);
  }

  private kindId(name: string): number {
    let kind = this.kindIds.get(name);
    if (kind === undefined) {
      kind = this.kindNames.push(name) - 1;
      this.kindIds.set(name, kind);
    }
    return kind;
  }

  private addRecord(from: number, to: number, list: number, skip: number, kind: number, size: number, grantedBy: string[], conditions: string[]): void {
    this.recFrom.push(from);
    this.recTo.push(to);
    this.recList.push(list);
    this.recSkip.push(skip);
    this.recKind.push(kind);
    this.recStart.push(this.edgeTotal);
    this.recGrantedBy.push(grantedBy);
    this.recConditions.push(conditions);
    this.edgeTotal += size;
  }

  /** How many edges a record stands for. */
  private sizeOf(r: number): number {
    const list = this.recList.at(r);
    if (list < 0) return 1;
    return this.lists[list]!.length - (this.recSkip.at(r) >= 0 ? 1 : 0);
  }

  /** The record holding edge `id` (records' first ids ascend). */
  private recordOf(id: number): number {
    if (id < 0 || id >= this.edgeTotal) throw new RangeError(`reach graph: no edge ${id}`);
    let lo = 0;
    let hi = this.recStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.recStart.at(mid) <= id) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The target node of the `k`th edge of record `r`. */
  private targetOf(r: number, k: number): number {
    const list = this.recList.at(r);
    if (list < 0) return this.recTo.at(r);
    const skip = this.recSkip.at(r);
    return this.lists[list]![skip >= 0 && k >= skip ? k + 1 : k]!;
  }

  /**
   * The edges leaving `id` whose kind `ofKind` accepts, unconditional first
   * (the order closures follow). Kinds are judged once per kind, not per
   * edge, and only accepted edges become objects: an escalating identity of
   * a large account has tens of thousands of out-edges.
   */
  edgesFrom(id: string, ofKind: (kind: string) => boolean = () => true, limit = Infinity): ReachEdge[] {
    const out: ReachEdge[] = [];
    this.scanFrom(id, ofKind, (r) => {
      for (let k = 0, size = this.sizeOf(r); k < size; k++) if (out.push(this.edgeAt(this.recStart.at(r) + k)) >= limit) return false;
      return true;
    });
    return out;
  }

  /** How many edges leave `id` with a kind `ofKind` accepts, without making them objects. */
  countFrom(id: string, ofKind: (kind: string) => boolean): number {
    let n = 0;
    this.scanFrom(id, ofKind, (r) => (n += this.sizeOf(r)) >= 0);
    return n;
  }

  /** Calls `visit` with each accepted out-record of `id`, in adjacency order, until it returns false. */
  private scanFrom(id: string, ofKind: (kind: string) => boolean, visit: (record: number) => boolean): void {
    const node = this.byId.get(id);
    if (node === undefined) return;
    this.freeze();
    const accepted = this.kindNames.map(ofKind);
    for (let k = this.offsets![node]!; k < this.offsets![node + 1]!; k++) {
      const r = this.slots![k]!;
      if (accepted[this.recKind.at(r)] && !visit(r)) return;
    }
  }

  /** Freezes the graph into adjacency arrays; further additions throw. Called by the first closure. */
  freeze(): void {
    if (this.offsets) return;
    const n = this.nodeList.length;
    const count = this.recFrom.length;
    const offsets = new Int32Array(n + 1);
    for (let r = 0; r < count; r++) offsets[this.recFrom.at(r) + 1]!++;
    for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
    const fill = offsets.slice(0, n);
    const slots = new Int32Array(count);
    // Unconditional edges first within each node, so the shortest path prefers them on ties (two passes keep insertion order within each).
    for (const conditional of [false, true]) {
      for (let r = 0; r < count; r++) {
        if (this.recConditions[r]!.length > 0 !== conditional) continue;
        slots[fill[this.recFrom.at(r)]!++] = r;
      }
    }
    this.offsets = offsets;
    this.slots = slots;
  }

  /**
   * Every node reachable from `source` (itself first, depth 0), in
   * breadth-first order. `stopAt` nodes are reported but not expanded: a
   * rule looking for the first production node on each path stops there.
   */
  reachFrom(source: string, stopAt?: (node: ReachNode) => boolean): Reached[] {
    return this.search(source, stopAt);
  }

  private search(source: string, stopAt?: (node: ReachNode) => boolean): Reached[] {
    const start = this.byId.get(source);
    if (start === undefined) return [];
    if (!stopAt) {
      const cached = this.reachCache.get(start);
      if (cached) return cached;
    }
    this.freeze();
    // A search started from a stopAt callback gets marks of its own: the shared ones belong to the search that called it.
    const nested = this.searching;
    const seen = nested ? new Int32Array(this.nodeList.length) : (this.seenStamp ??= new Int32Array(this.nodeList.length));
    // A target list walked once has marked every node on it seen: walking it again from another node adds nothing.
    const walked = nested ? new Int32Array(this.lists.length) : (this.walkedStamp ??= new Int32Array(this.lists.length));
    const stamp = nested ? 1 : ++this.searches;
    this.searching = true;
    try {
      return this.walk(start, stopAt, seen, walked, stamp);
    } finally {
      this.searching = nested;
    }
  }

  private walk(start: number, stopAt: ((node: ReachNode) => boolean) | undefined, seen: Int32Array, walked: Int32Array, stamp: number): Reached[] {
    const out: Reached[] = [{ node: start, via: -1, depth: 0 }];
    seen[start] = stamp;
    let depth = 0;
    const reach = (next: number, via: number) => {
      out.push({ node: next, via, depth: depth + 1 });
    };
    for (let head = 0; head < out.length; head++) {
      const entry = out[head]!;
      depth = entry.depth;
      if (head > 0 && stopAt?.(this.nodeList[entry.node]!)) continue;
      this.expand(entry.node, seen, walked, stamp, reach);
    }
    if (!stopAt) this.reachCache.set(start, out);
    return out;
  }

  /**
   * Calls `meet` with each node an out-record of `node` leads to that the
   * search (`stamp`) has not seen, marking it seen, in adjacency order: the
   * edge's id and its record. A target list walked once by the search has
   * marked every node on it: walking it again from another node adds nothing.
   */
  private expand(node: number, seen: Int32Array, walked: Int32Array, stamp: number, meet: (next: number, edge: number, record: number) => void): void {
    const offsets = this.offsets!;
    const slots = this.slots!;
    for (let k = offsets[node]!; k < offsets[node + 1]!; k++) {
      const r = slots[k]!;
      const listIndex = this.recList.at(r);
      if (listIndex < 0) {
        const next = this.recTo.at(r);
        if (seen[next] === stamp) continue;
        seen[next] = stamp;
        meet(next, this.recStart.at(r), r);
        continue;
      }
      if (walked[listIndex] === stamp) continue;
      walked[listIndex] = stamp;
      const list = this.lists[listIndex]!;
      const skip = this.recSkip.at(r);
      const first = this.recStart.at(r);
      for (let p = 0; p < list.length; p++) {
        const next = list[p]!;
        if (p === skip || seen[next] === stamp) continue;
        seen[next] = stamp;
        meet(next, first + (skip >= 0 && p > skip ? p - 1 : p), r);
      }
    }
  }

  /**
   * The nodes `isTarget` accepts that `source` reaches through at least one
   * hop, in breadth-first order, each by its shortest path: what
   * `reachFrom(source, isTarget)` finds, read with `conditionalPaths` and
   * `pathTo`, without an object per reached node. A rule searches from every
   * identity, each search meets its account's identities and keeps a few
   * targets: only those become objects, each with the edges of its path.
   * Targets are not expanded, and `isTarget` is asked once per node met.
   * `make` makes each target's object: whether some hop of its path is
   * conditional, how deep it is, and where its path is kept.
   */
  chainSearch<T>(source: string, isTarget: (node: ReachNode) => boolean, make: ChainMaker<T>): T[] {
    const start = this.byId.get(source);
    if (start === undefined) return [];
    this.freeze();
    const n = this.nodeList.length;
    const nested = this.searching;
    const seen = nested ? new Int32Array(n) : (this.seenStamp ??= new Int32Array(n));
    const walked = nested ? new Int32Array(this.lists.length) : (this.walkedStamp ??= new Int32Array(this.lists.length));
    const stamp = nested ? 1 : ++this.searches;
    const scratch = nested ? new ChainScratch(n) : (this.chainScratch ??= new ChainScratch(n));
    this.searching = true;
    try {
      return this.chainWalk(start, isTarget, make, seen, walked, stamp, scratch);
    } finally {
      this.searching = nested;
    }
  }

  private chainWalk<T>(
    start: number,
    isTarget: (node: ReachNode) => boolean,
    make: ChainMaker<T>,
    seen: Int32Array,
    walked: Int32Array,
    stamp: number,
    scratch: ChainScratch,
  ): T[] {
    const { order, via, parent, depth, conditional } = scratch;
    const hits: T[] = [];
    let last = -1;
    // Shared by the search's targets, made once it has one (most rules show the paths of a few).
    const trail: ChainTrail = { via, parent };
    order[0] = start;
    via[0] = -1;
    parent[0] = -1;
    depth[0] = 0;
    conditional[0] = 0;
    let length = 1;
    seen[start] = stamp;
    // One position per node met, in the order reachFrom lists them: parent is the position of the node the edge leaves.
    let from = 0;
    const meet = (next: number, edge: number, r: number) => {
      order[length] = next;
      via[length] = edge;
      parent[length] = from;
      depth[length] = depth[from]! + 1;
      conditional[length] = conditional[from] || this.isConditional(r) ? 1 : 0;
      length++;
    };
    for (let head = 0; head < length; head++) {
      const node = order[head]!;
      if (head > 0 && isTarget(this.nodeList[node]!)) {
        hits.push(make(this.nodeList[node]!, conditional[head] === 1, depth[head]!, head, trail));
        last = head;
        continue;
      }
      from = head;
      this.expand(node, seen, walked, stamp, meet);
    }
    if (last >= 0) {
      // The scratch columns serve the next search: the targets keep a copy up to the last of them.
      trail.via = via.slice(0, last + 1);
      trail.parent = parent.slice(0, last + 1);
    }
    return hits;
  }

  /**
   * The hops of a path `chainSearch` found, in order: as `hopOf` makes them,
   * but the reasons of one record (an identity's group over its account's
   * users, say) are one list, shared by every hop through it, and by every
   * finding showing one. Never mutate them.
   */
  hopsOf(hit: ChainHit): ReachHop[] {
    const path: number[] = new Array(hit.depth);
    for (let at = hit.at, k = hit.depth - 1; at > 0; at = hit.trail.parent[at]!, k--) path[k] = hit.trail.via[at]!;
    return path.map((edge) => {
      const r = this.recordOf(edge);
      const grantedBy = (this.hopReasons[r] ??= hopReasons(this.recGrantedBy[r]!, this.recConditions[r]!));
      return { from: this.nodeList[this.recFrom.at(r)]!.id, to: this.nodeList[this.targetOf(r, edge - this.recStart.at(r))]!.id, edge: this.kindNames[this.recKind.at(r)]!, grantedBy };
    });
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

  /** Every edge's target, per node, groups spelled out: for the closure, which needs plain adjacency. */
  private plainAdjacency(): { offsets: Int32Array; targets: Int32Array } {
    this.freeze();
    const n = this.nodeList.length;
    const offsets = new Int32Array(n + 1);
    for (let v = 0; v < n; v++) {
      let size = 0;
      for (let k = this.offsets![v]!; k < this.offsets![v + 1]!; k++) size += this.sizeOf(this.slots![k]!);
      offsets[v + 1] = offsets[v]! + size;
    }
    const targets = new Int32Array(offsets[n]!);
    let at = 0;
    for (let v = 0; v < n; v++) {
      for (let k = this.offsets![v]!; k < this.offsets![v + 1]!; k++) {
        const r = this.slots![k]!;
        for (let e = 0, size = this.sizeOf(r); e < size; e++) targets[at++] = this.targetOf(r, e);
      }
    }
    return { offsets, targets };
  }

  private closeOver(): Closure {
    const n = this.nodeList.length;
    const { offsets, targets } = this.plainAdjacency();
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
    // One index per search result: a rule asks for the path to each of the targets one search found.
    let byNode = this.reachedIndex.get(reached);
    if (!byNode) this.reachedIndex.set(reached, (byNode = new Map(reached.map((r) => [r.node, r]))));
    const hops: ReachHop[] = [];
    let at: Reached | undefined = target;
    while (at && at.via >= 0) {
      const r = this.recordOf(at.via);
      hops.push(hopOf(this.edgeAt(at.via)));
      at = byNode.get(this.recFrom.at(r));
    }
    return hops.reverse();
  }

  /**
   * Per entry of `reached` (in its order), 1 when the path to it has a
   * conditional hop (see `isConditional`), else 0: a rule sorts every target
   * by it but writes out the paths of a few, so no path is made here.
   */
  conditionalPaths(reached: readonly Reached[]): Uint8Array {
    const out = new Uint8Array(reached.length);
    // Breadth-first order puts each edge's source before its target: one pass, a node's position noted as it is met.
    const position = (this.positionOf ??= new Int32Array(this.nodeList.length));
    for (let i = 0; i < reached.length; i++) {
      const { node, via } = reached[i]!;
      position[node] = i;
      if (via < 0) continue;
      const r = this.recordOf(via);
      out[i] = (out[position[this.recFrom.at(r)]!]! || this.isConditional(r)) ? 1 : 0;
    }
    return out;
  }

  /** Whether record `r`'s hops hold only under a condition: as `hopOf` words it, some reason starts `only if `. */
  private isConditional(r: number): boolean {
    return this.recConditions[r]!.length > 0 || this.recGrantedBy[r]!.some((g) => g.startsWith(ONLY_IF));
  }

  edgeAt(index: number): ReachEdge {
    const r = this.recordOf(index);
    return {
      from: this.nodeList[this.recFrom.at(r)]!.id,
      to: this.nodeList[this.targetOf(r, index - this.recStart.at(r))]!.id,
      kind: this.kindNames[this.recKind.at(r)]!,
      grantedBy: this.recGrantedBy[r]!,
      conditions: this.recConditions[r]!,
    };
  }

  private assertOpen(): void {
    if (this.offsets) throw new Error('reach graph: frozen after the first closure');
  }
}

const ONLY_IF = 'only if ';

/** A graph edge as evidence and the report carry it: conditions are part of what allows the hop. */
export function hopOf(e: ReachEdge): ReachHop {
  return { from: e.from, to: e.to, edge: e.kind, grantedBy: hopReasons(e.grantedBy, e.conditions) };
}

function hopReasons(grantedBy: readonly string[], conditions: readonly string[]): string[] {
  return conditions.length ? [...grantedBy, ...conditions.map((c) => `${ONLY_IF}${c}`)] : [...grantedBy];
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
