/**
 * A CloudTrail aggregate as flat rows, for handing a worker's total to the
 * main thread (CloudTrailAggregate.pack, mergePacked). Rows are one string
 * table and typed arrays: cloned as memory copies (or moved), and merged
 * without building objects; posting an object graph cost ~0.1 s to
 * serialise and ~0.13 s to rebuild per 250,000 entries, at the run's end.
 */
import type { UnmappedEvent } from '../../../model/domain.js';
import type { CloudTrailDaySeen, CloudTrailStats } from './aggregate.js';

/** Every number is a count, a day (days since 1970), a time (see clockOf in aggregate.ts) or a string's index in `strings`. */
export interface PackedCloudTrailAggregate {
  strings: string[];
  /** Per usage cell: identity, credential, action, day. */
  cells: Int32Array;
  /** Per usage cell: count, denied, latest call's time. */
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
  /** Per (identity, action, day) with calls on no kept resource: identity, action, day. */
  resourceGaps: Int32Array;
  /** Per gap row: calls naming no resource (unresolved), and calls on resources over the cap (overflow). */
  resourceGapCalls: Float64Array;
  unmapped: UnmappedEvent[];
  days: CloudTrailDaySeen[];
  stats: CloudTrailStats;
}

export const CELL_FIELDS = 4;
export const AGENT_FIELDS = 3;
export const RESOURCE_FIELDS = 4;
export const GAP_FIELDS = 3;

/** The typed arrays of a packed aggregate, to move (not copy) them with postMessage. */
export function packedBuffers(p: PackedCloudTrailAggregate): ArrayBuffer[] {
  return [p.cells, p.cellCounts, p.agents, p.agentCounts, p.agentOverflowIdentities, p.agentOverflowCounts, p.resources, p.resourceCalls, p.resourceGaps, p.resourceGapCalls].map(
    (a) => a.buffer as ArrayBuffer,
  );
}
