import { describe, expect, it } from 'vitest';
import { ReachGraph } from '../../../src/analyse/reach/index.js';

const node = (id: string) => ({ id, kind: 'identity' as const, provider: 'aws' as const, accountId: '111122223333', label: id });

function graph(): ReachGraph {
  const g = new ReachGraph();
  for (const id of ['a', 'b', 'c', 'd']) g.addNode(node(id));
  g.addEdge({ from: 'a', to: 'b', kind: 'escalation:x', grantedBy: ['x'], conditions: ['mfa'] }, { unique: true });
  g.addEdge({ from: 'a', to: 'c', kind: 'escalation:x', grantedBy: ['x'], conditions: [] }, { unique: true });
  g.addEdge({ from: 'a', to: 'd', kind: 'pass-role', grantedBy: ['one'], conditions: ['tag'] });
  g.addEdge({ from: 'a', to: 'd', kind: 'pass-role', grantedBy: ['two'], conditions: [] });
  g.addEdge({ from: 'b', to: 'a', kind: 'assume-role', grantedBy: ['trust'], conditions: [] });
  return g;
}

describe('reach graph edge columns', () => {
  it('lists out-edges of some kinds, unconditional first, and counts them without listing', () => {
    const g = graph();
    expect(g.edgesFrom('a', (k) => k === 'escalation:x').map((e) => [e.to, e.conditions])).toEqual([
      ['c', []],
      ['b', ['mfa']],
    ]);
    expect(g.edgesFrom('a', (k) => k === 'escalation:x', 1).map((e) => e.to)).toEqual(['c']);
    expect(g.countFrom('a', (k) => k.startsWith('escalation:'))).toBe(2);
    expect(g.countFrom('c', () => true)).toBe(0);
    expect(g.edgesFrom('nobody')).toEqual([]);
  });

  it('merges a second edge of a kind between the same nodes: both reasons, the least conditional', () => {
    const g = graph();
    const [passRole] = g.edgesFrom('a', (k) => k === 'pass-role');
    expect(passRole).toEqual({ from: 'a', to: 'd', kind: 'pass-role', grantedBy: ['one', 'two'], conditions: [] });
    expect(g.edgeCount).toBe(4);
    expect(Object.fromEntries(g.kindCounts())).toEqual({ 'escalation:x': 2, 'pass-role': 1, 'assume-role': 1 });
    expect(g.edges.map((e) => `${e.from}>${e.to}`)).toEqual(['a>b', 'a>c', 'a>d', 'b>a']);
  });

  it('follows column edges in closures and paths', () => {
    const g = graph();
    const reached = g.reachFrom('b');
    expect(reached.map((r) => g.nodes[r.node]!.id)).toEqual(['b', 'a', 'c', 'd']);
    const toD = reached.find((r) => g.nodes[r.node]!.id === 'd')!;
    expect(g.pathTo(reached, toD).map((h) => h.edge)).toEqual(['assume-role', 'pass-role']);
    expect(() => g.addEdge({ from: 'c', to: 'd', kind: 'pass-role', grantedBy: [], conditions: [] })).toThrow(/frozen/);
  });
});
