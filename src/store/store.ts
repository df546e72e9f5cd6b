/**
 * The keywarden database: one Snapshot written per scan, read back for
 * analysis, with usage and CloudTrail coverage accumulated across scans.
 * Synchronous throughout (better-sqlite3): call writeScan once collection
 * has finished, never with a transaction open across an await.
 */
import type Database from 'better-sqlite3';
import type { PolicyAttachment, Provider, Snapshot, UnmappedEvent, UsageDay } from '../model/domain.js';
import type { PolicyDocument } from '../model/policy.js';
import { isBusy, StoreBusyError, StoreError, messageOf } from './errors.js';
import { schemaVersion } from './migrations.js';
import { openDatabase } from './open-database.js';
import { identityHistory, latestAccessAdvisor, newestLastUses, scanAttachments } from './read-history.js';
import { getScan, latestScan, listScans, previousScan, readPolicies, readScanContents } from './read-scans.js';
import {
  cloudTrailDays,
  unmappedEvents,
  usageDays,
  usageFor,
  usageSummaryByIdentity,
  userAgents,
} from './read-usage.js';
import type {
  CloudTrailDay,
  DayWindow,
  IdentityHistoryEntry,
  IdentityUsageSummary,
  LatestAccessAdvisor,
  ScanContents,
  ScanExtras,
  ScanRecord,
  StoreOptions,
  StoredLastUse,
  UsageAggregate,
  UserAgentUsage,
} from './types.js';
import { AlreadyIngestedError, insertScan } from './write-scan.js';
import { readSuggestions, saveSuggestions } from './suggestions.js';
import type { Suggestion } from '../report/json-schema.js';
import { completedCloudTrailS3Days, readCloudTrailS3Objects, type CloudTrailS3Scope } from './cloudtrail-s3-cursor.js';
import { readGcpLogCursor, readGcpPart, readGcpRoles, readPredefinedRoleCache } from './gcp-read.js';
import type { GcpLogCursor, GcpRole, GcpSnapshotPart } from '../model/gcp.js';
import { resourceEvidence, type ResourceEvidence } from './resource-usage.js';
import { readScanSummaries, saveScanSummary, type ScanSummary } from './scan-summaries.js';
import {
  queryOwnedStatement,
  localAuditLogDays,
  localCloudTrailPartitions,
  queryLoadDays,
  queryOwnedPartitions,
  writeQueryLoad,
  type QueryEngine,
  type QueryLoad,
  type QueryLoadDay,
  type QueryLoadWritten,
} from './query-loads.js';

/** Opens or creates the database at `path` (`:memory:` for tests). Throws StoreError naming the path. */
export function openStore(path: string, options: StoreOptions = {}): Store {
  return new Store(openDatabase(path, options), path, options);
}

export class Store {
  private readonly now: () => Date;
  private readonly busyTimeoutMs: number;
  private readonly ingestedStatement: Database.Statement<[string], number>;
  private readonly queryOwned: (scope: string, region: string, day: string) => boolean;

  /** Use openStore(). */
  constructor(
    private readonly db: Database.Database,
    readonly path: string,
    options: StoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.busyTimeoutMs = db.pragma('busy_timeout', { simple: true }) as number;
    this.ingestedStatement = db.prepare<[string], number>('SELECT 1 FROM ingested_objects WHERE digest = ?').pluck();
    this.queryOwned = queryOwnedStatement(db);
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /**
   * Stores the snapshot as one new complete scan, in one transaction, and
   * returns its id. On any error nothing of it is written.
   */
  writeScan(snapshot: Snapshot, extras: ScanExtras = {}): number {
    const finishedAt = this.now().toISOString();
    try {
      return this.db.transaction(() => insertScan(this.db, snapshot, extras, finishedAt)).immediate();
    } catch (error) {
      const source = typeof snapshot?.source === 'string' ? snapshot.source : '(unnamed source)';
      if (isBusy(error)) {
        throw new StoreBusyError(
          `${this.path} is locked by another keywarden writer (waited ${this.busyTimeoutMs} ms); ` +
            `scan from ${source} was not stored, run it again when the other one finishes`,
          this.path,
          'locked',
          { cause: error },
        );
      }
      if ((error as Error).cause instanceof AlreadyIngestedError) {
        throw new StoreBusyError(
          `another keywarden stored some of the same CloudTrail files into ${this.path} while this one read them; ` +
            `scan from ${source} was not stored, run it again (${messageOf(error)})`,
          this.path,
          'ingested-meanwhile',
          { cause: error },
        );
      }
      throw new StoreError(
        `scan from ${source} was not stored in ${this.path}, nothing of it was written: ${messageOf(error)}`,
        this.path,
        { cause: error },
      );
    }
  }

  /**
   * Stores what a warehouse query (Athena, BigQuery) answered, in one
   * transaction: usage per partition day, replacing an earlier load of the
   * same open day, never a partition a local read holds (query-loads.ts).
   */
  writeQueryLoad(load: QueryLoad): QueryLoadWritten {
    try {
      return this.db.transaction(() => writeQueryLoad(this.db, load, this.now().toISOString())).immediate();
    } catch (error) {
      if (isBusy(error)) {
        throw new StoreBusyError(
          `${this.path} is locked by another keywarden writer (waited ${this.busyTimeoutMs} ms); ` +
            `the ${load.engine} query ${load.queryId} was not stored, run it again when the other one finishes`,
          this.path,
          'locked',
          { cause: error },
        );
      }
      throw new StoreError(`the ${load.engine} query ${load.queryId} was not stored in ${this.path}, nothing of it was written: ${messageOf(error)}`, this.path, { cause: error });
    }
  }

  /** Days a warehouse query loaded, within [from, to]. */
  queryLoadDays(engine: QueryEngine, from: string, to: string): Map<string, QueryLoadDay> {
    return queryLoadDays(this.db, engine, from, to);
  }

  /** Partitions (`scope/region/day`) a warehouse query loaded within [from, to]: local readers skip them. */
  queryOwnedPartitions(engine: QueryEngine, from: string, to: string): Set<string> {
    return queryOwnedPartitions(this.db, engine, from, to);
  }

  /** Whether a warehouse query loaded the partition (an AWS account and region, or a log scope with region ''). */
  isQueryOwned(scope: string, region: string, day: string): boolean {
    return this.queryOwned(scope, region, day);
  }

  /** CloudTrail partitions (`account/region/day`) local ingest read files of, within [from, to]. */
  localCloudTrailPartitions(from: string, to: string): Set<string> {
    return localCloudTrailPartitions(this.db, from, to);
  }

  /** Per log scope (`projects/<id>`), the last day local audit-log reads counted. */
  localAuditLogDays(): Map<string, string> {
    return localAuditLogDays(this.db);
  }

  /** Whether a CloudTrail object with this sha256 has already been folded into usage. */
  hasIngested(digest: string): boolean {
    return this.ingestedStatement.get(digest) !== undefined;
  }

  /** CloudTrail-in-S3 days already read completely (never listed again). */
  cloudTrailS3CompletedDays(scope: CloudTrailS3Scope): Set<string> {
    return completedCloudTrailS3Days(this.db, scope);
  }

  /** CloudTrail-in-S3 objects already read, key -> ETag. */
  cloudTrailS3Objects(scope: CloudTrailS3Scope): Map<string, string> {
    return readCloudTrailS3Objects(this.db, scope);
  }

  /** Complete scans, oldest first. */
  listScans(provider?: Provider): ScanRecord[] {
    return listScans(this.db, provider);
  }

  getScan(scanId: number): ScanRecord | undefined {
    return getScan(this.db, scanId);
  }

  latestScan(provider: Provider): ScanRecord | undefined {
    return latestScan(this.db, provider);
  }

  /** The complete scan of the same provider collected just before this one. */
  previousScan(scanId: number): ScanRecord | undefined {
    return previousScan(this.db, this.requireScan(scanId));
  }

  scanContents(scanId: number): ScanContents {
    return readScanContents(this.db, this.requireScan(scanId));
  }

  /** Documents by content hash; hashes not stored are absent from the map. */
  policyDocuments(hashes: Iterable<string>): Map<string, PolicyDocument> {
    return readPolicies(this.db, hashes);
  }

  /** Usage per (identity, credential, action) within the window; all identities when none are given. */
  usageFor(window: DayWindow, identityArns?: readonly string[]): UsageAggregate[] {
    return usageFor(this.db, window, identityArns);
  }

  usageDays(window: DayWindow, identityArns?: readonly string[]): UsageDay[] {
    return usageDays(this.db, window, identityArns);
  }

  usageSummaryByIdentity(window: DayWindow): IdentityUsageSummary[] {
    return usageSummaryByIdentity(this.db, window);
  }

  cloudTrailDays(window: DayWindow, accountId?: string): CloudTrailDay[] {
    return cloudTrailDays(this.db, window, accountId);
  }

  unmappedEvents(): UnmappedEvent[] {
    return unmappedEvents(this.db);
  }

  userAgents(identityArns?: readonly string[]): UserAgentUsage[] {
    return userAgents(this.db, identityArns);
  }

  /** Per identity and action, the resources its calls named within the window (bounded sample) and the calls not covered. */
  resourceEvidence(window: DayWindow, identityArns?: readonly string[]): ResourceEvidence {
    return resourceEvidence(this.db, window, identityArns);
  }

  identityHistory(arn: string): IdentityHistoryEntry[] {
    return identityHistory(this.db, arn);
  }

  /** Per identity, its newest valid last-use date in any complete scan (see read-history.ts). */
  newestLastUses(): Map<string, StoredLastUse> {
    return newestLastUses(this.db);
  }

  /** Every identity of a scan with the policies attached to it then, in stored order. */
  scanAttachments(scanId: number): Map<string, PolicyAttachment[]> {
    return scanAttachments(this.db, scanId);
  }

  latestAccessAdvisor(provider: Provider, identityArns?: readonly string[]): Map<string, LatestAccessAdvisor> {
    return latestAccessAdvisor(this.db, provider, identityArns);
  }

  /** Replaces the suggestions stored for a scan (one transaction). */
  saveSuggestions(scanId: number, suggestions: readonly Suggestion[]): void {
    saveSuggestions(this.db, this.requireScan(scanId).id, suggestions);
  }

  /** The suggestions last stored for a scan, without status. */
  suggestions(scanId: number): Suggestion[] {
    return readSuggestions(this.db, scanId);
  }

  /** A GCP scan's hierarchy, bindings, deny rules, keys and usage evidence (`roles` empty: see gcpRoles). */
  gcpPart(scanId: number): GcpSnapshotPart {
    return readGcpPart(this.db, this.requireScan(scanId).id);
  }

  /** Role definitions for a GCP scan: its own, else the newest cached predefined ones stored up to it. */
  gcpRoles(scanId: number): GcpRole[] {
    const scan = this.requireScan(scanId);
    return readGcpRoles(this.db, scan.id, scan.finishedAt);
  }

  /** How far audit logs of a GCP project have been folded into usage. */
  /** Predefined role name -> its newest cached definition's etag, title, stage and when it was stored. */
  gcpPredefinedRoleCache(): ReturnType<typeof readPredefinedRoleCache> {
    return readPredefinedRoleCache(this.db);
  }

  gcpLogCursor(projectId: string): GcpLogCursor | undefined {
    return readGcpLogCursor(this.db, projectId);
  }

  /** Stores (or replaces) a scan's headline figures for its window length (trend charts read them). */
  saveScanSummary(summary: ScanSummary): void {
    saveScanSummary(this.db, { ...summary, scanId: this.requireScan(summary.scanId).id }, this.now().toISOString());
  }

  /** Stored headline figures of some scans for one window length, by scan id. */
  scanSummaries(scanIds: readonly number[], windowDays: number): Map<number, ScanSummary> {
    return readScanSummaries(this.db, scanIds, windowDays);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private requireScan(scanId: number): ScanRecord {
    const scan = getScan(this.db, scanId);
    if (!scan) throw new StoreError(`${this.path} has no complete scan with id ${scanId}`, this.path);
    return scan;
  }
}
