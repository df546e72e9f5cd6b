/**
 * Granted vs used for one service account, per permission:
 *   used    — an audit-log entry in the window granted it, or an ACTIVE
 *             IAM Recommender insight lists it as exercised;
 *   unused  — not used, and an ACTIVE insight observes a role granting it
 *             (the recommender watches every permission of the roles it covers);
 *   unknown — everything else. Audit logs prove use, never absence: Data
 *             Access logs are off by default, so silence in them means nothing.
 */
import type { GcpPermissionInsight } from '../../model/gcp.js';
import type { UsageAggregate } from '../../store/index.js';
import type { GcpEffectiveGrant } from './effective-grant.js';

export interface GcpPermissionCalls {
  count: number;
  denied: number;
  lastSeen: string;
}

export interface GcpUsage {
  used: Set<string>;
  unused: Set<string>;
  unknown: Set<string>;
  /** Audit-log calls per permission in the window (granted or not). */
  calls: Map<string, GcpPermissionCalls>;
  /** Insights that speak for this service account. */
  insights: GcpPermissionInsight[];
}

export function gcpUsage(grant: GcpEffectiveGrant, insights: readonly GcpPermissionInsight[], logUsage: readonly UsageAggregate[]): GcpUsage {
  const calls = new Map<string, GcpPermissionCalls>();
  for (const u of logUsage) {
    const c = calls.get(u.action) ?? { count: 0, denied: 0, lastSeen: u.lastSeen };
    c.count += u.count;
    c.denied += u.denied;
    if (u.lastSeen > c.lastSeen) c.lastSeen = u.lastSeen;
    calls.set(u.action, c);
  }
  const exercised = new Set(insights.flatMap((i) => i.exercised));
  const observedRoles = new Set(insights.map((i) => i.role));
  const observed = new Set<string>();
  for (const held of grant.held) if (observedRoles.has(held.binding.role)) for (const p of held.permissions ?? []) observed.add(p);

  const used = new Set<string>();
  const unused = new Set<string>();
  const unknown = new Set<string>();
  for (const p of grant.permissions) {
    if ((calls.get(p)?.count ?? 0) > 0 || exercised.has(p)) used.add(p);
    else if (observed.has(p)) unused.add(p);
    else unknown.add(p);
  }
  return { used, unused, unknown, calls, insights: [...insights] };
}
