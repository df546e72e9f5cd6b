/**
 * Pure transforms of two Resource Manager / Recommender outputs:
 * effective tags -> `namespaced key -> short value`, and ACTIVE
 * `google.iam.policy.Recommender` recommendations -> one entry per service
 * account binding they would remove, with the roles they would add instead.
 */
import type { GcpRoleRecommendation } from '../../../model/gcp.js';
import { serviceAccountOfMember } from '../../../model/gcp.js';
import { isoTime } from './iso-time.js';
import type { GcpEffectiveTagWire, GcpRecommendationOperationWire, GcpRecommendationWire } from '../../../model/gcp-wire.js';

/** `{ "123456/environment": "production" }` from `namespacedTagValue` `123456/environment/production`. */
export function effectiveTags(tags: GcpEffectiveTagWire[] | undefined): Record<string, string> | undefined {
  if (!tags) return undefined;
  const out: Record<string, string> = {};
  for (const t of tags) {
    const value = t.namespacedTagValue ?? '';
    const cut = value.lastIndexOf('/');
    if (cut <= 0) continue;
    out[t.namespacedTagKey || value.slice(0, cut)] = value.slice(cut + 1);
  }
  return out;
}

const ROLE = '/iamPolicy/bindings/*/role';
const MEMBER = '/iamPolicy/bindings/*/members/*';
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const resourceOf = (o: GcpRecommendationOperationWire) => (o.resource ?? '').replace(/^\/\/cloudresourcemanager\.googleapis\.com\//, '');

/** The member an operation adds (`value`) or removes (path filter). */
function memberOf(o: GcpRecommendationOperationWire): string | undefined {
  return o.action === 'add' ? str(o.value) : str(o.pathFilters?.[MEMBER]);
}

export function roleRecommendations(recommendations: GcpRecommendationWire[] | undefined): GcpRoleRecommendation[] {
  const out: GcpRoleRecommendation[] = [];
  for (const r of recommendations ?? []) {
    if ((r.stateInfo?.state ?? 'ACTIVE') !== 'ACTIVE') continue;
    const operations = (r.content?.operationGroups ?? []).flatMap((g) => g.operations ?? []);
    for (const remove of operations.filter((o) => o.action === 'remove')) {
      const member = memberOf(remove);
      const email = member && serviceAccountOfMember(member);
      const role = str(remove.pathFilters?.[ROLE]);
      if (!email || !role) continue;
      const resource = resourceOf(remove);
      const replacements = operations
        .filter((o) => o.action === 'add' && memberOf(o) === member && resourceOf(o) === resource)
        .flatMap((o) => (str(o.pathFilters?.[ROLE]) ? [str(o.pathFilters?.[ROLE])!] : []));
      out.push({
        name: r.name ?? '',
        serviceAccount: email,
        resource,
        role,
        replacements: [...new Set(replacements)].sort(),
        subtype: r.recommenderSubtype ?? undefined,
        description: r.description ?? undefined,
        priority: r.priority ?? undefined,
        lastRefresh: isoTime(r.lastRefreshTime),
        insights: (r.associatedInsights ?? []).flatMap((i) => (i.insight ? [i.insight] : [])),
      });
    }
  }
  return out;
}
