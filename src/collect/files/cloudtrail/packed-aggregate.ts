/**
 * A CloudTrail aggregate as flat rows, for handing a worker's total to the
 * main thread. Posting the aggregate itself clones its object graph (maps
 * of maps of small objects): for a total of 250,000 entries that was ~0.1 s
 * to serialise in the worker and ~0.13 s to rebuild on the main thread,
 * both on the run's critical path at its end, and the rebuilt graph was
 * garbage as soon as it was merged. Rows are one string table and typed
 * arrays: cloned as memory copies, and merged without building the graph.
 */
import type { UnmappedEvent } from '../../../model/domain.js';
import type { CloudTrailAggregateData, CloudTrailDaySeen, CloudTrailStats } from './aggregate.js';

/** Every number is a count or a string's index in `strings`. */
export interface PackedCloudTrailAggregate {
  strings: string[];
  /** Per usage cell: identity, credential, action, day, lastSeen. */
  cells: Int32Array;
  /** Per usage cell: count, denied. */
  cellCounts: Float64Array;
  /** Per kept user agent: identity, agent, lastSeen. */
  agents: Int32Array;
  agentCounts: Float64Array;
  /** Per identity with agents not kept: identity. */
  agentOverflowIdentities: Int32Array;
  agentOverflowCounts: Float64Array;
  /** Per (identity, action, resource, day): identity, action, resource, day. */
  resources: Int32Array;
  resourceCalls: Float64Array;
  /** Per (identity, action, day) with calls on no kept resource: identity, action, day, and whether they were over the cap (1) or unresolved (0). */
  resourceGaps: Int32Array;
  resourceGapCalls: Float64Array;
  unmapped: UnmappedEvent[];
  days: CloudTrailDaySeen[];
  stats: CloudTrailStats;
}

export const CELL_FIELDS = 5;
export const AGENT_FIELDS = 3;
export const RESOURCE_FIELDS = 4;
export const GAP_FIELDS = 4;

/** The rows of `data`; the aggregate itself is left as it was. */
export function packAggregate(data: CloudTrailAggregateData): PackedCloudTrailAggregate {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const id = (s: string) => {
    let i = index.get(s);
    if (i === undefined) index.set(s, (i = strings.push(s) - 1));
    return i;
  };
  const cells: number[] = [];
  const cellCounts: number[] = [];
  const agents: number[] = [];
  const agentCounts: number[] = [];
  const overflowIds: number[] = [];
  const overflowCounts: number[] = [];
  const resources: number[] = [];
  const resourceCalls: number[] = [];
  const gaps: number[] = [];
  const gapCalls: number[] = [];
  for (const identity of data.identities.values()) {
    const who = id(identity.identityArn);
    for (const byKey of identity.cells) {
      for (const c of byKey.values()) {
        cells.push(who, id(c.credentialId), id(c.action), id(c.day), id(c.lastSeen));
        cellCounts.push(c.count, c.denied);
      }
    }
    for (const [agent, tally] of identity.userAgents) {
      agents.push(who, id(agent), id(tally.lastSeen));
      agentCounts.push(tally.count);
    }
    if (identity.userAgentOverflow > 0) {
      overflowIds.push(who);
      overflowCounts.push(identity.userAgentOverflow);
    }
    for (const [action, tally] of identity.resources) {
      const what = id(action);
      for (const [arn, days] of tally.arns) {
        const on = id(arn);
        for (const [day, calls] of days) {
          resources.push(who, what, on, id(day));
          resourceCalls.push(calls);
        }
      }
      for (const [over, byDay] of [[0, tally.unresolved], [1, tally.overflow]] as const) {
        for (const [day, calls] of byDay) {
          gaps.push(who, what, id(day), over);
          gapCalls.push(calls);
        }
      }
    }
  }
  return {
    strings,
    cells: Int32Array.from(cells),
    cellCounts: Float64Array.from(cellCounts),
    agents: Int32Array.from(agents),
    agentCounts: Float64Array.from(agentCounts),
    agentOverflowIdentities: Int32Array.from(overflowIds),
    agentOverflowCounts: Float64Array.from(overflowCounts),
    resources: Int32Array.from(resources),
    resourceCalls: Float64Array.from(resourceCalls),
    resourceGaps: Int32Array.from(gaps),
    resourceGapCalls: Float64Array.from(gapCalls),
    unmapped: [...data.unmapped.values()],
    days: [...data.days.values()],
    stats: data.stats,
  };
}

/** The typed arrays of a packed aggregate, to move (not copy) them with postMessage. */
export function packedBuffers(p: PackedCloudTrailAggregate): ArrayBuffer[] {
  return [p.cells, p.cellCounts, p.agents, p.agentCounts, p.agentOverflowIdentities, p.agentOverflowCounts, p.resources, p.resourceCalls, p.resourceGaps, p.resourceGapCalls].map(
    (a) => a.buffer as ArrayBuffer,
  );
}
