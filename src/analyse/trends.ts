/**
 * Per-scan figures for the report's trend charts, computed from stored data:
 * each earlier scan is audited again the way its own report would have been
 * (same rules and window length, window ending when that scan was collected),
 * so no extra table is needed and an old database gets trends at once.
 */
import type { AwsActionCatalog } from '../catalog/aws-actions.js';
import type { KeywardenConfig } from '../config/index.js';
import type { AuditReport } from '../report/json-schema.js';
import type { Rule } from '../rules/rule.js';
import type { Store } from '../store/index.js';
import { buildAuditReport } from './audit.js';
import { windowEndingAt } from './window.js';

export interface TrendPoint {
  scanId: number;
  collectedAt: string;
  /** Last day of the window the figures speak for. */
  windowTo: string;
  /** Open and suppressed findings alike, as the report counts them. */
  findingsBySeverity: Record<string, number>;
  grantedActions: number;
  usedActions: number;
  agentIdentities: number;
  identities: number;
}

/** Scans shown in trends: a year of monthly scans. Older ones cost time and say little. */
export const TREND_SCANS = 12;

export function trendPoint(report: AuditReport): TrendPoint {
  const s = report.summary;
  return {
    scanId: report.scan.id,
    collectedAt: report.scan.collectedAt,
    windowTo: report.window.to,
    findingsBySeverity: s.findingsBySeverity,
    grantedActions: s.grantedActions,
    usedActions: s.usedActions,
    agentIdentities: s.agentIdentities,
    identities: s.identities,
  };
}

export interface TrendOptions {
  config: KeywardenConfig;
  rules: readonly Rule[];
  toolVersion: string;
  limit?: number;
}

/**
 * Trend points for the scans of `current`'s provider collected up to it,
 * oldest first, ending with `current` itself (its figures are taken as they are).
 */
export function scanTrends(store: Store, catalog: AwsActionCatalog, current: AuditReport, options: TrendOptions): TrendPoint[] {
  const provider = store.getScan(current.scan.id)?.provider ?? 'aws';
  const scans = store.listScans(provider);
  const upTo = scans.findIndex((s) => s.id === current.scan.id);
  const earlier = (upTo < 0 ? [] : scans.slice(0, upTo)).slice(-((options.limit ?? TREND_SCANS) - 1));
  const points = earlier.map((scan) => {
    // Never look past the current report's window end: its as-of may be earlier than the newest collection.
    const asOf = new Date(Math.min(Date.parse(scan.collectedAt), Date.parse(current.window.to + 'T23:59:59Z')));
    const window = windowEndingAt(asOf, current.window.days);
    const report = buildAuditReport(store, catalog, { scanId: scan.id, window, config: options.config, rules: options.rules, toolVersion: options.toolVersion });
    return trendPoint(report);
  });
  return [...points, trendPoint(current)];
}
