/**
 * Per-scan figures for the report's trend charts. Each report stores its
 * scan's figures (store.saveScanSummary, keyed by scan and window length);
 * the charts read them back. An earlier scan without a stored summary for
 * this window, or one stored under other rules or config, is audited again
 * the way its own report would have been (same rules and window length,
 * window ending when that scan was collected), and what that gives is
 * stored, so an old database pays for each scan once.
 */
import { createHash } from 'node:crypto';
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
  /** Audits a scan that has no usable stored summary (tests count the calls). */
  audit?: typeof buildAuditReport;
}

/**
 * What, besides the scan and its window, decides a summary's figures: the
 * tool version, the rules, and the config that places identities in
 * environments, attributes agents and sets thresholds. A summary stored under
 * another basis is not reused.
 */
export function summaryBasis(options: Pick<TrendOptions, 'config' | 'rules' | 'toolVersion'>): string {
  const { environments, agents, thresholds, gcp } = options.config;
  const decides = { tool: options.toolVersion, rules: options.rules.map((r) => r.id), environments, agents, thresholds, gcp: gcp ?? null };
  return createHash('sha256').update(JSON.stringify(decides)).digest('hex');
}

/** Stores a report's headline figures as its scan's summary for its window length. */
export function recordScanSummary(store: Store, report: AuditReport, options: Pick<TrendOptions, 'config' | 'rules' | 'toolVersion'>): void {
  const { scanId, collectedAt: _collectedAt, ...figures } = trendPoint(report);
  store.saveScanSummary({ scanId, windowDays: report.window.days, basis: summaryBasis(options), ...figures });
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
  const days = current.window.days;
  const basis = summaryBasis(options);
  const stored = store.scanSummaries(earlier.map((s) => s.id), days);
  const points = earlier.map((scan): TrendPoint => {
    // Never look past the current report's window end: its as-of may be earlier than the newest collection.
    const asOf = new Date(Math.min(Date.parse(scan.collectedAt), Date.parse(current.window.to + 'T23:59:59Z')));
    const window = windowEndingAt(asOf, days);
    const summary = stored.get(scan.id);
    if (summary && summary.windowTo === window.to && summary.basis === basis) {
      const { scanId, windowTo, findingsBySeverity, grantedActions, usedActions, agentIdentities, identities } = summary;
      return { scanId, collectedAt: scan.collectedAt, windowTo, findingsBySeverity, grantedActions, usedActions, agentIdentities, identities };
    }
    const audit = options.audit ?? buildAuditReport;
    const report = audit(store, catalog, { scanId: scan.id, window, config: options.config, rules: options.rules, toolVersion: options.toolVersion });
    recordScanSummary(store, report, options);
    return trendPoint(report);
  });
  return [...points, trendPoint(current)];
}
