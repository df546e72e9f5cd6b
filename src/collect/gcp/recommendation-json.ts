/** Recommender recommendations and effective tags from the gax clients, in the JSON form gcloud prints. */
import type { GcpEffectiveTagWire, GcpRecommendationOperationWire, GcpRecommendationWire } from '../../model/gcp-wire.js';
import type { EffectiveTag, Recommendation } from './fetch.js';
import { enumName, timestampJson, valueJson } from './proto-json.js';

const PRIORITY = { 0: 'PRIORITY_UNSPECIFIED', 1: 'P4', 2: 'P3', 3: 'P2', 4: 'P1' } as const;
const STATE = { 0: 'STATE_UNSPECIFIED', 1: 'ACTIVE', 3: 'SUCCEEDED', 4: 'FAILED', 5: 'DISMISSED', 6: 'CLAIMED' } as const;

type Operation = NonNullable<NonNullable<NonNullable<Recommendation['content']>['operationGroups']>[number]['operations']>[number];

/** A protobuf Value, or an already-plain value (some transports decode it). */
const plain = (v: unknown): unknown => (v !== null && typeof v === 'object' && Object.keys(v).some((k) => k.endsWith('Value')) ? valueJson(v as Parameters<typeof valueJson>[0]) : v);

function operationJson(o: Operation): GcpRecommendationOperationWire {
  return {
    action: o.action,
    resourceType: o.resourceType,
    resource: o.resource,
    path: o.path,
    ...(o.value !== undefined && o.value !== null && { value: plain(o.value) }),
    pathFilters: Object.fromEntries(Object.entries(o.pathFilters ?? {}).map(([k, v]) => [k, plain(v)])),
  };
}

export function recommendationJson(r: Recommendation): GcpRecommendationWire {
  return {
    name: r.name,
    description: r.description,
    recommenderSubtype: r.recommenderSubtype,
    lastRefreshTime: timestampJson(r.lastRefreshTime),
    priority: enumName(r.priority, PRIORITY),
    stateInfo: { state: enumName(r.stateInfo?.state, STATE) },
    etag: r.etag,
    associatedInsights: (r.associatedInsights ?? []).map((i) => ({ insight: i.insight })),
    content: { operationGroups: (r.content?.operationGroups ?? []).map((g) => ({ operations: (g.operations ?? []).map(operationJson) })) },
  };
}

export function effectiveTagJson(t: EffectiveTag): GcpEffectiveTagWire {
  return {
    tagValue: t.tagValue,
    namespacedTagValue: t.namespacedTagValue,
    tagKey: t.tagKey,
    namespacedTagKey: t.namespacedTagKey,
    tagKeyParentName: t.tagKeyParentName,
    inherited: t.inherited === true,
  };
}
