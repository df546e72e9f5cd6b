/**
 * Edge groups: an identity allowed to take over every user (or role) of its
 * account is one record over the account's shared list, not an edge per
 * target. The graph must read exactly as if the edges had been added one by
 * one: same edges in the same order, same searches and paths, same findings.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAwsReach, ReachGraph, type AwsReach } from '../../../src/analyse/reach/index.js';
import { scanFacts, type ScanFacts } from '../../../src/analyse/scan-facts.js';
import { windowEndingAt } from '../../../src/analyse/window.js';
import { loadAwsActionCatalog } from '../../../src/catalog/aws-actions.js';
import { parseConfig } from '../../../src/config/index.js';
import { privilegeEscalation } from '../../../src/rules/aws/privilege-escalation.js';
import { stagingReachesProduction } from '../../../src/rules/aws/staging-reaches-production.js';
import { runRules } from '../../../src/rules/engine.js';
import type { RuleContext } from '../../../src/rules/rule.js';
import { openStore } from '../../../src/store/index.js';
import { synthesiseWorkload, workloadAccount, workloadSnapshot } from '../../../bench/analyse-grants.js';

const node = (id: string) => ({ id, kind: 'identity' as const, provider: 'aws' as const, accountId: '111122223333', label: id });

/** The same edges either way: a and c may take over every user (conditionally for c), b assumes a. */
function small(grouped: boolean): ReachGraph {
  const g = new ReachGraph();
  const ids = ['a', 'b', 'c', 'u1', 'u2', 'u3'];
  for (const id of ids) g.addNode(node(id));
  const users = ['a', 'u1', 'u2', 'c', 'u3'];
  const takeOver = (from: string, conditions: string[]) => {
    if (grouped) g.addEdgeGroup({ from, targets: list, kind: 'escalation:x', grantedBy: [`${from} may`], conditions });
    else for (const to of users) if (to !== from) g.addEdge({ from, to, kind: 'escalation:x', grantedBy: [`${from} may`], conditions }, { unique: true });
  };
  const list = grouped ? g.targetList(users) : { index: -1 };
  g.addEdge({ from: 'b', to: 'a', kind: 'assume-role', grantedBy: ['trust'], conditions: [] });
  takeOver('a', []);
  g.addEdge({ from: 'a', to: 'u2', kind: 'pass-role', grantedBy: ['p'], conditions: ['tag'] });
  takeOver('c', ['mfa']);
  g.addEdge({ from: 'u3', to: 'c', kind: 'assume-role', grantedBy: ['trust'], conditions: [] });
  return g;
}

/** What a reader can ask a graph, as plain data. */
function readings(g: ReachGraph) {
  return {
    edges: g.edges,
    count: g.edgeCount,
    kinds: [...g.kindCounts()],
    from: g.nodes.map((n) => ({ all: g.edgesFrom(n.id), first: g.edgesFrom(n.id, (k) => k.startsWith('escalation:'), 2), count: g.countFrom(n.id, (k) => k !== 'pass-role') })),
    searches: g.nodes.map((n) => {
      const reached = g.reachFrom(n.id);
      return reached.map((r) => ({ node: g.nodes[r.node]!.id, depth: r.depth, via: r.via < 0 ? undefined : g.edgeAt(r.via), path: g.pathTo(reached, r) }));
    }),
    closure: (() => {
      const c = g.closure();
      return g.nodes.map((_, i) => [c.size(i), g.nodes.map((__, j) => c.reaches(i, j))]);
    })(),
  };
}

describe('edge groups in the reach graph', () => {
  it('read exactly as the edges added one by one', () => {
    expect(readings(small(true))).toEqual(readings(small(false)));
    expect(small(true).edgeCount).toBe(11);
  });

  it('leave out the source itself, and add nothing when it is the only target', () => {
    const g = new ReachGraph();
    g.addNode(node('a'));
    g.addEdgeGroup({ from: 'a', targets: g.targetList(['a']), kind: 'escalation:x', grantedBy: [], conditions: [] });
    expect(g.edgeCount).toBe(0);
    expect(() => g.targetList(['nobody'])).toThrow(/unknown node/);
  });
});

describe('edge groups on a synthetic organisation', () => {
  const AS_OF = new Date('2026-11-15T12:00:00Z');
  const ACCOUNTS = [0, 1, 2].map(workloadAccount);
  let facts: ScanFacts;
  let grouped: AwsReach;
  let plain: AwsReach;

  beforeAll(async () => {
    const catalog = await loadAwsActionCatalog();
    // Few accounts for many principals: takeover methods on `*` lead to every user or role of the account.
    const workload = synthesiseWorkload(catalog, { principals: 240, policies: 80, accounts: 3 });
    const snapshot = workloadSnapshot(workload, 'test:edge-groups', AS_OF.toISOString(), ACCOUNTS.map((accountId) => ({ provider: 'aws', accountId, tags: {} })), []);
    // Some roles trusted by other accounts, so assume-role hops join accounts into chains.
    snapshot.identities.forEach((identity, i) => {
      if (identity.kind === 'role' && i % 4 === 1) {
        identity.trustPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNTS[(i + 1) % 3]}:root` }, Action: 'sts:AssumeRole' }] };
      }
    });
    const store = openStore(':memory:');
    const scanId = store.writeScan(snapshot, {});
    const config = parseConfig(`environments:\n  accounts:\n${ACCOUNTS.map((id, i) => `    - { id: "${id}", environment: ${i === 1 ? 'production' : 'staging'} }`).join('\n')}\n`, 'groups.yaml');
    facts = scanFacts(store, catalog, config, { scanId, window: windowEndingAt(AS_OF, 90) });
    grouped = buildAwsReach(facts.context.identities, catalog);
    plain = buildAwsReach(facts.context.identities, catalog, { groups: false });
  });

  it('is the graph of the plain build, edge for edge and search for search', () => {
    expect(grouped.graph.edgeCount).toBeGreaterThan(1000);
    const takeovers = [...grouped.graph.kindCounts()].filter(([kind]) => /^escalation:iam:(CreateAccessKey|CreateLoginProfile|UpdateLoginProfile|UpdateAssumeRolePolicy)$/.test(kind));
    expect(takeovers.reduce((n, [, count]) => n + count, 0)).toBeGreaterThan(500);
    expect(readings(grouped.graph)).toEqual(readings(plain.graph));
  });

  it('keeps per escalating identity what rules read, not the resource-level access its edges were made from', () => {
    const kept = [...grouped.escalations.values()].flat();
    expect(kept.length).toBeGreaterThan(100);
    for (const found of kept) {
      expect(Object.keys(found)).toEqual(['method', 'grants', 'conditions']);
      expect(found.grants.length).toBeGreaterThanOrEqual(found.method.actions.length);
    }
  });

  it('gives the reach rules the same findings, paths included', () => {
    const withReach = (reach: AwsReach): RuleContext => Object.assign(Object.create(Object.getPrototypeOf(facts.context) as object), facts.context, { reach });
    const findings = (reach: AwsReach) => JSON.parse(JSON.stringify(runRules([privilegeEscalation, stagingReachesProduction], withReach(reach)).findings)) as unknown[];
    const expected = findings(plain);
    expect(expected.length).toBeGreaterThan(100);
    expect(findings(grouped)).toEqual(expected);
  });
});
